/**
 * Stand-in `npm`, `pulumi` and `aws` commands (test/ci/stand-ins/) for running the pipelines' steps
 * and the tools/ops scripts offline, on the model of the release.sh spec's (test/ci/workflows.spec.ts):
 * each environment has two functions, `api` (`<env>-api-fn`, live on 6, newest 7) and `worker`
 * (`<env>-worker-fn`, already on its newest, 3), and its two release hooks.
 *
 * - `npm`: refuses a script the working directory's package.json lacks (npm's "Missing script") and
 *   records the call. `ci` creates node_modules; `test` writes a JUnit report where
 *   `--reporter-option output=` points, as mocha's xunit reporter does; `preview` prints a JSON report
 *   with a mandatory violation (exit 1) for each `<stack>-<mode>` in PREVIEW_MANDATORY, and fails
 *   (exit 2) for those in PREVIEW_BROKEN; `smoke` fails its n-th call for a stack that SMOKE_FAILS
 *   lists as `<stack>#<n>`; `gate` prints a JSON report of every stack and mode it is given and writes
 *   the JUnit file `--junit` names; `drill` and `site:publish` succeed.
 * - `pulumi`: `stack output releases|releaseHooks` (the api alone with STAND_IN_API_ONLY), `whoami`
 *   (not logged in with PULUMI_LOGGED_OUT),
 *   and `preview`/`up`, which fail unless the pack directory and the config file they name exist.
 * - `aws`: `lambda get-alias` reads the alias from the state directory (6 or 3 at first); `deploy create-deployment`
 *   records the AppSpec's move, which `get-deployment` completes (Succeeded, the alias moved) unless
 *   RELEASE_FAILS names the function (Stopped by an alarm: the alias stays); `sns publish` answers.
 *   Each call's credentials (role, web identity token, access key, region) go to aws-credentials.log.
 * - `apt-get`: records what would be installed, so no step installs anything for real.
 * Every call is a line `<command> <args>` of calls.log in the state directory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SOURCES = path.resolve(__dirname, "..", "stand-ins");
export const COMMANDS = ["npm", "pulumi", "aws", "apt-get"] as const;

export interface StandIns {
    /** The directory of the stand-ins and their state. */
    dir: string;
    /** An environment whose PATH finds the stand-ins first. */
    env: NodeJS.ProcessEnv;
    /** The calls so far, one line each. */
    calls(): string[];
    /** The credentials of each `aws` call so far, `role=... token=... key=... region=...`. */
    awsCredentials(): string[];
    /** The version a function's `live` alias serves now (`prod-api-fn`). */
    live(functionName: string): string;
    /** Sets the version a function's `live` alias serves, and the one it served first. */
    setLive(functionName: string, now: string, first?: string): void;
    /** Forgets the calls and puts every alias back on its first version. */
    reset(): void;
    remove(): void;
}

export function standIns(): StandIns {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-stand-ins-"));
    // Copied with their mode set, so PATH finds them whatever mode the checkout gave the sources.
    for (const name of COMMANDS) fs.writeFileSync(path.join(dir, name), fs.readFileSync(path.join(SOURCES, name)), { mode: 0o755 });
    const reset = () => {
        for (const f of fs.readdirSync(dir)) if (!(COMMANDS as readonly string[]).includes(f)) fs.rmSync(path.join(dir, f));
    };
    const alias = (name: string) => path.join(dir, `alias.${name}`);
    const log = path.join(dir, "calls.log");
    const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
    return {
        dir,
        env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`, STAND_INS: dir, RELEASE_POLL_SECONDS: "0" },
        calls: () => lines(log),
        awsCredentials: () => lines(path.join(dir, "aws-credentials.log")),
        live: (name) => (fs.existsSync(alias(name)) ? fs.readFileSync(alias(name), "utf8").trim() : name.endsWith("api-fn") ? "6" : "3"),
        setLive: (name, now, first = now) => {
            fs.writeFileSync(alias(name), `${now}\n`);
            fs.writeFileSync(`${alias(name)}.first`, `${first}\n`);
        },
        reset,
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/**
 * A clean clone of what the pipelines' steps read, in a new temporary directory: package.json (the npm
 * stand-in checks scripts against it), the pipeline files, the stack files, the policy configs and the
 * tools/ops scripts, with no node_modules, reports or test results.
 */
export function cleanClone(repo: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-clone-"));
    const copy = (rel: string) => fs.cpSync(path.join(repo, rel), path.join(dir, rel), { recursive: true });
    for (const f of fs.readdirSync(repo)) if (/^Pulumi(\.(dev|staging|prod))?\.yaml$/.test(f)) copy(f);
    for (const rel of ["package.json", "Jenkinsfile", "bitbucket-pipelines.yml", "policies/config", "tools/ops"]) copy(rel);
    fs.mkdirSync(path.join(dir, "policies"), { recursive: true });
    return dir;
}
