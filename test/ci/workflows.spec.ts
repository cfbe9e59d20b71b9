import { validateWorkflow } from "@action-validator/core";
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { REPO } from "../preview/helpers";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    uses?: string;
    with?: Record<string, string>;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, string[]> };
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

    it("ci runs the README's test command and gates every stack in both preview modes", () => {
        const { jobs } = workflow("ci.yml");
        assert.ok(jobs.test.steps?.some((s) => s.run === ".ci/run"), "the test job runs .ci/run");
        const matrix = jobs["policy-gate"].strategy?.matrix;
        assert.deepEqual([...(matrix?.stack ?? [])].sort(), STACKS, "one gate per stack file");
        assert.deepEqual(matrix?.mode, ["create", "update"]);
        assert.ok(
            jobs["policy-gate"].steps?.some((s) => s.run === "npm run preview -- --stack ${{ matrix.stack }} --mode ${{ matrix.mode }}"),
            "the gate fails on the preview's exit code",
        );
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

    it("a stage gates offline, deploys with its stack's policy config, smokes, releases, smokes again", () => {
        const job = workflow("deploy-stack.yml").jobs.deploy;
        assert.equal(job.environment, "${{ inputs.stack }}", "the environment holds the stack's role and reviewers");
        assert.equal(job.concurrency?.["cancel-in-progress"], false, "never cancel a running pulumi up");
        const steps = job.steps ?? [];
        const at = (find: (s: Step) => boolean, what: string) => {
            const i = steps.findIndex(find);
            assert.ok(i >= 0, `a step that ${what}`);
            return i;
        };
        const gate = at((s) => s.run === "npm run preview -- --stack ${{ inputs.stack }} --mode update", "runs the offline policy gate");
        const up = at((s) => s.uses?.startsWith("pulumi/actions@") === true && s.with?.command === "up", "runs pulumi up");
        assert.deepEqual(
            [steps[up].with?.policyPacks, steps[up].with?.policyPackConfigs],
            ["policies", "policies/config/${{ inputs.stack }}.json"],
        );
        const smokes = steps.flatMap((s, i) => (s.run?.startsWith("npm run smoke") ? [i] : []));
        const release = at((s) => s.run === 'tools/ops/release.sh "$STACK"', "releases through CodeDeploy");
        assert.ok(gate < up, "the offline gate runs before anything touches AWS");
        assert.equal(smokes.length, 2);
        assert.ok(up < smokes[0] && smokes[0] < release && release < smokes[1], "smoke, release, smoke");
    });
});

describe("tools/ops/release.sh", function () {
    this.timeout(30_000);
    const SCRIPT = path.join(REPO, "tools", "ops", "release.sh");
    let bin: string;
    let calls: string;

    before(function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            console.log("      skipped: release.sh needs jq, which is not installed here");
            this.skip();
        }
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
        calls = path.join(bin, "calls.log");
        // Stand-ins for the Pulumi and AWS CLIs: two functions, one already released.
        const releases = JSON.stringify({
            api: { application: "platform-prod-functions", deploymentGroup: "platform-prod-api", functionName: "api-fn", alias: "live", targetVersion: "7" },
            worker: { application: "platform-prod-functions", deploymentGroup: "platform-prod-worker", functionName: "worker-fn", alias: "live", targetVersion: "3" },
        });
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${calls}\necho '${releases}'\n`, { mode: 0o755 });
        fs.writeFileSync(
            path.join(bin, "aws"),
            [
                "#!/bin/sh",
                `echo "aws $*" >> ${calls}`,
                'case "$1 $2" in',
                '  "lambda get-alias") case "$*" in *api-fn*) echo 6 ;; *) echo 3 ;; esac ;;',
                '  "deploy create-deployment") echo d-123 ;;',
                '  "deploy get-deployment") echo "${DEPLOYMENT_STATUS:-Succeeded}" ;;',
                "esac",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => bin && fs.rmSync(bin, { recursive: true, force: true }));

    const release = (env: Record<string, string> = {}) => {
        fs.rmSync(calls, { force: true });
        const r = spawnSync(SCRIPT, ["acme/platform/prod"], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
        return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString(), calls: fs.readFileSync(calls, "utf8") };
    };

    it("refuses to run without a stack, with its usage", () => {
        const r = spawnSync(SCRIPT, []);
        assert.equal(r.status, 2);
        assert.match(r.stderr.toString(), /^usage: tools\/ops\/release\.sh <stack>/);
    });

    it("deploys only functions whose live alias is behind, from the version it serves to the newest", () => {
        const r = release();
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^api: 6 -> 7 in deployment d-123$/m);
        assert.match(r.out, /^worker: live already on version 3$/m);
        const created = r.calls.split("\n").filter((l) => l.startsWith("aws deploy create-deployment"));
        assert.equal(created.length, 1);
        assert.match(created[0], /--deployment-group-name platform-prod-api /);
        assert.match(created[0], /\\"CurrentVersion\\":\\"6\\",\\"TargetVersion\\":\\"7\\"/);
    });

    it("stops with exit 1 when CodeDeploy reports the deployment failed", () => {
        const r = release({ DEPLOYMENT_STATUS: "Failed" });
        assert.equal(r.code, 1);
        assert.match(r.err, /api: deployment d-123 Failed; CodeDeploy moved live back to 6/);
    });

    it("is valid bash", () => {
        execFileSync("bash", ["-n", SCRIPT]);
    });
});
