/**
 * Every step of each pipeline, run in order from a clean clone: each command of bitbucket-pipelines.yml
 * (a step's script in bash with -e, as Bitbucket stops at the first failing command, then its
 * after-script with BITBUCKET_EXIT_CODE) and each `sh` step of the Jenkinsfile (in `sh -e`, as
 * Jenkins runs them, stage by stage in one workspace, then `post`).
 *
 * What is stood in, and why (test/ci/helpers/stand-ins.ts): `npm` (the real `npm ci` and `npm test`
 * take minutes, and the project's own specs are npm test; the stand-in checks each script exists in
 * package.json and writes the JUnit report where the command says, so the report paths are checked);
 * `pulumi` and `aws` (no cloud here; the same stand-ins as the release specs, with CodeDeploy moving
 * the alias); `apt-get` (nothing is installed for real). Run for real: every tools/ops script (the
 * policy gate, pulumi preview/up with the pack and config, the release with its smoke checks and the
 * rollback when they fail, the failure notification, the tool installer), with Jenkins' credentials
 * given only inside withCredentials and Bitbucket's only to deployment steps, so a step that reaches
 * the cloud without them fails here as it would there.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "../preview/helpers";
import { readBitbucket, readJenkinsfile, stagesOf, type BitbucketStep, type Jenkinsfile, type ShStep } from "./helpers/pipelines";
import { cleanClone, standIns, type StandIns } from "./helpers/stand-ins";

const ALERT_TOPIC = "arn:aws:sns:eu-west-1:123456789012:platform-prod-warning";
const ENVIRONMENTS = ["dev", "staging", "prod"];
// What tools/ops/policy-gate.sh runs and keeps: `npm run gate` once package.json has it, else a preview per stack and mode.
const HAS_GATE = "gate" in (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const GATE_CALLS = HAS_GATE
    ? ["npm run -s gate -- --stack dev,staging,prod --mode create,update --json --junit test-results/policy-gate/junit.xml"]
    : ENVIRONMENTS.flatMap((s) => ["create", "update"].map((m) => `npm run -s preview -- --stack ${s} --mode ${m} --json`));
const GATE_REPORTS = HAS_GATE ? ["policy-gate.json"] : ENVIRONMENTS.flatMap((s) => [`${s}-create.json`, `${s}-update.json`]).sort();

interface StepRun {
    name: string;
    code: number | null;
    out: string;
    err: string;
    after?: { code: number | null; out: string; err: string };
}

describe("the pipelines, every step in order from a clean clone", function () {
    this.timeout(120_000);
    let stand: StandIns;
    const clones: string[] = [];
    const clone = () => {
        const dir = cleanClone(REPO);
        clones.push(dir);
        return dir;
    };
    before(function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            console.log("      skipped: the tools/ops scripts need jq, which is not installed here");
            this.skip();
        }
        stand = standIns();
    });
    after(() => {
        stand?.remove();
        for (const dir of clones) fs.rmSync(dir, { recursive: true, force: true });
    });
    const npmCalls = () => stand.calls().filter((c) => c.startsWith("npm "));

    describe("bitbucket-pipelines.yml", () => {
        const { pipelines } = readBitbucket(REPO).pipelines;
        beforeEach(() => stand.reset());
        // Repository variables, then a deployment environment's own (secured) variables and the step's OIDC token.
        const REPOSITORY = {
            PULUMI_ORG: "acme",
            ALERT_TARGET: ALERT_TOPIC,
            BITBUCKET_BUILD_NUMBER: "42",
            BITBUCKET_GIT_HTTP_ORIGIN: "http://bitbucket.org/acme/platform",
        };
        const stepEnv = (dir: string, step: BitbucketStep): NodeJS.ProcessEnv => ({
            ...stand.env,
            PULUMI_LOGGED_OUT: "1",
            BITBUCKET_CLONE_DIR: dir,
            ...REPOSITORY,
            ...(step.deployment
                ? {
                      BITBUCKET_DEPLOYMENT_ENVIRONMENT: step.deployment,
                      AWS_ROLE_ARN: `arn:aws:iam::123456789012:role/platform-${step.deployment}-deploy`,
                      PULUMI_ACCESS_TOKEN: "pul-stand-in",
                  }
                : {}),
            ...(step.oidc ? { BITBUCKET_STEP_OIDC_TOKEN: `oidc-token-${step.deployment ?? "step"}` } : {}),
        });
        const runStep = (step: BitbucketStep, env: NodeJS.ProcessEnv = {}): StepRun & { dir: string } => {
            const dir = clone();
            const e = { ...stepEnv(dir, step), ...env };
            const r = spawnSync("bash", ["-e", "-c", step.script.join("\n")], { cwd: dir, env: e, encoding: "utf8" });
            const after = step["after-script"]
                ? spawnSync("bash", ["-c", step["after-script"].join("\n")], {
                      cwd: dir,
                      env: { ...e, BITBUCKET_EXIT_CODE: String(r.status) },
                      encoding: "utf8",
                  })
                : undefined;
            return {
                dir,
                name: step.name ?? "",
                code: r.status,
                out: r.stdout,
                err: r.stderr,
                ...(after ? { after: { code: after.status, out: after.stdout, err: after.stderr } } : {}),
            };
        };
        const artifactsOf = (s: BitbucketStep) => (Array.isArray(s.artifacts) ? s.artifacts : (s.artifacts?.paths ?? []));
        const produced = (dir: string, pattern: string) => {
            const base = pattern.replace(/\/\*\*$/, "");
            return fs.existsSync(path.join(dir, base)) ? fs.readdirSync(path.join(dir, base), { recursive: true }).map(String) : [];
        };

        it("a pull request: the tests and the gate pass with no cloud credentials, leaving their reports where the step keeps them", () => {
            const [stage] = stagesOf(pipelines["pull-requests"]!["**"]!);
            const [test, gate] = stage!.map((s) => ({ step: s, run: runStep(s) }));
            for (const { step, run } of [test!, gate!]) {
                assert.equal(run.code, 0, `${run.name}: ${run.err}`);
                for (const pattern of artifactsOf(step)) assert.ok(produced(run.dir, pattern).length > 0, `${run.name} produced ${pattern}`);
            }
            assert.ok(fs.existsSync(path.join(test!.run.dir, "test-results", "mocha", "results.xml")), "the JUnit report, where Bitbucket reads it");
            assert.deepEqual(produced(gate!.run.dir, "reports/**").sort(), GATE_REPORTS);
            assert.deepEqual(npmCalls(), [
                "npm ci --no-audit --no-fund",
                "npm test -- --reporter xunit --reporter-option output=test-results/mocha/results.xml",
                "npm ci --no-audit --no-fund",
                ...GATE_CALLS,
                ...ENVIRONMENTS.map((s) => `npm run -s drill -- --stack ${s} --all`),
            ]);
            assert.deepEqual(
                stand.calls().filter((c) => !c.startsWith("npm ")),
                [],
                "nothing reached pulumi, AWS or apt-get",
            );
        });

        it("main: tests and gates as a pull request does, then deploys dev, staging and prod, each as its environment's role through OIDC", () => {
            const [checks, ...stages] = stagesOf(pipelines.branches!.main!);
            assert.deepEqual(checks, stagesOf(pipelines["pull-requests"]!["**"]!)[0], "the pull request's steps, run above");
            for (const [i, steps] of stages.entries())
                for (const step of steps) {
                    const run = runStep(step, { STAND_IN_API_ONLY: "1" });
                    assert.equal(run.code, 0, `stage ${i}, ${run.name}: ${run.err}`);
                    assert.equal(run.after?.code ?? 0, 0, `${run.name}'s after-script: ${run.after?.err}`);
                    assert.ok(!/notify|sns/.test(run.after?.out ?? ""), "no failure reported");
                    // What the release recorded, and the smoke checks after it, kept as the step's artifacts.
                    const reports = (f: string) =>
                        JSON.parse(fs.readFileSync(path.join(run.dir, "reports", `${f}-${step.deployment!}.json`), "utf8")) as unknown;
                    assert.deepEqual(reports("live-before"), { api: "6" });
                    assert.equal((reports("smoke-after-release") as { failed: number }).failed, 0);
                    assert.match(run.out, new RegExp(`^released acme/platform/${step.deployment!} and its smoke checks passed$`, "m"));
                }
            const calls = stand.calls();
            for (const env of ENVIRONMENTS) {
                assert.ok(
                    calls.includes(
                        `pulumi up --yes --non-interactive --stack acme/platform/${env} --policy-pack policies --policy-pack-config policies/config/${env}.json`,
                    ),
                    env,
                );
                assert.equal(calls.filter((c) => c === `npm run smoke -- --stack acme/platform/${env} --json`).length, 1, `${env}: smoke before the release`);
                assert.equal(calls.filter((c) => c === `npm run -s smoke -- --stack acme/platform/${env} --json`).length, 1, `${env}: smoke after it`);
                assert.equal(stand.live(`${env}-api-fn`), "7", `${env}: released`);
            }
            const up = (env: string) =>
                calls.indexOf(
                    `pulumi up --yes --non-interactive --stack acme/platform/${env} --policy-pack policies --policy-pack-config policies/config/${env}.json`,
                );
            assert.ok(up("dev") < up("staging") && up("staging") < up("prod"), "dev, then staging, then prod");
            const credentials = stand.awsCredentials();
            assert.ok(credentials.length >= 3 * 4);
            for (const env of ENVIRONMENTS)
                assert.ok(
                    credentials.includes(`role=arn:aws:iam::123456789012:role/platform-${env}-deploy token=oidc-token-${env} key= region=eu-west-1`),
                    `${env}'s AWS calls sign as its role with its step's token: ${credentials.join("\n")}`,
                );
            assert.ok(
                credentials.every((c) => /^role=\S+ token=oidc-token-\w+ key= region=eu-west-1$/.test(c)),
                "no AWS call without the role and token",
            );
        });

        it("a deploy whose smoke checks fail after the release rolls it back, fails the step and reports it", () => {
            const prod = stagesOf(pipelines.branches!.main!).find(([s]) => s?.deployment === "prod")![0]!;
            const run = runStep(prod, { SMOKE_FAILS: "acme/platform/prod#2" });
            assert.equal(run.code, 1);
            assert.match(run.err, /the smoke checks of acme\/platform\/prod failed after the release \(exit 1\): rolling every function back/);
            assert.equal(stand.live("prod-api-fn"), "6", "live is back on the version it served");
            // The release, then the rollback: all at once, from what live serves to what it served before, no hooks.
            const [release, rollback, ...more] = stand.calls().filter((c) => c.startsWith("aws deploy create-deployment"));
            assert.ok(release && rollback && more.length === 0, stand.calls().join("\n"));
            assert.match(rollback, /--deployment-group-name platform-prod-api --deployment-config-name CodeDeployDefault\.LambdaAllAtOnce /);
            assert.match(rollback, /\\"CurrentVersion\\":\\"7\\",\\"TargetVersion\\":\\"6\\"/);
            assert.doesNotMatch(rollback, /Hooks/, "a rollback runs no lifecycle hooks");
            assert.match(run.out, /^api: live is back on version 6$/m);
            assert.match(run.out, /^worker: live already on version 3$/m);
            assert.equal(run.after?.code, 0, run.after?.err);
            const publish = stand.calls().filter((c) => c.startsWith("aws sns publish"));
            assert.deepEqual(publish, [
                `aws sns publish --topic-arn ${ALERT_TOPIC} --subject Bitbucket: deploy of prod failed --message http://bitbucket.org/acme/platform/pipelines/results/42 --message-attributes {"severity":{"DataType":"String","StringValue":"warning"}} --query MessageId --output text`,
            ]);
            assert.match(
                stand.awsCredentials().at(-1)!,
                /^role=arn:aws:iam::123456789012:role\/platform-prod-deploy token=oidc-token-prod /,
                "the after-script signs as the role too",
            );
        });

        it("a deploy step fails before pulumi up without its environment's credentials", () => {
            const dev = stagesOf(pipelines.branches!.main!).find(([s]) => s?.deployment === "dev")![0]!;
            const run = runStep(dev, { PULUMI_ACCESS_TOKEN: "" });
            assert.equal(run.code, 2);
            assert.match(run.err, /no Pulumi backend/);
            assert.ok(!stand.calls().some((c) => c.startsWith("pulumi up")));
        });
    });

    describe("Jenkinsfile", () => {
        const jenkinsfile: Jenkinsfile = readJenkinsfile(REPO);
        // The two cases are one build: no reset between them.
        before(() => stand.reset());
        const JENKINS = {
            CI: "true",
            AWS_REGION: "eu-west-1",
            AWS_DEFAULT_REGION: "eu-west-1",
            STACK: "prod",
            DRY_RUN: "false",
            BRANCH_NAME: "main",
            PULUMI_ORG: "acme",
            JOB_NAME: "platform/main",
            BUILD_NUMBER: "7",
            BUILD_URL: "https://jenkins.example.com/job/platform/job/main/7/",
            PULUMI_LOGGED_OUT: "1",
            // The api alone: what the worker adds, the release specs show.
            STAND_IN_API_ONLY: "1",
        };
        // What each withCredentials binds, as the Credentials Binding and AWS Credentials plugins do.
        const bound = (within: string[]): NodeJS.ProcessEnv => {
            const head = within.find((h) => h.startsWith("withCredentials("));
            if (!head) return {};
            const stack = /stackCredentials\('(\w+)'\)/.exec(head)?.[1];
            return {
                AWS_ACCESS_KEY_ID: `AKIA${(stack ?? "prod").toUpperCase()}`,
                AWS_SECRET_ACCESS_KEY: "stand-in",
                ...(stack ? { PULUMI_ACCESS_TOKEN: "pul-stand-in" } : {}),
                ...(head.includes("'ALERT_TARGET'") ? { ALERT_TARGET: ALERT_TOPIC } : {}),
            };
        };
        const sh = (dir: string, step: ShStep, env: NodeJS.ProcessEnv = {}) =>
            spawnSync("sh", ["-e", "-c", step.command], { cwd: dir, env: { ...stand.env, ...JENKINS, ...env, ...bound(step.within) }, encoding: "utf8" });
        // One workspace for the whole build, as Jenkins keeps one per job and branch.
        let workspace: string | undefined;
        const build = () => {
            const dir = clone();
            const ran: StepRun[] = [];
            let failed: string | undefined;
            for (const step of jenkinsfile.sh.filter((s) => s.stage !== "post")) {
                const r = sh(dir, step);
                ran.push({ name: step.stage, code: r.status, out: r.stdout, err: r.stderr });
                if (r.status !== 0) {
                    failed = step.stage;
                    break;
                }
            }
            return { dir, ran, failed };
        };

        it("a build of main runs every stage's steps in order, keeping the test report and the gate's reports", () => {
            const b = build();
            assert.equal(b.failed, undefined, b.ran.at(-1)?.err);
            workspace = b.dir;
            assert.deepEqual(
                [...new Set(b.ran.map((r) => r.name))],
                jenkinsfile.stages.filter((s) => s.leaf && !s.name.startsWith("approve")).map((s) => s.name),
            );
            assert.ok(fs.existsSync(path.join(b.dir, "test-results", "mocha", "results.xml")), "junit 'test-results/mocha/*.xml' finds the report");
            assert.deepEqual(
                fs
                    .readdirSync(path.join(b.dir, "reports"))
                    .filter((f) => !/^(live-before|smoke-after-release)-/.test(f))
                    .sort(),
                GATE_REPORTS,
            );
            const calls = stand.calls();
            for (const env of ENVIRONMENTS) {
                const preview = calls.indexOf(
                    `pulumi preview --non-interactive --stack acme/platform/${env} --policy-pack policies --policy-pack-config policies/config/${env}.json`,
                );
                const up = calls.indexOf(
                    `pulumi up --yes --non-interactive --stack acme/platform/${env} --policy-pack policies --policy-pack-config policies/config/${env}.json`,
                );
                assert.ok(preview >= 0 && preview < up, `${env}: previewed, then deployed`);
                assert.equal(stand.live(`${env}-api-fn`), "7");
            }
            assert.ok(
                stand.awsCredentials().every((c) => /^role= token= key=AKIA(DEV|STAGING|PROD) region=eu-west-1$/.test(c)),
                "every AWS call has a stack's keys",
            );
            assert.ok(!calls.some((c) => c.startsWith("aws sns")), "no failure reported");
        });

        it("a failing smoke check after prod's release rolls the release back, fails the build there and reports it", () => {
            // The build above, again from prod's release: prod's api back on 6, its next smoke check (the 3rd) failing.
            assert.ok(workspace, "the build above ran");
            stand.setLive("prod-api-fn", "6");
            const release = jenkinsfile.sh.filter((s) => s.stage === "prod: release");
            assert.equal(release.length, 1);
            const r = sh(workspace, release[0]!, { SMOKE_FAILS: "acme/platform/prod#3" });
            assert.equal(r.status, 1, "the build fails there");
            assert.match(r.stderr, /the smoke checks of acme\/platform\/prod failed after the release \(exit 1\): rolling every function back/);
            assert.equal(stand.live("prod-api-fn"), "6", "live is back on the version it served");
            assert.deepEqual(
                ["dev", "staging"].map((e) => stand.live(`${e}-api-fn`)),
                ["7", "7"],
                "the other stacks keep their release",
            );
            const post = jenkinsfile.sh.filter((s) => s.within.includes("failure"));
            assert.equal(post.length, 1);
            const notify = sh(workspace, post[0]!);
            assert.equal(notify.status, 0, notify.stderr);
            assert.deepEqual(
                stand.calls().filter((c) => c.startsWith("aws sns publish")),
                [
                    `aws sns publish --topic-arn ${ALERT_TOPIC} --subject Jenkins: platform/main #7 failed --message https://jenkins.example.com/job/platform/job/main/7/ (STACK=prod) --message-attributes {"severity":{"DataType":"String","StringValue":"warning"}} --query MessageId --output text`,
                ],
            );
        });
    });
});
