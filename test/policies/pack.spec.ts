// The pack as a whole: metadata, per-environment config files, config validation, exemptions, README.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolveConfig } from "../../policies/lib/config";
import { RULE_SET_RULES, ruleInfos } from "../../policies/lib/rule";
import { allPolicies } from "../../policies/rules";
import { ANCHOR_SOURCES, anchorSources, renderReadme } from "../../policies/scripts/gen-readme";
import { check, checkResource, expect, POLICIES_DIR, Res, summary } from "./helpers";

const RULES_MD = path.resolve(POLICIES_DIR, "..", "..", "shared", "POLICY_RULES.md");
const ENVS = ["dev", "staging", "prod"] as const;
const LETTER: Record<string, string> = { A: "advisory", M: "mandatory", D: "disabled" };
type EnvConfig = Record<string, { enforcementLevel: string } & Record<string, unknown>>;
const envConfig = (env: string): EnvConfig => JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "config", `${env}.json`), "utf8")) as EnvConfig;

describe("policy pack", () => {
    const policies = allPolicies();
    const infos = ruleInfos();

    it("has 84 policies with unique stable names, numbered without gaps: the rule set's 1-58, then the pack's own", () => {
        expect(RULE_SET_RULES).to.equal(58);
        expect(policies.length).to.equal(84);
        expect(new Set(policies.map((p) => p.name)).size).to.equal(84);
        expect(infos.map((i) => i.meta.no)).to.deep.equal(Array.from({ length: 84 }, (_, i) => i + 1));
        expect(policies.map((p) => p.name)).to.deep.equal(infos.map((i) => i.meta.id));
        expect(infos.filter((i) => i.meta.no > RULE_SET_RULES).map((i) => i.meta.id)).to.deep.equal([
            "apigw-cache-key-isolation",
            "apigw-private-endpoint-policy",
            "resource-policy-not-public",
            "cross-account-access",
            "iam-web-identity-audience",
            "iam-no-user-access-keys",
            "iam-privilege-escalation",
            "sg-no-public-admin-ports",
            "sfn-logging",
            "sfn-xray-tracing",
            "cloudtrail-trail-hardening",
            "ecr-tag-immutable",
            "ecr-image-scanning",
            "ecr-encryption-kms",
            "ecr-policy-not-public",
            "eventbridge-bus-not-public",
            "secrets-lambda-env-plaintext",
            "secrets-ssm-secure-string",
            "secrets-manager-rotation",
            "secrets-manager-policy-not-public",
            "cognito-app-client-hardening",
            "aoss-dashboards-private",
            "aoss-data-access-same-account",
            "lambda-sqs-maximum-concurrency",
            "lambda-provisioned-concurrency-scaled",
            "cognito-custom-attribute-write",
        ]);
    });

    it("describes each policy: what it checks, why it matters, and its anchors", () => {
        for (const p of policies) {
            expect(p.description).to.contain(" Why: ").and.contain(" Anchors: ");
        }
    });

    it("builds stack policies for kind S and resource policies for kind R", () => {
        for (const { meta } of infos) {
            const p = policies.find((x) => x.name === meta.id) as { validateStack?: unknown; validateResource?: unknown };
            expect(meta.kind === "S" ? typeof p.validateStack : typeof p.validateResource).to.equal("function");
        }
    });

    // The rule set lives beside the checkout (CI puts it there); a checkout without it skips these two.
    (fs.existsSync(RULES_MD) ? describe : describe.skip)("matches ../shared/POLICY_RULES.md", () => {
        let rows: string[][] = [];
        before(() => {
            rows = fs
                .readFileSync(RULES_MD, "utf8")
                .split("\n")
                .filter((l) => /^\| \d+ \|/.test(l))
                .map((l) => l.split("|").map((c) => c.trim()));
        });
        it("has every rule id, with its number and kind; the pack's rules above 58 are its own", () => {
            expect(rows.length).to.equal(RULE_SET_RULES);
            expect(rows.map((r) => Number(r[1]))).to.deep.equal(infos.filter((i) => i.meta.no <= RULE_SET_RULES).map((i) => i.meta.no));
            expect(rows.filter((r) => infos.some((i) => i.meta.id === r[2] && i.meta.no > RULE_SET_RULES)).map((r) => r[2])).to.deep.equal([]);
            for (const r of rows) {
                const info = infos.find((i) => i.meta.id === r[2]);
                expect(`${r[2]} ${info?.meta.no} ${info?.meta.kind}`).to.equal(`${r[2]} ${r[1]} ${r[5]}`);
            }
        });
        it("sets the table's dev/staging/prod level in config/<env>.json, and the dev level as the pack default", () => {
            for (const r of rows) {
                const letters = r[7].split("/");
                ENVS.forEach((env, i) => expect(`${env} ${r[2]} ${envConfig(env)[r[2]]?.enforcementLevel}`).to.equal(`${env} ${r[2]} ${LETTER[letters[i]]}`));
                expect(`${r[2]} ${policies.find((p) => p.name === r[2])?.enforcementLevel}`).to.equal(`${r[2]} ${LETTER[letters[0]]}`);
            }
        });
    });

    it("the pack's own rule apigw-cache-key-isolation is mandatory in dev, staging and prod and in the built-in profile, and no tag waives it", () => {
        expect(policies.find((p) => p.name === "apigw-cache-key-isolation")?.enforcementLevel).to.equal("mandatory");
        for (const env of ENVS) {
            const entry = envConfig(env)["apigw-cache-key-isolation"];
            expect(`${env} ${entry?.enforcementLevel} ${entry?.allowTagExemptions}`).to.equal(`${env} mandatory false`);
        }
    });

    for (const env of ENVS) {
        it(`config/${env}.json names every policy with an explicit level and valid properties`, () => {
            const cfg = envConfig(env);
            expect(Object.keys(cfg).sort()).to.deep.equal(policies.map((p) => p.name).sort());
            for (const { meta, configProperties } of infos) {
                const entry = cfg[meta.id];
                resolveConfig(meta.id, configProperties, entry); // throws on a bad value
                if (entry.enforcementLevel !== "disabled") {
                    // A tag may waive a rule only where it is advisory.
                    expect(`${meta.id} ${entry.allowTagExemptions}`).to.equal(`${meta.id} ${entry.enforcementLevel === "advisory"}`);
                }
            }
        });
    }

    it("runs bare (no config) exactly as the dev profile: every rule's built-in level and every property default equal config/dev.json", () => {
        const dev = envConfig("dev");
        for (const { meta, configProperties } of infos) {
            const { enforcementLevel, ...props } = dev[meta.id];
            expect(`${meta.id} ${meta.defaultLevel}`).to.equal(`${meta.id} ${enforcementLevel}`);
            expect(resolveConfig(meta.id, configProperties, {})).to.deep.equal(resolveConfig(meta.id, configProperties, props));
        }
    });

    it("declares every parameter in configSchema with a type, a description and a default", () => {
        for (const p of policies) {
            for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
                const schema = s as { type?: string; description?: string; default?: unknown };
                expect(`${p.name}.${k} ${typeof schema.type} ${typeof schema.description} ${schema.default === undefined}`).to.equal(
                    `${p.name}.${k} string string false`,
                );
            }
        }
    });

    describe("bad policy config", () => {
        const lg: Res = { type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props: { retentionInDays: 30 } };
        const rejects = (config: Record<string, unknown>, text: string) => {
            let message = "";
            try {
                checkResource("log-group-retention", lg, { config });
            } catch (e) {
                message = (e as Error).message;
            }
            expect(message).to.contain(text);
        };
        it("rejects a wrong type, naming the policy and the property", () =>
            rejects(
                { minimumRetentionDays: "30" },
                'invalid policy config for "log-group-retention": property "minimumRetentionDays" must be an integer >= 1, got "30"',
            ));
        it("rejects an out-of-range value", () => rejects({ minimumRetentionDays: 0 }, 'property "minimumRetentionDays" must be an integer >= 1, got 0'));
        it("rejects a property the policy does not have (a typo)", () =>
            rejects({ minimumRetentionDay: 30 }, 'property "minimumRetentionDay" is not a property of this policy'));
        it("rejects a bad list item, naming its index", () => {
            let message = "";
            try {
                checkResource(
                    "lambda-supported-runtime",
                    { type: "aws:lambda/function:Function", name: "f", props: { runtime: "nodejs22.x" } },
                    { config: { allowedRuntimes: ["nodejs22.x", 22] } },
                );
            } catch (e) {
                message = (e as Error).message;
            }
            expect(message).to.contain('property "allowedRuntimes[1]" must be a string');
        });
    });

    describe("exemptions", () => {
        const lg = (tags?: Record<string, string>): Res => ({ type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props: { retentionInDays: 1, tags } });
        it("a policy-exempt tag with a reason waives an advisory rule", () => {
            expect(checkResource("log-group-kms", lg({ "policy-exempt:log-group-kms": "vendor log group, key managed by the vendor" }))).to.deep.equal([]);
        });
        it("a tag with an empty reason does not waive, and says so", () => {
            const vs = checkResource("log-group-kms", lg({ "policy-exempt:log-group-kms": "" }));
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal(['tags["policy-exempt:log-group-kms"]', "kmsKeyId"]);
        });
        it("a tag on a mandatory rule waives nothing and is itself reported as mandatory", () => {
            const vs = checkResource("log-group-retention", lg({ "policy-exempt:log-group-retention": "please" }), { config: { minimumRetentionDays: 7 } });
            expect(summary(vs)).to.deep.equal(["lg:mandatory", "lg:mandatory"]);
            expect(vs[0].message).to.contain("cannot be waived by tag in this environment");
        });
        it("the tag is reported on a mandatory rule even when the resource complies", () => {
            const ok: Res = {
                type: "aws:cloudwatch/logGroup:LogGroup",
                name: "lg",
                props: { retentionInDays: 30, tags: { "policy-exempt:log-group-retention": "x" } },
            };
            expect(summary(checkResource("log-group-retention", ok))).to.deep.equal(["lg:mandatory"]);
        });
        it("a tag on a stack rule is honoured where allowTagExemptions is on, reported where it is off", () => {
            const fn: Res = {
                type: "aws:lambda/function:Function",
                name: "f",
                props: { tags: { "policy-exempt:lambda-errors-alarm": "batch job, watched by the pipeline" } },
            };
            expect(check("lambda-errors-alarm", [fn])).to.deep.equal([]);
            expect(summary(check("lambda-errors-alarm", [fn], { level: "mandatory", config: { allowTagExemptions: false } }))).to.deep.equal([
                "f:mandatory",
                "f:mandatory",
            ]);
        });
        it("exemptResources in config exempts by logical name or URN", () => {
            expect(checkResource("log-group-retention", lg(), { config: { exemptResources: ["lg"] } })).to.deep.equal([]);
            expect(checkResource("log-group-retention", lg(), { config: { exemptResources: ["aws:cloudwatch/logGroup:LogGroup::lg"] } })).to.deep.equal([]);
        });
    });

    it("policies/README.md is generated from the metadata and up to date (npm run policy-docs)", () => {
        const current = fs.readFileSync(path.join(POLICIES_DIR, "README.md"), "utf8");
        expect(current === renderReadme() ? "fresh" : "stale: run npm run policy-docs").to.equal("fresh");
    });

    describe("policies/README.md for a reader without this repository's neighbours", () => {
        const readme = fs.readFileSync(path.join(POLICIES_DIR, "README.md"), "utf8");

        it("defines every anchor source code a rule cites, in its Anchors section", () => {
            const glossary = readme.slice(readme.indexOf("### Anchors"), readme.indexOf("## Parameters"));
            const cited = new Set(infos.flatMap((i) => anchorSources(i.meta.id, i.meta.anchors)));
            assert.deepEqual([...cited].sort(), ["AG", "AWS", "CKV", "CT", "FSBP", "NAG", "NAG-NIST", "NAG-SL", "NAG-X", "PCP", "PRW", "TRV", "ours"]);
            for (const code of cited) {
                assert.ok(glossary.includes(`- **${code}**: `), code);
            }
        });

        it("reads each anchor's sources, continuations and analogues, and refuses a code it cannot name", () => {
            assert.deepEqual(anchorSources("r", "NAG APIG1, CFR5, FSBP CloudFront.9, CKV2_AWS_46"), ["NAG", "FSBP", "CKV"]);
            assert.deepEqual(anchorSources("r", "ours (analogues: NAG OS1, OS5; FSBP OpenSearch.2)"), ["ours", "NAG", "FSBP"]);
            assert.deepEqual(anchorSources("r", "NAG-NIST CloudWatchAlarmAction, CT.CLOUDWATCH.PR.1, PR.4"), ["NAG-NIST", "CT"]);
            assert.throws(
                () => anchorSources("lambda-x", "SNYK SNYK-CC-AWS-1"),
                /rule lambda-x: anchor "SNYK SNYK-CC-AWS-1" opens with no known source code; allowed: NAG, /,
            );
            // A later entry opening with an unknown code is refused too; a bare id or a note continues the previous source.
            assert.throws(() => anchorSources("lambda-x", "FSBP Lambda.1, SNYK SNYK-CC-AWS-1"), /anchor "SNYK SNYK-CC-AWS-1" opens with no known source code/);
            assert.deepEqual(anchorSources("r", "FSBP IAM.3, IAM.6 (analogue), CKV_AWS_273"), ["FSBP", "CKV"]);
            assert.throws(() => anchorSources("lambda-x", ""), /rule lambda-x: anchors "" cite no known source/);
            assert.equal(new Set(ANCHOR_SOURCES.map((a) => a.code)).size, ANCHOR_SOURCES.length, "one entry per code");
        });

        it("links nothing outside the repository: no web links, no paths above it, every in-page link has its heading", () => {
            assert.doesNotMatch(readme, /https?:\/\//);
            assert.doesNotMatch(readme, /\.\.\/shared|\]\(\.\.\/\.\./);
            const slug = (heading: string) =>
                heading
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-");
            const headings = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1])));
            for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) {
                if (target.startsWith("#")) {
                    assert.ok(headings.has(target.slice(1)), target);
                } else {
                    assert.ok(fs.existsSync(path.resolve(POLICIES_DIR, target)), target);
                    assert.ok(!path.relative(path.resolve(POLICIES_DIR, ".."), path.resolve(POLICIES_DIR, target)).startsWith(".."), target);
                }
            }
        });
    });
});
