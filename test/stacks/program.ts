import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { MockRun, installMocks } from "../components/harness";

export const ROOT = path.join(__dirname, "..", "..");
export const STACKS = ["dev", "staging", "prod"] as const;

/** A stack file's config as the CLI hands it to the program: strings, lists as JSON. */
export function stackConfig(stack: string, extra: Record<string, string> = {}): Record<string, string> {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { ...out, ...extra };
}

export interface StackRun {
    run: MockRun;
    outputs: string[];
}

/** Runs index.ts for one stack under the mocks (once per call: the module is re-evaluated). */
export async function runProgram(stack: string, extra: Record<string, string> = {}): Promise<StackRun> {
    const run = installMocks({ stack, config: stackConfig(stack, extra) });
    const entry = require.resolve(path.join(ROOT, "index.ts"));
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must run once per stack
    const program = require(entry) as Record<string, unknown>;
    await run.settle();
    return { run, outputs: Object.keys(program).sort() };
}
