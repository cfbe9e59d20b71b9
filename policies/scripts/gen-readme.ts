// Generates policies/README.md from the pack's own metadata (rules/*.ts) and its per-environment
// config files, so the rule table cannot drift from the code.
//
//   npm run policy-docs            write policies/README.md
//   npm run policy-docs -- --check exit 1 if policies/README.md is stale
//
// The pack is its own package and cannot import the repository's tools/cli.ts: its flags follow the same
// conventions with node:util parseArgs directly (--help exits 0, a bad flag is one line on stderr and exit 2).
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { RULE_SET_RULES, ruleInfos } from "../lib/rule";
import { allPolicies } from "../rules";

const ROOT = path.resolve(__dirname, "..");
const ENVS = ["dev", "staging", "prod"] as const;

type EnvConfig = Record<string, string | ({ enforcementLevel?: string } & Record<string, unknown>)>;

function loadEnv(env: string): EnvConfig {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "config", `${env}.json`), "utf8")) as EnvConfig;
}

function levelOf(cfg: EnvConfig, id: string, fallback: string): string {
    const e = cfg[id];
    const level = typeof e === "string" ? e : (e?.enforcementLevel ?? fallback);
    return { advisory: "A", mandatory: "M", disabled: "D", remediate: "R" }[level] ?? level;
}

/**
 * The sources a rule's anchors cite, by the code that opens an anchor (`NAG APIG1, CFR5, FSBP S3.1`: an
 * entry without a code continues the previous source). Each is named, not linked: the README links nothing
 * outside the repository, and each source is found by its name and the id given.
 */
export const ANCHOR_SOURCES: readonly { code: string; source: string }[] = [
    { code: "NAG", source: "cdk-nag, rule pack AwsSolutions (rule ids such as `APIG1`, `CFR4`, `S10`); `cdk-nag AwsSolutions-L1` names the same pack in full" },
    { code: "NAG-SL", source: "cdk-nag, rule pack Serverless (rule names such as `LambdaTracing`)" },
    { code: "NAG-NIST", source: "cdk-nag, rule pack NIST 800-53 rev 5 (rule names such as `CloudWatchAlarmAction`)" },
    { code: "NAG-X", source: "cdk-nag, a rule outside the AwsSolutions, Serverless and NIST packs" },
    { code: "FSBP", source: "AWS Security Hub, standard AWS Foundational Security Best Practices (control ids such as `Lambda.2`)" },
    { code: "CKV", source: "Checkov, an AWS resource check (`CKV_AWS_<n>`); `CKV2_AWS_<n>` is a graph check, which relates resources" },
    { code: "TRV", source: "Trivy's AWS checks, formerly tfsec (ids such as `AWS-0066`, or the tfsec check name)" },
    { code: "CT", source: "AWS Control Tower, a proactive control (`CT.<SERVICE>.PR.<n>`)" },
    { code: "PCP", source: "Pulumi's compliance-ready policies (`pulumi/compliance-policies`), a policy `<service>/<Resource>/<policy>`" },
    { code: "AG", source: "AWSGuard (`@pulumi/awsguard`), Pulumi's AWS policy pack, by policy name" },
    { code: "PRW", source: "Prowler (`prowler-cloud/prowler`), an AWS check by its check id (such as `awslambda_function_no_secrets_in_variables`)" },
    { code: "AWS", source: "the AWS documentation, by guide and section title" },
    { code: "ours", source: "this pack's own rule: no rule elsewhere checks the same thing (analogues, if any, follow in parentheses)" },
];

/** The source of one anchor entry's opening word, or undefined for an entry that continues the previous source. */
function sourceCode(entry: string): string | undefined {
    const word = entry.trim().split(/\s+/)[0].replace(/^\(/, "");
    if (/^CKV2?_AWS_/.test(word)) return "CKV";
    if (/^CT\.[A-Z]+\.PR\.\d+$/.test(word)) return "CT";
    if (word === "cdk-nag") return "NAG";
    return ANCHOR_SOURCES.some((a) => a.code === word) ? word : undefined;
}

/**
 * The sources a rule's anchors cite, in order of first use.
 * @throws naming the rule and the entry when an entry of several words opens with a code that is not in {@link ANCHOR_SOURCES}
 */
export function anchorSources(ruleId: string, anchors: string): string[] {
    const found: string[] = [];
    // Commas inside parentheses belong to the analogue list of an `ours` anchor, or to a note.
    const entries = anchors.split(/,(?![^(]*\))/).flatMap((e) => e.split(/[;(:]/).map((text, i) => ({ text, inParentheses: i > 0 && e.includes("(") })));
    for (const { text: entry, inParentheses } of entries) {
        const code = sourceCode(entry);
        // An entry of several words opens with a source code when it is the first, or when its first word is all
        // capitals (`XYZ rule-name`) outside parentheses; a continuation is a bare id (`IAM.21`, `APIG1`), a note in parentheses.
        const looksLikeCode = found.length === 0 || (!inParentheses && /^\s*[A-Z][A-Z-]*[A-Z]\s+\S/.test(entry));
        if (code === undefined && /^\s*[A-Za-z][\w-]*\s+\S/.test(entry) && looksLikeCode) {
            throw new Error(
                `rule ${ruleId}: anchor ${JSON.stringify(entry.trim())} opens with no known source code; allowed: ${ANCHOR_SOURCES.map((a) => a.code).join(", ")}, CKV_AWS_<n>, CKV2_AWS_<n>, CT.<SERVICE>.PR.<n>`,
            );
        }
        if (code !== undefined && !found.includes(code)) found.push(code);
    }
    if (found.length === 0) {
        throw new Error(
            `rule ${ruleId}: anchors ${JSON.stringify(anchors)} cite no known source; allowed codes: ${ANCHOR_SOURCES.map((a) => a.code).join(", ")}`,
        );
    }
    return found;
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The README text. */
export function renderReadme(): string {
    allPolicies();
    const envs = Object.fromEntries(ENVS.map((e) => [e, loadEnv(e)])) as Record<(typeof ENVS)[number], EnvConfig>;
    const used = new Set(ruleInfos().flatMap(({ meta }) => anchorSources(meta.id, meta.anchors)));
    const glossary = ANCHOR_SOURCES.filter((a) => used.has(a.code)).map((a) => `- **${a.code}**: ${a.source}.`);
    const rows = ruleInfos().map(({ meta }) => {
        const levels = ENVS.map((e) => levelOf(envs[e], meta.id, meta.defaultLevel)).join("/");
        return `| ${meta.no} | \`${meta.id}\` | ${cell(meta.service)} | ${meta.kind} | ${cell(meta.checks)} | ${cell(meta.anchors)} | ${levels} |`;
    });
    const params = ruleInfos()
        .filter(({ configProperties }) => Object.keys(configProperties).some((k) => k !== "exemptResources" && k !== "allowTagExemptions"))
        .map(({ meta, configProperties }) => {
            const lines = Object.entries(configProperties)
                .filter(([k]) => k !== "exemptResources" && k !== "allowTagExemptions")
                .map(([k, p]) => {
                    const perEnv = ENVS.map((e) => {
                        const entry = envs[e][meta.id];
                        const v = typeof entry === "object" && entry !== null && k in entry ? entry[k] : p.default;
                        return `${e} \`${JSON.stringify(v)}\``;
                    }).join(", ");
                    return `  - \`${k}\` (${p.type}): ${cell(p.description)} ${perEnv}.`;
                });
            return `- \`${meta.id}\`\n${lines.join("\n")}`;
        });
    return `<!-- Generated by policies/scripts/gen-readme.ts from the pack's metadata and config/*.json: do not edit by hand; run \`npm run policy-docs\`. -->
# Policy pack \`platform-policies\`

The platform's ${RULE_SET_RULES} starting security and monitoring rules (numbers 1 to ${RULE_SET_RULES}) and the rules added since
(${RULE_SET_RULES + 1} on), ${rows.length} rules in all, as a Pulumi policy pack; the table below is the rule table of record. It judges any
Pulumi program that uses the AWS provider: it matches resources by type token (\`aws:lambda/function:Function\`...), reads
the inputs the provider receives (including AWS provider v7's separate bucket-settings resources and IAM documents given
as JSON strings or objects), and relates resources through URNs and \`propertyDependencies\`, never through values a first
preview does not know.

## Running it

\`\`\`
pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json
pulumi up      --policy-pack policies --policy-pack-config policies/config/prod.json
npm run preview -- --cwd <program> --stack prod --policy-pack policies --policy-pack-config policies/config/prod.json
\`\`\`

Without \`--policy-pack-config\` every rule runs at its built-in level, which is the lenient **dev** profile: public
exposure and identity rules are mandatory, everything else advisory, so a bare run never blocks on a monitoring gap.

\`npm ci\` (or \`npm install\`) in this folder also compiles the pack to \`bin/\`, and \`index.js\` starts that build
while it is newer than every \`.ts\` source: the CLI would otherwise type-check the pack with ts-node on every start
(about 2 s against under 1 s). After editing a rule the sources run until \`npm run build\` here refreshes the build,
so a stale build is never used.

## Rules

Kind R checks one resource's inputs; S checks relations between resources. Levels are dev/staging/prod from
\`config/{dev,staging,prod}.json\`: A advisory, M mandatory, D disabled. Each policy's description says what it checks, why
it matters and its anchors; each violation names the resource, the property, the value found and the fix.

| # | Id | Service | Kind | What it checks | Anchors | dev/stg/prod |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

### Anchors

An anchor is a rule elsewhere that checks the same thing, by the code of its source and its id there (\`NAG APIG1,
CFR5\`: two cdk-nag AwsSolutions rules). The codes:

${glossary.join("\n")}

## Parameters (\`configSchema\`)

Every rule also takes \`exemptResources\` (logical names, URNs or \`type::name\` suffixes it does not apply to) and
\`allowTagExemptions\` (see below). A config value of the wrong type, out of range, or a property the rule does not have
is rejected with a message naming the policy and the property (by the CLI against \`configSchema\`, and by the pack itself).

${params.join("\n")}

## Unknown values in a first preview

A value computed by AWS (an ARN, a generated name) is unknown in a first \`pulumi preview\`. @pulumi/policy reports a
policy that reads such a value as advisory ("can't run during preview"). The rules therefore:

- treat an unknown value as *present* where presence is what they check (a computed \`kmsKeyArn\` is set);
- find related resources through \`propertyDependencies\` and \`dependsOn\`, which are always known, so stack rules stay at
  their level in a first preview (known literal names are used only as a fallback);
- report every violation they can prove first, and only then let @pulumi/policy add one advisory "can't run" line for a
  value they had to compare but could not (for example an IAM document built with \`pulumi.jsonStringify\` from unknown
  ARNs). \`pulumi up\` and \`npm run preview -- --mode update\` see the real values and judge them.

## Adding a rule

1. In \`rules/<service>.ts\`, add a \`resourceRule(...)\` (one resource: list its type tokens) or \`stackRule(...)\` (relations:
   use \`graph.targets(...)\`/\`refers(...)\` on \`propertyDependencies\`). Fill in the metadata (\`id\`, \`no\`, \`service\`,
   \`checks\`, \`why\`, \`anchors\` (codes from [Anchors](#anchors); a new source needs its code added to \`ANCHOR_SOURCES\` in
   \`scripts/gen-readme.ts\`), \`defaultLevel\` = the dev level, \`config\` for parameters). Report with
   \`ctx.report(resource, { property, found, expected, fix })\`; call \`ctx.defer(path)\` for a value that must be compared but
   is unknown. Never import \`@pulumi/aws\`: the pack is type-checked at start-up.
2. Add the rule to \`config/{dev,staging,prod}.json\` with an explicit \`enforcementLevel\` (and \`allowTagExemptions: true\`
   where it is advisory).
3. Add a violating and a compliant case in \`test/policies/<service>.spec.ts\` (for a stack rule, one with the related values
   unknown that still reports at its level), and a case per parameter.
4. Run \`npm run policy-docs\` to regenerate this file; \`npm test\` fails while it is stale.

## Changing a level

Edit the rule's \`enforcementLevel\` in \`config/<env>.json\`. Keep \`allowTagExemptions\` true only where the level is
advisory (a spec checks this), then run \`npm run policy-docs\`. The built-in (dev) level is \`defaultLevel\` in the rule's
metadata and must match \`config/dev.json\`.

## Exempting a resource

- **Reviewed exemption (any rule):** add the resource's logical name (or URN) to the rule's \`exemptResources\` in
  \`config/<env>.json\`, or use the rule's own allow-list (\`publicRoutes\`, \`allowedPublicUrls\`, \`allowedUnauthenticatedPools\`,
  \`allowedManagedPolicyArns\`, \`wildcardResourceActions\`, \`exemptBuckets\`...), with the reason in the pull request.
- **Tag (advisory rules only):** tag the resource \`policy-exempt:<rule-id>\` with the reason as the value, e.g.
  \`tags: { "policy-exempt:s3-versioning-lifecycle": "scratch bucket, recreated nightly" }\`. It waives the rule only where
  the environment's config sets \`allowTagExemptions: true\` (the advisory levels). On a mandatory rule the tag waives
  nothing and is itself reported; a tag with an empty value is reported too.

## Advisory findings left in prod

The platform's own stacks are gated by \`test/preview/stacks.spec.ts\` (dev, staging and prod, create and update modes: no
mandatory violation). What prod still shows, and why:

- **create mode** (a first \`pulumi preview\`): one advisory \`iam-no-wildcards\` line, "can't run ... string value at
  .policy can't be known during preview", per role policy whose document names resources that do not exist yet: the
  workload functions' (\`api-policy\`, \`email-worker-policy\`, \`search-indexer-policy\`, \`ses-feedback-policy\`), the
  CodeDeploy role's \`release-policy\`, the release hooks' \`release-pre-traffic-policy\` and \`release-post-traffic-policy\`,
  the AWS Backup role's \`table-backup-policy\`, and (where \`drCopies\` is on) the trail replication role's
  \`audit-replication-policy\`. They are built with
  \`pulumi.jsonStringify\` from table, queue, key and alias ARNs, so no policy can read them before those exist; this is
  @pulumi/policy's own downgrade. The same documents are judged with real values
  by the update-mode preview and by \`pulumi up\`, and pass.
- **update mode**: none.

Rules and sub-checks that stay advisory in prod by design (judgement calls, or paid features behind config) are the A
entries of the table above and the advisory-only sub-checks: API latency alarms (\`apigw-5xx-latency-alarm\`),
age-of-oldest-message alarms on source queues (\`sqs-dlq-depth-alarm\`), redrive for queues that feed no function
(\`sqs-has-dlq\`), \`ReportBatchItemFailures\` and finite retries on stream mappings (\`lambda-esm-failure-handling\`).
`;
}

export const USAGE = `usage: npm run policy-docs [-- --check]

Generates policies/README.md from the pack's rule metadata (rules/*.ts) and config/{dev,staging,prod}.json.

Flags:
  --check     write nothing; exit 1 if policies/README.md is stale (default: off)
  -h, --help  print this help and exit 0

Exit code: 0 written or up to date, 1 stale with --check, 2 bad usage.`;

const SEE_HELP = "Run `npm run policy-docs -- --help` for usage.";

/** The flags, or the one-line reason they are refused. */
export function parseFlags(argv: readonly string[]): { help: boolean; check: boolean } | { error: string } {
    const options = { check: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;
    const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
    const seen = new Set<string>();
    for (const token of tokens) {
        if (token.kind === "option-terminator") continue;
        if (token.kind === "positional") return { error: `Unexpected argument ${JSON.stringify(token.value)}: policy-docs takes flags only. ${SEE_HELP}` };
        if (token.name !== "check" && token.name !== "help") return { error: `Unknown flag ${token.rawName}; allowed: --check, --help. ${SEE_HELP}` };
        if (token.value !== undefined) return { error: `${token.rawName} takes no value.` };
        if (seen.has(token.name)) return { error: `${token.rawName} is given more than once.` };
        seen.add(token.name);
    }
    return { help: seen.has("help"), check: seen.has("check") };
}

function main(argv: readonly string[]): number {
    const flags = parseFlags(argv);
    if ("error" in flags) {
        console.error(flags.error);
        return 2;
    }
    if (flags.help) {
        console.log(USAGE);
        return 0;
    }
    const target = path.join(ROOT, "README.md");
    const text = renderReadme();
    if (flags.check) {
        const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
        if (current !== text) {
            console.error("policies/README.md is stale: run `npm run policy-docs`");
            return 1;
        }
        console.log("policies/README.md is up to date");
    } else {
        fs.writeFileSync(target, text);
        console.log(`wrote ${path.relative(process.cwd(), target)} (${ruleInfos().length} rules)`);
    }
    return 0;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
