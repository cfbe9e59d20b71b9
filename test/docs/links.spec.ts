import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const REPO = path.join(__dirname, "..", "..");
const DOCS = [
    "README.md",
    ...fs
        .readdirSync(path.join(REPO, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    "examples/consumer/README.md",
    "functions/README.md",
    "components/defaults/README.md",
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
    heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");

const anchorsOf = (file: string) => new Set([...fs.readFileSync(file, "utf8").matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1].replace(/`/g, ""))));

describe("the documentation's links", () => {
    for (const doc of DOCS) {
        it(`${doc}: every relative link reaches a file of the repository, and every #anchor a heading`, () => {
            const text = fs.readFileSync(path.join(REPO, doc), "utf8").replace(/```[\s\S]*?```/g, "");
            const broken: string[] = [];
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [file, anchor] = target.split("#");
                const resolved = file === "" ? path.join(REPO, doc) : path.resolve(path.dirname(path.join(REPO, doc)), file);
                if (path.relative(REPO, resolved).startsWith("..") || !fs.existsSync(resolved)) {
                    broken.push(`${target}: no such file in the repository`);
                } else if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor)) {
                    broken.push(`${target}: no heading with that anchor`);
                }
            }
            assert.deepEqual(broken, []);
        });
    }
});
