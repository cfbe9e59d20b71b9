import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface StandInPulumi {
    /** An environment whose PATH finds the stand-in first. */
    env: NodeJS.ProcessEnv;
    /** Every argument line the stand-in was called with, one per call. */
    callsFile: string;
}

/**
 * A stand-in `pulumi` on PATH: `pulumi stack output --json --stack <stack>` prints `outputs` as the
 * CLI would; any other command line, or `fail`, prints the CLI's kind of error to stderr and exits 255.
 */
export function standInPulumi(stack: string, outputs: Record<string, unknown>, fail?: string): StandInPulumi {
    const bin = mkdtempSync(path.join(tmpdir(), "stand-in-pulumi-"));
    const outputsFile = path.join(bin, "outputs.json");
    const callsFile = path.join(bin, "calls.log");
    writeFileSync(outputsFile, JSON.stringify(outputs));
    const script = [
        "#!/bin/sh",
        `echo "$*" >> '${callsFile}'`,
        fail !== undefined ? `echo '${fail.replace(/'/g, "")}' >&2; exit 255` : "",
        `[ "$*" = "stack output --json --stack ${stack}" ] || { echo "error: unexpected arguments: $*" >&2; exit 255; }`,
        `cat '${outputsFile}'`,
        "",
    ].join("\n");
    writeFileSync(path.join(bin, "pulumi"), script);
    chmodSync(path.join(bin, "pulumi"), 0o755);
    return { env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` }, callsFile };
}

/** An environment whose PATH has no `pulumi` at all. */
export function withoutPulumi(): NodeJS.ProcessEnv {
    return { ...process.env, PATH: mkdtempSync(path.join(tmpdir(), "empty-path-")) };
}
