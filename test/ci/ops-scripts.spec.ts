/**
 * The tools/ops scripts the Jenkins and Bitbucket pipelines call, run for real in a clean clone against
 * the stand-in npm, pulumi and aws commands (test/ci/helpers/stand-ins.ts): the policy gate through
 * `npm run gate`, pulumi preview/up with the pack and the stack's config, the
 * release's rollback when CodeDeploy stops it and when a rollback fails (the release and its rollback
 * after failing smoke checks run in pipelines-run.spec.ts), the failure notification to a
 * topic and to a chat webhook on loopback (real curl), and the tool installer. Each script's bad usage
 * is one line on stderr and exit 2.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../preview/helpers";
import { cleanClone, standIns, type StandIns } from "./helpers/stand-ins";

const SCRIPTS = ["policy-gate.sh", "pulumi-stack.sh", "release-and-verify.sh", "rollback.sh", "notify-failure.sh", "ci-tools.sh"];

interface Run {
    code: number | null;
    out: string;
    err: string;
}

describe("tools/ops scripts of the pipelines", function () {
    this.timeout(60_000);
    let stand: StandIns;
    let clone: string;
    before(function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            console.log("      skipped: the ops scripts need jq, which is not installed here");
            this.skip();
        }
        stand = standIns();
        clone = cleanClone(REPO);
    });
    after(() => {
        stand?.remove();
        if (clone) fs.rmSync(clone, { recursive: true, force: true });
    });
    beforeEach(() => {
        stand.reset();
        fs.rmSync(path.join(clone, "reports"), { recursive: true, force: true });
    });

    const run = (script: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Run => {
        const r = spawnSync(path.join(clone, "tools", "ops", script), args, {
            cwd: clone,
            encoding: "utf8",
            env: { ...stand.env, PULUMI_ACCESS_TOKEN: "pul-stand-in", ...env },
            ...(input !== undefined ? { input } : {}),
        });
        return { code: r.status, out: r.stdout, err: r.stderr };
    };

    describe("usage", () => {
        it("every script answers --help on stdout with exit 0, and is valid bash", () => {
            for (const script of SCRIPTS) {
                const r = run(script, ["--help"]);
                assert.equal(r.code, 0, `${script}: ${r.err}`);
                assert.match(r.out, new RegExp(`^usage: (ALERT_TARGET=<target> )?tools/ops/${script.replace(".", "\\.")}`), script);
                assert.match(r.out, /Exit code: 0 /, script);
                assert.equal(spawnSync("bash", ["-n", path.join(REPO, "tools", "ops", script)]).status, 0, script);
            }
        });

        it("refuses bad arguments in one line naming what is allowed, with exit 2 and nothing run", () => {
            const cases: Array<[string, string[], RegExp]> = [
                ["policy-gate.sh", ["--stacks", "dev"], /unknown argument --stacks; allowed: --stack LIST, --mode LIST, --help/],
                ["policy-gate.sh", ["--stack"], /--stack needs a comma-separated list/],
                ["policy-gate.sh", ["--stack", "--mode"], /--stack needs a comma-separated list/],
                ["policy-gate.sh", ["--stack", "dev,qa"], /--stack qa: no Pulumi\.qa\.yaml here/],
                ["policy-gate.sh", ["--mode", "create,delete"], /--mode delete is not one of create, update/],
                ["pulumi-stack.sh", ["destroy", "acme/platform/dev"], /expected preview or up first, got 'destroy'/],
                ["pulumi-stack.sh", ["up"], /expected preview\|up and one stack name/],
                ["pulumi-stack.sh", ["up", "--stack"], /expected preview\|up and one stack name/],
                [
                    "pulumi-stack.sh",
                    ["up", "acme/platform/qa"],
                    /no policy config policies\/config\/qa\.json; the stack name must end in one of: dev, (\S+, )?prod, (\S+, )?staging/,
                ],
                ["release-and-verify.sh", [], /expected one stack name, got 0/],
                ["release-and-verify.sh", ["--stack", "x"], /unknown flag --stack/],
                ["rollback.sh", ["acme/platform/dev"], /expected a stack name and a versions file, got 1 arguments/],
                ["notify-failure.sh", ["only a subject"], /expected a subject and a message, got 1 arguments/],
                ["ci-tools.sh", ["lint"], /expected test, gate or deploy, got 'lint'/],
                ["ci-tools.sh", ["test", "gate"], /expected one argument/],
            ];
            for (const [script, args, message] of cases) {
                const r = run(script, args);
                assert.equal(r.code, 2, `${script} ${args.join(" ")}: ${r.err}`);
                assert.match(r.err, message, `${script} ${args.join(" ")}`);
                assert.equal(r.err.trim().split("\n").length, 1, r.err);
            }
            assert.deepEqual(stand.calls(), [], "nothing ran");
        });
    });

    describe("policy-gate.sh", () => {
        it("runs `npm run gate`: its JSON report kept, its JUnit where the pipelines read it, its table in the log", () => {
            const r = run("policy-gate.sh", ["--stack", "dev,prod"]);
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(stand.calls(), ["npm run -s gate -- --stack dev,prod --mode create,update --json --junit test-results/policy-gate/junit.xml"]);
            assert.equal((JSON.parse(fs.readFileSync(path.join(clone, "reports", "policy-gate.json"), "utf8")) as { previews: unknown[] }).previews.length, 4);
            assert.ok(fs.existsSync(path.join(clone, "test-results", "policy-gate", "junit.xml")));
            assert.match(r.err, /gate: every preview passed/, "the gate's table stays in the log");
        });

        it("fails with the gate's exit code on a mandatory violation", () => {
            const r = run("policy-gate.sh", ["--mode", "update"], { PREVIEW_MANDATORY: "staging-update" });
            assert.equal(r.code, 1);
            assert.match(r.err, /gate: staging-update has a mandatory violation/);
            const report = JSON.parse(fs.readFileSync(path.join(clone, "reports", "policy-gate.json"), "utf8")) as { previews: { status: string }[] };
            assert.deepEqual(
                report.previews.map((p) => p.status),
                ["passed", "failed", "passed"],
            );
        });
    });

    describe("pulumi-stack.sh", () => {
        it("runs pulumi up, or preview, on the stack with the pack and the config of its environment", () => {
            assert.equal(run("pulumi-stack.sh", ["up", "acme/platform/staging"]).code, 0);
            assert.equal(run("pulumi-stack.sh", ["preview", "acme/platform/prod"]).code, 0);
            assert.deepEqual(stand.calls(), [
                "pulumi up --yes --non-interactive --stack acme/platform/staging --policy-pack policies --policy-pack-config policies/config/staging.json",
                "pulumi preview --non-interactive --stack acme/platform/prod --policy-pack policies --policy-pack-config policies/config/prod.json",
            ]);
        });

        it("refuses to start with no backend credentials, saying which to set", () => {
            const r = run("pulumi-stack.sh", ["up", "acme/platform/dev"], { PULUMI_ACCESS_TOKEN: "", PULUMI_LOGGED_OUT: "1" });
            assert.equal(r.code, 2);
            assert.match(r.err, /no Pulumi backend: set PULUMI_ACCESS_TOKEN \(the Pulumi Cloud\) or PULUMI_BACKEND_URL \(s3:\/\/<bucket>\)/);
            assert.deepEqual(stand.calls(), ["pulumi whoami --non-interactive"], "pulumi up never ran");
            assert.equal(
                run("pulumi-stack.sh", ["up", "acme/platform/dev"], { PULUMI_ACCESS_TOKEN: "", PULUMI_BACKEND_URL: "s3://state", PULUMI_LOGGED_OUT: "1" }).code,
                0,
            );
        });
    });

    describe("release-and-verify.sh and rollback.sh", () => {
        const STACK = "acme/platform/prod";
        const deployments = () => stand.calls().filter((c) => c.startsWith("aws deploy create-deployment"));

        it("when CodeDeploy stops the release, makes sure every function is back, and fails without smoke-checking", () => {
            const r = run("release-and-verify.sh", [STACK], { RELEASE_FAILS: "prod-api-fn" });
            assert.equal(r.code, 1);
            assert.match(r.err, /the release of acme\/platform\/prod failed: rolling every function back/);
            assert.match(r.out, /^api: live already on version 6$/m);
            assert.equal(deployments().length, 1, "CodeDeploy rolled back itself; nothing more to deploy");
            assert.ok(!stand.calls().some((c) => c.startsWith("npm run")), "no smoke check of a failed release");
        });

        it("rollback.sh says to roll back by hand, and exits 1, when a rollback deployment does not bring the version back", () => {
            // The alias served 7 first: a move to 6 is, to the stand-in, a release that an alarm stops.
            stand.setLive("prod-api-fn", "7", "7");
            fs.mkdirSync(path.join(clone, "reports"), { recursive: true });
            fs.writeFileSync(path.join(clone, "reports", "before.json"), '{"api": "6", "worker": "3"}');
            const r = run("rollback.sh", [STACK, "reports/before.json"], { RELEASE_FAILS: "prod-api-fn" });
            assert.equal(r.code, 1);
            assert.match(
                r.err,
                /^api: rollback deployment d-1 Stopped and live serves version 7, not 6: roll back by hand \(docs\/runbooks\/release-and-rollback\.md\)$/m,
            );
        });

        it("rollback.sh refuses a versions file that is not an object of version numbers", () => {
            fs.mkdirSync(path.join(clone, "reports"), { recursive: true });
            for (const bad of ['{"api": 6}', '["6"]', "not json", '{"api": "latest"}']) {
                fs.writeFileSync(path.join(clone, "reports", "bad.json"), bad);
                const r = run("rollback.sh", [STACK, "reports/bad.json"]);
                assert.equal(r.code, 2, bad);
                assert.match(r.err, /reports\/bad\.json is not a JSON object of function keys to version numbers/);
            }
            assert.deepEqual(stand.calls(), []);
        });
    });

    describe("notify-failure.sh", () => {
        it("publishes to an alert topic with a subject SNS accepts (one line, at most 100 characters)", () => {
            const topic = "arn:aws:sns:eu-west-1:123456789012:platform-prod-warning";
            const r = run("notify-failure.sh", [`Jenkins: ${"x".repeat(120)}\nfailed`, "see the build"], { ALERT_TARGET: topic });
            assert.equal(r.code, 0, r.err);
            const [call] = stand.calls();
            assert.ok(call?.startsWith(`aws sns publish --topic-arn ${topic} --subject Jenkins: ${"x".repeat(91)} --message see the build`), call);
        });

        it("posts {text} to a chat webhook, and fails with 1 when the webhook refuses it", async () => {
            const seen: string[] = [];
            let status = 200;
            const server = http.createServer((req, res) => {
                let body = "";
                req.on("data", (c: Buffer) => (body += c.toString()));
                req.on("end", () => {
                    seen.push(`${req.method} ${req.url} ${req.headers["content-type"]} ${body.trim()}`);
                    res.writeHead(status).end("ok");
                });
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/secret`;
                // Asynchronous: the stub answers from this process's event loop.
                const post = () =>
                    new Promise<Run>((resolve) => {
                        const child = spawn(path.join(clone, "tools", "ops", "notify-failure.sh"), ["Bitbucket: deploy of prod failed", "build 42"], {
                            cwd: clone,
                            env: { ...stand.env, ALERT_TARGET: url },
                        });
                        let out = "";
                        let err = "";
                        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
                        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
                        child.on("close", (code) => resolve({ code, out, err }));
                    });
                const ok = await post();
                assert.equal(ok.code, 0, ok.err);
                assert.deepEqual(seen, ['POST /hooks/secret application/json {"text":"Bitbucket: deploy of prod failed: build 42"}']);
                status = 400;
                const refused = await post();
                assert.equal(refused.code, 1);
                assert.match(refused.err, /the post to the chat webhook failed/);
                assert.doesNotMatch(refused.err, /secret/, "the webhook URL is not printed");
            } finally {
                server.close();
            }
        });

        it("refuses a missing or unusable ALERT_TARGET with exit 2", () => {
            for (const target of ["", "mailto:oncall@example.com", "http://chat.example.com/hook"]) {
                const r = run("notify-failure.sh", ["s", "m"], { ALERT_TARGET: target });
                assert.equal(r.code, 2, target);
                assert.match(r.err, target === "" ? /ALERT_TARGET is not set/ : /neither an SNS topic ARN .* nor an https:\/\/ webhook URL/);
            }
        });
    });

    describe("ci-tools.sh", () => {
        let bin: string;
        before(() => {
            // A PATH with the basics and a stand-in apt-get, without jq, the AWS CLI or the Pulumi CLI.
            bin = fs.mkdtempSync(path.join(os.tmpdir(), "ci-tools-"));
            for (const tool of ["id", "env", "dirname", "cat", "java", "chromium"]) {
                const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
                if (found) fs.symlinkSync(found, path.join(bin, tool));
            }
            fs.writeFileSync(path.join(bin, "apt-get"), `#!/bin/bash\necho "apt-get $*" >> "${bin}/apt.log"\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "sudo"), `#!/bin/bash\necho "sudo $1" >> "${bin}/apt.log"; "$@"\n`, { mode: 0o755 });
        });
        after(() => bin && fs.rmSync(bin, { recursive: true, force: true }));

        it("installs nothing where every tool is there", () => {
            const r = run("ci-tools.sh", ["deploy"]);
            assert.equal(r.code, 0, r.err);
            assert.equal(r.out, "");
        });

        it("installs what is missing from Debian's packages", () => {
            const r = spawnSync("/bin/bash", [path.join(REPO, "tools", "ops", "ci-tools.sh"), "gate"], { cwd: clone, encoding: "utf8", env: { PATH: bin } });
            assert.equal(r.status, 0, r.stderr);
            const apt = fs
                .readFileSync(path.join(bin, "apt.log"), "utf8")
                .split("\n")
                .filter((l) => l.startsWith("apt-get"));
            assert.deepEqual(apt, ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends jq"]);
        });
    });
});
