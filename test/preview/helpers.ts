import { execFile } from "child_process";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
export const fixture = (...p: string[]): string => path.join(REPO, "test", "fixtures", ...p);

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs the offline preview's CLI as `npm run preview` does (`node tools/preview/launch.js preview`), and
 * returns its exit code and output.
 */
export function previewCli(args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [path.join(REPO, "tools", "preview", "launch.js"), "preview", ...args],
            { cwd: REPO, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: "0" } },
            (err, stdout, stderr) => {
                const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
                resolve({ code, stdout, stderr });
            },
        );
    });
}
