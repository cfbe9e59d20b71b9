/**
 * Reads the two pipeline files into what the specs check and run: bitbucket-pipelines.yml (YAML with
 * anchors and merge keys, as Bitbucket reads it) and the Jenkinsfile (a block tree of its Groovy
 * source: each `{ ... }` with the words before it, strings and comments skipped, so every `sh` step
 * is known with its stage and whether it runs inside `withCredentials`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface BitbucketStep {
    name?: string;
    image?: string;
    size?: string;
    "max-time"?: number;
    caches?: string[];
    script: string[];
    "after-script"?: string[];
    artifacts?: string[] | { download?: boolean; paths: string[] };
    deployment?: string;
    trigger?: "automatic" | "manual";
    oidc?: boolean;
}
export type BitbucketItem = { step: BitbucketStep } | { parallel: Array<{ step: BitbucketStep }> };
export interface BitbucketPipelines {
    image?: string;
    definitions?: { caches?: Record<string, string | { key?: { files: string[] }; path: string }>; steps?: unknown[] };
    pipelines: {
        default?: BitbucketItem[];
        branches?: Record<string, BitbucketItem[]>;
        "pull-requests"?: Record<string, BitbucketItem[]>;
        tags?: Record<string, BitbucketItem[]>;
        custom?: Record<string, BitbucketItem[]>;
    };
}

export function readBitbucket(repo: string): { text: string; pipelines: BitbucketPipelines } {
    const text = fs.readFileSync(path.join(repo, "bitbucket-pipelines.yml"), "utf8");
    return { text, pipelines: parse(text, { merge: true }) as BitbucketPipelines };
}

/** The steps of a pipeline in the order they start; a parallel group's steps as one stage. */
export function stagesOf(items: readonly BitbucketItem[]): BitbucketStep[][] {
    return items.map((item) => ("parallel" in item ? item.parallel.map((p) => p.step) : [item.step]));
}

export interface Block {
    /** The words before the `{`, comments dropped and whitespace collapsed: `stage('dev')`, `steps`, `withCredentials(stackCredentials('dev'))`. */
    head: string;
    start: number;
    end: number;
    parent?: Block;
    children: Block[];
}

export interface ShStep {
    command: string;
    /** The innermost stage's name, or `post` for the pipeline's post conditions. */
    stage: string;
    /** The enclosing blocks' heads, outermost first. */
    within: string[];
    at: number;
}

export interface Jenkinsfile {
    text: string;
    root: Block;
    /** Every stage block, in the order of the file. */
    stages: Array<{ name: string; block: Block; leaf: boolean }>;
    sh: ShStep[];
}

/** The block tree; `sh '...'` steps with their stage. Throws on unbalanced braces. */
export function parseJenkinsfile(text: string): Jenkinsfile {
    const root: Block = { head: "", start: 0, end: text.length, children: [] };
    const strings: Array<{ start: number; end: number; value: string }> = [];
    let current = root;
    let headStart = 0;
    let i = 0;
    // The statement that opens the block: its last line, with the lines before it while its parentheses are open.
    const clean = (s: string) => {
        const lines = s
            .replace(/\/\/[^\n]*/g, "")
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean);
        const count = (t: string, ch: string) => t.split(ch).length - 1;
        let head = lines.pop() ?? "";
        while (lines.length > 0 && count(head, ")") + count(head, "]") > count(head, "(") + count(head, "[")) head = `${lines.pop()!} ${head}`;
        return head.replace(/\s+/g, " ");
    };
    while (i < text.length) {
        const c = text[i]!;
        if (c === "/" && text[i + 1] === "/") {
            i = text.indexOf("\n", i);
            if (i < 0) break;
            continue;
        }
        if (c === "'" || c === '"') {
            let j = i + 1;
            while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
            strings.push({ start: i, end: j + 1, value: text.slice(i + 1, j) });
            i = j + 1;
            continue;
        }
        if (c === "{") {
            const block: Block = { head: clean(text.slice(headStart, i)), start: i, end: -1, parent: current, children: [] };
            current.children.push(block);
            current = block;
            headStart = i + 1;
        } else if (c === "}") {
            if (!current.parent) throw new Error(`Jenkinsfile: unbalanced } at offset ${i}`);
            current.end = i;
            current = current.parent;
            headStart = i + 1;
        }
        i++;
    }
    if (current !== root) throw new Error(`Jenkinsfile: block "${current.head}" is never closed`);

    const stages: Jenkinsfile["stages"] = [];
    const walk = (b: Block) => {
        const name = /^stage\('([^']+)'\)$/.exec(b.head)?.[1];
        if (name !== undefined) stages.push({ name, block: b, leaf: b.children.some((c) => c.head === "steps") });
        b.children.forEach(walk);
    };
    walk(root);

    const innermost = (at: number): Block => {
        let b = root;
        for (;;) {
            const child = b.children.find((c) => c.start < at && at < c.end);
            if (!child) return b;
            b = child;
        }
    };
    const chain = (b: Block): Block[] => (b.parent ? [...chain(b.parent), b] : []);
    const sh: ShStep[] = [];
    for (const s of strings) {
        if (!/\bsh\s+$/.test(text.slice(Math.max(0, s.start - 8), s.start)) || text[s.start] !== "'") continue;
        const blocks = chain(innermost(s.start));
        const stage = [...blocks].reverse().find((b) => /^stage\(/.test(b.head));
        sh.push({ command: s.value, stage: stage ? /^stage\('([^']+)'\)$/.exec(stage.head)![1]! : "post", within: blocks.map((b) => b.head), at: s.start });
    }
    return { text, root, stages, sh };
}

export function readJenkinsfile(repo: string): Jenkinsfile {
    return parseJenkinsfile(fs.readFileSync(path.join(repo, "Jenkinsfile"), "utf8"));
}

/** A block's own text: without the text of its child blocks whose head matches `skip`. */
export function ownText(text: string, block: Block, skip: RegExp = /^stage\(|^stages$/): string {
    let out = "";
    let at = block.start + 1;
    for (const c of block.children) {
        if (!skip.test(c.head)) continue;
        out += text.slice(at, c.start);
        at = c.end + 1;
    }
    return out + text.slice(at, block.end);
}

/**
 * The command a step line runs: an npm script (`npm run x`, `npm test`, `npm ci`), a tools/ops script,
 * or a shell builtin that only sets up the environment (`export`, `echo ... > file`, `[ ... ] ||`).
 */
export function commandOf(
    line: string,
): { kind: "npm"; script: string } | { kind: "ops"; script: string } | { kind: "setup" } | { kind: "other"; line: string } {
    const npm = /^npm (?:run (?:-s )?(\S+)|(test|ci))\b/.exec(line);
    if (npm) return { kind: "npm", script: npm[1] ?? npm[2]! };
    const ops = /^(?:\[ [^\]]+ \] \|\| )?(tools\/ops\/[\w.-]+)/.exec(line);
    if (ops) return { kind: "ops", script: ops[1]! };
    if (/^export [A-Z_]+=/.test(line) || /^echo "\$[A-Z_]+" > "\$[A-Z_]+"$/.test(line)) return { kind: "setup" };
    return { kind: "other", line };
}
