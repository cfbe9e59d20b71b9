/**
 * bitbucket-pipelines.yml against the structure Bitbucket documents for it (the properties of the
 * root, of pipelines, steps, parallel groups, caches, deployments, triggers, artifacts and OIDC, as a
 * JSON schema written from Bitbucket's "bitbucket-pipelines.yml" reference), and the order of its
 * steps, as test/ci/workflows.spec.ts checks the GitHub workflows.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { REPO } from "../preview/helpers";
import { commandOf, readBitbucket, stagesOf, type BitbucketStep } from "./helpers/pipelines";

const STACKS = fs
    .readdirSync(REPO)
    .map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && !s.startsWith("integration"))
    .sort();

const commands = { type: "array", minItems: 1, items: { type: "string", minLength: 1 } };
const step = {
    type: "object",
    additionalProperties: false,
    required: ["script"],
    properties: {
        name: { type: "string" },
        image: { type: "string" },
        size: { enum: ["1x", "2x", "4x", "8x", "16x"] },
        "max-time": { type: "integer", minimum: 1, maximum: 720 },
        caches: { type: "array", items: { type: "string" } },
        services: { type: "array", items: { type: "string" } },
        script: commands,
        "after-script": commands,
        artifacts: {
            oneOf: [
                { type: "array", items: { type: "string" } },
                {
                    type: "object",
                    additionalProperties: false,
                    required: ["paths"],
                    properties: { download: { type: "boolean" }, paths: { type: "array", items: { type: "string" } } },
                },
            ],
        },
        deployment: { type: "string", minLength: 1 },
        trigger: { enum: ["automatic", "manual"] },
        oidc: { type: "boolean" },
        "runs-on": { type: "array", items: { type: "string" } },
        "fail-fast": { type: "boolean" },
        condition: { type: "object" },
        clone: { type: "object" },
    },
};
const items = {
    type: "array",
    minItems: 1,
    items: {
        oneOf: [
            { type: "object", additionalProperties: false, required: ["step"], properties: { step } },
            {
                type: "object",
                additionalProperties: false,
                required: ["parallel"],
                properties: {
                    parallel: { type: "array", minItems: 2, items: { type: "object", additionalProperties: false, required: ["step"], properties: { step } } },
                },
            },
        ],
    },
};
const byPattern = { type: "object", minProperties: 1, additionalProperties: items };
const SCHEMA = {
    type: "object",
    additionalProperties: false,
    required: ["pipelines"],
    properties: {
        image: { type: "string" },
        clone: { type: "object" },
        options: { type: "object" },
        definitions: {
            type: "object",
            additionalProperties: false,
            properties: {
                caches: {
                    type: "object",
                    additionalProperties: {
                        oneOf: [
                            { type: "string" },
                            {
                                type: "object",
                                additionalProperties: false,
                                required: ["path"],
                                properties: {
                                    path: { type: "string" },
                                    key: {
                                        type: "object",
                                        additionalProperties: false,
                                        required: ["files"],
                                        properties: { files: { type: "array", minItems: 1, items: { type: "string" } } },
                                    },
                                },
                            },
                        ],
                    },
                },
                services: { type: "object" },
                // Anchors only: Bitbucket reads the steps where they are used.
                steps: { type: "array" },
            },
        },
        pipelines: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            properties: { default: items, branches: byPattern, "pull-requests": byPattern, tags: byPattern, bookmarks: byPattern, custom: byPattern },
        },
    },
};

const { text, pipelines: file } = readBitbucket(REPO);
const pullRequests = file.pipelines["pull-requests"]?.["**"] ?? [];
const main = file.pipelines.branches?.main ?? [];
const artifactsOf = (s: BitbucketStep) => (Array.isArray(s.artifacts) ? s.artifacts : (s.artifacts?.paths ?? []));
const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

describe("bitbucket-pipelines.yml", () => {
    it("has the structure Bitbucket documents", () => {
        const validate = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);
        assert.ok(validate(file), JSON.stringify(validate.errors, null, 1));
        // The schema is not so loose that anything passes.
        const broken = structuredClone(file);
        const stepAt = (i: number) => (broken.pipelines.branches!.main[i] as unknown as { step: Record<string, unknown> }).step;
        stepAt(1).trigger = "on-approval";
        stepAt(2).deploy = "staging";
        assert.equal(validate(broken), false);
        const said = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);
        assert.ok(
            said.some((e) => e.startsWith("/pipelines/branches/main/1/step/trigger enum")),
            said.join("\n"),
        );
        assert.ok(
            said.some((e) => e.startsWith('/pipelines/branches/main/2/step additionalProperties {"additionalProperty":"deploy"}')),
            said.join("\n"),
        );
    });

    it("runs every pull request's tests and offline gate, with no cloud credentials", () => {
        const [stage, ...rest] = stagesOf(pullRequests);
        assert.deepEqual(rest, [], "one parallel stage");
        assert.deepEqual(
            stage?.map((s) => s.name),
            ["npm test", "policy gate and incident drill"],
        );
        for (const s of stage ?? []) {
            assert.equal(s.oidc, undefined, `${s.name}: no OpenID Connect token`);
            assert.equal(s.deployment, undefined, `${s.name}: no deployment environment (its variables hold the credentials)`);
            assert.ok(!s.script.some((l) => /AWS_|PULUMI_ACCESS_TOKEN|pulumi-stack|release/.test(l)), `${s.name} touches no cloud`);
        }
    });

    it("tests as the README does and leaves the JUnit report where Bitbucket reads test reports", () => {
        const test = stagesOf(pullRequests)[0]![0]!;
        assert.deepEqual(test.script.slice(1), [
            "npm ci --no-audit --no-fund",
            "npm test -- --reporter xunit --reporter-option output=test-results/mocha/results.xml",
        ]);
        const report = /output=(\S+)/.exec(test.script[2]!)![1]!;
        // Bitbucket scans ./**/test-results/**/*.xml (and test-reports, surefire-reports, ...) up to 3 levels deep.
        assert.match(report, /^(?:[^/]+\/)?test-results\/(?:[^/]+\/)?[^/]+\.xml$/);
        assert.ok(artifactsOf(test).includes("test-results/**"));
    });

    it("gates every stack in both preview modes, then drills every stack, keeping the reports", () => {
        const gate = stagesOf(pullRequests)[0]![1]!;
        const gateLine = gate.script.findIndex((l) => l.startsWith("tools/ops/policy-gate.sh"));
        assert.ok(gateLine > gate.script.indexOf("npm ci --no-audit --no-fund"));
        assert.equal(gate.script[gateLine], "tools/ops/policy-gate.sh --stack dev,staging,prod --mode create,update");
        assert.deepEqual(
            gate.script.slice(gateLine + 1),
            ["dev", "staging", "prod"].map((s) => `npm run -s drill -- --stack ${s} --all`),
        );
        assert.deepEqual(["dev", "staging", "prod"].sort(), STACKS, "every stack file is gated and drilled");
        assert.ok(artifactsOf(gate).includes("reports/**"));
    });

    it("on main, tests and gates, then deploys dev, then staging and prod by hand, each in its deployment environment", () => {
        const stages = stagesOf(main);
        assert.deepEqual(
            stages[0]?.map((s) => s.name),
            ["npm test", "policy gate and incident drill"],
            "main runs the pull request's checks first",
        );
        const deploys = stages.slice(1).map(([s]) => s!);
        assert.deepEqual(
            deploys.map((s) => [s.deployment, s.trigger ?? "automatic", s.oidc]),
            [
                ["dev", "automatic", true],
                ["staging", "manual", true],
                ["prod", "manual", true],
            ],
        );
        assert.deepEqual(deploys.map((s) => s.deployment).sort(), STACKS);
    });

    it("a deploy assumes the environment's role through OIDC, then runs the stage in the order the GitHub workflow does", () => {
        for (const s of stagesOf(main)
            .slice(1)
            .map(([d]) => d!)) {
            const at = (line: string) => {
                const i = s.script.indexOf(line);
                assert.ok(i >= 0, `${s.name}: ${line}`);
                return i;
            };
            const install = at("npm ci --no-audit --no-fund");
            const tokenFile = at('export AWS_WEB_IDENTITY_TOKEN_FILE="$BITBUCKET_CLONE_DIR/.aws-web-identity-token"');
            const token = at('echo "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"');
            const stack = at('export STACK="$PULUMI_ORG/platform/$BITBUCKET_DEPLOYMENT_ENVIRONMENT"');
            const up = at('tools/ops/pulumi-stack.sh up "$STACK"');
            const publish = at('npm run site:publish -- --stack "$STACK"');
            const smoke = at('npm run smoke -- --stack "$STACK" --json');
            const release = at('tools/ops/release-and-verify.sh "$STACK"');
            assert.ok(install < up && tokenFile < token && token < up && stack < up, "credentials and the stack name before pulumi up");
            assert.ok(up < publish && publish < smoke && smoke < release, "up, publish, smoke, then the release with its own smoke checks and rollback");
            assert.ok(
                s["after-script"]?.some((l) => l.includes('[ "$BITBUCKET_EXIT_CODE" = 0 ] || tools/ops/notify-failure.sh')),
                "a failed deploy is reported",
            );
            assert.ok(artifactsOf(s).includes("reports/**"));
        }
    });

    it("caches npm's download cache, keyed by the lock files, in every step that installs", () => {
        const cache = file.definitions?.caches?.npm;
        assert.deepEqual(cache, { key: { files: ["package-lock.json", "policies/package-lock.json"] }, path: "~/.npm" });
        for (const s of [...pullRequests, ...main].flatMap((i) => ("parallel" in i ? i.parallel.map((p) => p.step) : [i.step])))
            if (s.script.some((l) => l.startsWith("npm ci"))) assert.deepEqual(s.caches, ["npm"], s.name);
    });

    it("holds no logic of its own: every command is an npm script, a tools/ops script or environment setup", () => {
        const all = [...pullRequests, ...main].flatMap((i) => ("parallel" in i ? i.parallel.map((p) => p.step) : [i.step]));
        for (const s of all)
            for (const line of [...s.script, ...(s["after-script"] ?? [])]) {
                const c = commandOf(line);
                assert.notEqual(c.kind, "other", `${s.name}: ${line}`);
                if (c.kind === "npm" && c.script !== "ci") assert.ok(c.script in scripts, `${s.name}: npm script ${c.script} is in package.json`);
                if (c.kind === "ops") assert.ok(fs.statSync(path.join(REPO, c.script)).mode & 0o100, `${s.name}: ${c.script} is an executable script`);
            }
        assert.doesNotMatch(text, /\t/, "YAML indents with spaces");
    });
});
