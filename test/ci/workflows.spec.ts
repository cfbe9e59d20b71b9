import { validateWorkflow } from "@action-validator/core";
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { COMMAND as gateCommand } from "../../tools/gate/cli";
import { REPO } from "../preview/helpers";

interface Step {
    name?: string;
    if?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    uses?: string;
    with?: Record<string, string>;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, Array<string | number>> };
    steps?: Step[];
}
interface Workflow {
    jobs: Record<string, Job>;
}

const WORKFLOWS = path.join(REPO, ".github", "workflows");
const workflow = (name: string): Workflow => parse(fs.readFileSync(path.join(WORKFLOWS, name), "utf8")) as Workflow;
const STACKS = fs
    .readdirSync(REPO)
    .map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && !s.startsWith("integration"))
    .sort();

describe("CI/CD workflows", () => {
    it("every workflow is valid against the GitHub Actions workflow schema", () => {
        const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
        assert.deepEqual(files.sort(), ["ci.yml", "deploy-stack.yml", "deploy.yml"]);
        for (const f of files) {
            const { errors } = validateWorkflow(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"));
            assert.deepEqual(errors, [], `${f}: ${JSON.stringify(errors, null, 1)}`);
        }
    });

    it("ci runs the README's test command, gates every stack in both preview modes and drills every stack", () => {
        const { jobs } = workflow("ci.yml");
        assert.ok(
            jobs.test.steps?.some((s) => s.run === ".ci/run"),
            "the test job runs .ci/run",
        );
        // Node.js 22 and 24 LTS, each leg on its own Node.js (.ci/run's CI_NODE=system).
        assert.deepEqual(jobs.test.strategy?.matrix?.node, [22, 24]);
        assert.equal(jobs.test.steps?.find((s) => s.run === ".ci/run")?.env?.CI_NODE, "system");
        // One job gates every stack in both modes with one command (no matrix of previews), failing on its exit code.
        const gateJob = jobs["policy-gate"];
        assert.equal(gateJob.strategy, undefined, "one gate, not a job per stack and mode");
        const steps = gateJob.steps ?? [];
        const gate = steps.findIndex((s) => s.run === "npm run --silent gate -- --json --junit test-results/policy-gate/junit.xml > policy-gate.json");
        assert.ok(gate >= 0, "the gate fails on npm run gate's exit code, its reports kept");
        assert.equal(steps[gate].if, undefined);
        assert.ok(!steps.some((s) => s.run?.startsWith("npm run preview")), "no separate previews");
        // The gate's defaults are every stack file and both modes.
        assert.deepEqual([...gateCommand.flags.stack.default.split(",")].sort(), STACKS, "the gate's default stacks are the stack files");
        assert.equal(gateCommand.flags.mode.default, "create,update");
        // The incident drill next to the gate, once per stack (update mode: names and ARNs known), failing the job on its exit code.
        const drills = STACKS.map((stack) => steps.findIndex((s) => s.run === `npm run drill -- --stack ${stack} --all`));
        for (const [i, at] of drills.entries()) {
            assert.ok(at > gate, `the drill of every scenario of drills/ for ${STACKS[i]} runs after the gate`);
            assert.equal(steps[at].if, undefined);
        }
        const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.equal(upload?.if, "always()", "the reports are kept when the gate fails");
        assert.deepEqual(upload?.with?.path.trim().split("\n"), ["policy-gate.json", "test-results/policy-gate/junit.xml"]);
    });

    it("deploy promotes dev, then staging, then prod, each through the same stage", () => {
        const { jobs } = workflow("deploy.yml");
        assert.deepEqual(Object.keys(jobs), ["dev", "staging", "prod"]);
        assert.deepEqual(
            Object.values(jobs).map((j) => [j.uses, j.with?.stack, j.needs]),
            [
                ["./.github/workflows/deploy-stack.yml", "dev", undefined],
                ["./.github/workflows/deploy-stack.yml", "staging", "dev"],
                ["./.github/workflows/deploy-stack.yml", "prod", "staging"],
            ],
        );
        assert.deepEqual(Object.keys(jobs).sort(), STACKS);
    });

    it("a stage gates offline, deploys with its stack's policy config, publishes the site, smokes, releases, smokes again", () => {
        const job = workflow("deploy-stack.yml").jobs.deploy;
        assert.equal(job.environment, "${{ inputs.stack }}", "the environment holds the stack's role and reviewers");
        assert.equal(job.concurrency?.["cancel-in-progress"], false, "never cancel a running pulumi up");
        const steps = job.steps ?? [];
        const at = (find: (s: Step) => boolean, what: string) => {
            const i = steps.findIndex(find);
            assert.ok(i >= 0, `a step that ${what}`);
            return i;
        };
        const gate = at((s) => s.run === "npm run gate -- --stack ${{ inputs.stack }} --mode update", "runs the offline policy gate");
        const drill = at((s) => s.run === "npm run drill -- --stack ${{ inputs.stack }} --all", "runs the incident drill of the stack");
        assert.equal(steps[drill].if, undefined, "the drill gates every deploy");
        const up = at((s) => s.uses?.startsWith("pulumi/actions@") === true && s.with?.command === "up", "runs pulumi up");
        assert.deepEqual([steps[up].with?.policyPacks, steps[up].with?.policyPackConfigs], ["policies", "policies/config/${{ inputs.stack }}.json"]);
        const smokes = steps.flatMap((s, i) => (s.run?.startsWith("npm run smoke") ? [i] : []));
        const release = at((s) => s.run === 'tools/ops/release.sh "$STACK"', "releases through CodeDeploy");
        const publish = at((s) => s.run === 'npm run site:publish -- --stack "$STACK"', "publishes the site from the stack's outputs");
        assert.ok(gate < up, "the offline gate runs before anything touches AWS");
        assert.ok(gate < drill && drill < up, "the drill runs next to the gate, before anything touches AWS");
        assert.equal(smokes.length, 2);
        // The smoke command reads the stack itself: its outputs, the machine client, the site.
        assert.deepEqual(
            smokes.map((i) => steps[i].run),
            ['npm run smoke -- --stack "$STACK" --json', 'npm run smoke -- --stack "$STACK" --json'],
        );
        assert.ok(up < publish && publish < smokes[0], "the site is published after pulumi up and before the first smoke, which looks for the landing page");
        assert.ok(smokes[0] < release && release < smokes[1], "smoke, release, smoke");
    });
});

describe("tools/ops/release.sh usage", () => {
    const run = (args: string[]) =>
        spawnSync("bash", [path.join(REPO, "tools", "ops", "release.sh"), ...args], { encoding: "utf8", env: { ...process.env, PATH: "/usr/bin:/bin" } });

    it("answers --help with its usage on stdout and exit 0, before looking for any tool", () => {
        const r = run(["--help"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^usage: tools\/ops\/release\.sh <stack>/);
        assert.match(r.stdout, /RELEASE_POLL_SECONDS.*default: 15/);
        assert.equal(r.stderr, "");
    });

    it("refuses a flag, or no stack or two, in one line on stderr with exit 2, never taking a flag for a stack", () => {
        for (const [args, error] of [
            [["--stack", "acme/platform/prod"], /^release\.sh: unknown flag --stack; allowed: --help, or one stack name\./],
            [[], /^release\.sh: expected one stack name, got 0\./],
            [["a/b/c", "d/e/f"], /^release\.sh: expected one stack name, got 2\./],
        ] as const) {
            const r = run([...args]);
            assert.equal(r.status, 2, args.join(" "));
            assert.match(r.stderr, error);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
            assert.equal(r.stdout, "");
        }
    });
});

describe("tools/ops/release.sh", function () {
    this.timeout(30_000);
    const SCRIPT = path.join(REPO, "tools", "ops", "release.sh");
    let bin: string;
    let calls: string;
    let state: string;

    before(function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            console.log("      skipped: release.sh needs jq, which is not installed here");
            this.skip();
        }
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
        calls = path.join(bin, "calls.log");
        state = path.join(bin, "state");
        // Stand-ins for the Pulumi and AWS CLIs: two functions, one already released. The AWS one plays a
        // deployment through the statuses in DEPLOYMENT_STATUSES, one per poll, and a rollback deployment.
        const releases = JSON.stringify({
            api: { application: "platform-prod-functions", deploymentGroup: "platform-prod-api", functionName: "api-fn", alias: "live", targetVersion: "7" },
            worker: {
                application: "platform-prod-functions",
                deploymentGroup: "platform-prod-worker",
                functionName: "worker-fn",
                alias: "live",
                targetVersion: "3",
            },
        });
        const hooks = JSON.stringify({ beforeAllowTraffic: "platform-prod-release-pre-traffic", afterAllowTraffic: "platform-prod-release-post-traffic" });
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            [
                "#!/bin/sh",
                `echo "pulumi $*" >> ${calls}`,
                'case "$*" in',
                `  *releaseHooks*) if [ -n "$NO_HOOKS" ]; then echo "error: current stack does not have output property 'releaseHooks'" >&2; exit 255; fi; echo '${hooks}' ;;`,
                `  *) echo '${releases}' ;;`,
                "esac",
            ].join("\n"),
            { mode: 0o755 },
        );
        fs.writeFileSync(
            path.join(bin, "aws"),
            [
                "#!/bin/bash",
                `echo "aws $*" >> ${calls}`,
                'next() { n=$(cat "$STATE.$1" 2>/dev/null || echo 0); echo $((n + 1)) > "$STATE.$1"; echo "$n"; }',
                'case "$1 $2" in',
                '  "lambda get-alias") case "$*" in *api-fn*) if [ "$(next alias)" -ge 1 ] && [ -n "$ALIAS_AFTER" ]; then echo "$ALIAS_AFTER"; else echo 6; fi ;; *) echo 3 ;; esac ;;',
                '  "deploy create-deployment") echo d-123 ;;',
                '  "deploy get-deployment")',
                '    case "$*" in',
                "      *d-rollback*) echo Succeeded ;;",
                '      *rollbackDeploymentId*) echo "${ROLLBACK_ID:-None}" ;;',
                '      *errorInformation*) echo \'["Stopped", {"code": "ALARM_ACTIVE", "message": "One or more alarms have been activated: api-version-failure-rate"}]\' ;;',
                '      *) IFS=, read -ra s <<< "${DEPLOYMENT_STATUSES:-Succeeded}"; i=$(next status); echo "${s[$(( i < ${#s[@]} ? i : ${#s[@]} - 1 ))]}" ;;',
                "    esac ;;",
                "esac",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => bin && fs.rmSync(bin, { recursive: true, force: true }));

    const release = (env: Record<string, string> = {}) => {
        for (const f of [calls, `${state}.alias`, `${state}.status`]) fs.rmSync(f, { force: true });
        const r = spawnSync(SCRIPT, ["acme/platform/prod"], {
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, STATE: state, RELEASE_POLL_SECONDS: "0", ...env },
        });
        return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString(), calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "" };
    };
    const appSpecOf = (line: string) => {
        const revision = JSON.parse(/--revision (\{.*\}) --description/.exec(line)?.[1] ?? "null") as { appSpecContent: { content: string } };
        return JSON.parse(revision.appSpecContent.content) as {
            Resources: Array<Record<string, { Properties: Record<string, string> }>>;
            Hooks: Array<Record<string, string>>;
        };
    };

    it("deploys only functions whose live alias is behind, from the version it serves to the newest, with the stack's two hooks", () => {
        const r = release();
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^api: 6 -> 7 in deployment d-123$/m);
        assert.match(r.out, /^api: released version 7$/m);
        assert.match(r.out, /^worker: live already on version 3$/m);
        const created = r.calls.split("\n").filter((l) => l.startsWith("aws deploy create-deployment"));
        assert.equal(created.length, 1);
        assert.match(created[0], /--deployment-group-name platform-prod-api /);
        const spec = appSpecOf(created[0]);
        assert.deepEqual(spec.Resources[0].fn.Properties, { Name: "api-fn", Alias: "live", CurrentVersion: "6", TargetVersion: "7" });
        assert.deepEqual(spec.Hooks, [
            { BeforeAllowTraffic: "platform-prod-release-pre-traffic" },
            { AfterAllowTraffic: "platform-prod-release-post-traffic" },
        ]);
    });

    it("polls a long deployment until it ends instead of giving up", () => {
        const r = release({ DEPLOYMENT_STATUSES: "Created,InProgress,InProgress,Baking,Succeeded" });
        assert.equal(r.code, 0, r.err);
        assert.equal(r.calls.split("\n").filter((l) => /get-deployment --deployment-id d-123 --query deploymentInfo.status/.test(l)).length, 5);
    });

    it("through a rollback: waits for CodeDeploy's rollback deployment, says why it stopped and confirms live is back", () => {
        const r = release({ DEPLOYMENT_STATUSES: "InProgress,InProgress,Stopped", ROLLBACK_ID: "d-rollback" });
        assert.equal(r.code, 1);
        assert.match(r.err, /"code": "ALARM_ACTIVE"/);
        assert.match(r.err, /One or more alarms have been activated: api-version-failure-rate/);
        assert.match(r.err, /^api: deployment d-123 Stopped; waiting for rollback deployment d-rollback$/m);
        assert.match(r.err, /^api: rollback deployment d-rollback Succeeded$/m);
        assert.match(r.err, /^api: deployment d-123 Stopped; live is back on version 6$/m);
        assert.doesNotMatch(r.out, /worker: live already/, "a failed release stops the loop with the others untouched");
    });

    it("says so, and exits 1, when live does not serve the old version after a failed release", () => {
        const r = release({ DEPLOYMENT_STATUSES: "Failed", ALIAS_AFTER: "7" });
        assert.equal(r.code, 1);
        assert.match(r.err, /^api: deployment d-123 Failed and live serves version 7, not 6: roll back by hand \(docs\/runbooks\/release-and-rollback.md\)$/m);
    });

    it("refuses a stack that publishes no hooks, before it deploys anything", () => {
        const r = release({ NO_HOOKS: "1" });
        assert.equal(r.code, 2);
        assert.match(r.err, /stack acme\/platform\/prod has no releaseHooks output \(contract 1\.2 or later\)/);
        assert.doesNotMatch(r.calls, /create-deployment/);
    });

    it("is valid bash", () => {
        execFileSync("bash", ["-n", SCRIPT]);
    });
});
