// Through the offline preview (the real gRPC path): one flat fixture program per service, run in create
// mode (ids and ARNs unknown, as in a first `pulumi preview`) with policies/config/prod.json. Each
// service's diagnostics are asserted exactly, by level, policy name and the resource's URN.
import * as path from "path";
import { PolicyPackPool, runPreview, PreviewReport } from "../../tools/preview";
import { expect, POLICIES_DIR } from "./helpers";

const FIXTURES = path.resolve(__dirname, "..", "fixtures", "policy");
const PROD = path.join(POLICIES_DIR, "config", "prod.json");

interface Fixture {
    dir: string;
    /** Policy-name prefix of the service's rules. */
    prefix: string;
    /** `level policy resource-name`, for the service's rules (can't-run lines excluded). */
    expect: string[];
}

const FIXTURE_LIST: Fixture[] = [
    {
        dir: "lambda",
        prefix: "lambda-",
        expect: [
            "mandatory lambda-async-failure-destination bad",
            "mandatory lambda-env-kms bad",
            "mandatory lambda-errors-alarm bad",
            "mandatory lambda-esm-failure-handling bad-stream-mapping",
            "advisory lambda-esm-failure-handling bad-stream-mapping",
            "advisory lambda-explicit-timeout-memory bad",
            "mandatory lambda-log-group-managed bad",
            "mandatory lambda-permission-scoped bad-public",
            "mandatory lambda-permission-scoped bad-unscoped",
            "mandatory lambda-reserved-concurrency bad",
            "mandatory lambda-sqs-maximum-concurrency bad-sqs-mapping",
            "mandatory lambda-sqs-visibility-timeout bad-source",
            "mandatory lambda-supported-runtime bad",
            "mandatory lambda-url-auth bad-url",
            "mandatory lambda-xray-active bad",
        ],
    },
    {
        dir: "apigateway",
        prefix: "apigw-",
        expect: [
            "mandatory apigw-access-logging bad-stage",
            "mandatory apigw-authorization open-post",
            "mandatory apigw-authorization open-route",
            "mandatory apigw-cache-encrypted bad-cache",
            // The cached authenticated GET /orders/{id} without cache keys, and the variants a naive rule misses.
            "mandatory apigw-cache-key-isolation orders-id-get",
            "mandatory apigw-cache-key-isolation bad-reports-get",
            "mandatory apigw-cache-key-isolation bad-customer-order-get",
            "mandatory apigw-cache-key-isolation bad-cart-any",
            "mandatory apigw-cache-key-isolation bad-profile-get",
            "mandatory apigw-domain-tls12 bad-domain",
            "mandatory apigw-execution-logging bad-stage",
            "mandatory apigw-waf bad-stage",
            "mandatory apigw-xray bad-stage",
            "mandatory apigw-5xx-latency-alarm bad-stage",
            "advisory apigw-5xx-latency-alarm bad-stage",
            "advisory apigw-request-validation open-post",
        ],
    },
    {
        dir: "cloudfront",
        prefix: "cf-",
        expect: ["cf-https-only", "cf-logging", "cf-origin-security", "cf-security-headers", "cf-shield-and-5xx-alarm", "cf-viewer-tls", "cf-waf"].map(
            (p) => `mandatory ${p} bad-cdn`,
        ),
    },
    {
        dir: "s3",
        prefix: "s3-",
        expect: [
            "mandatory s3-access-logging bad",
            "mandatory s3-access-logging bare",
            "mandatory s3-block-public-access bad-pab",
            "mandatory s3-block-public-access bare",
            "mandatory s3-encryption-kms bad-sse",
            "mandatory s3-encryption-kms bare",
            "mandatory s3-tls-only-and-no-acls bad",
            "mandatory s3-tls-only-and-no-acls bad-owner",
            "mandatory s3-tls-only-and-no-acls bare",
            "mandatory s3-tls-only-and-no-acls logs",
            "advisory s3-versioning-lifecycle bad",
            "advisory s3-versioning-lifecycle bare",
            "advisory s3-versioning-lifecycle logs",
        ],
    },
    {
        dir: "dynamodb",
        prefix: "ddb-",
        expect: ["ddb-cmk-and-protection", "ddb-errors-alarm", "ddb-pitr"].map((p) => `mandatory ${p} bad-table`),
    },
    {
        dir: "sqs",
        prefix: "sqs-",
        expect: [
            "mandatory sqs-dlq-depth-alarm bad-dlq",
            "advisory sqs-dlq-depth-alarm bad-source",
            "advisory sqs-dlq-depth-alarm bad-with-dlq",
            "mandatory sqs-encryption bad-dlq",
            "mandatory sqs-encryption bad-source",
            "mandatory sqs-encryption bad-with-dlq",
            "mandatory sqs-has-dlq bad-source",
            "mandatory sqs-policy-safe bad-policy",
        ],
    },
    {
        dir: "sns",
        prefix: "sns-",
        expect: [
            "mandatory sns-encryption-and-policy bad-topic",
            "mandatory sns-encryption-and-policy bad-topic-policy",
            "mandatory sns-subscription-redrive bad-sub",
            "mandatory sns-subscription-redrive bad-topic",
            "mandatory sns-subscription-redrive critical",
        ],
    },
    {
        dir: "logs",
        prefix: "log-group-",
        expect: ["mandatory log-group-kms bare-logs", "mandatory log-group-retention bare-logs", "mandatory log-group-retention short-logs"],
    },
    {
        dir: "cloudwatch",
        prefix: "alarm-",
        expect: [
            "mandatory alarm-has-action silent-alarm",
            "mandatory alarm-routes-to-severity-topic plain-alarm",
            "mandatory alarm-routes-to-severity-topic warning",
        ],
    },
    { dir: "ses", prefix: "ses-", expect: ["mandatory ses-tls-and-reputation bad-set"] },
    {
        dir: "opensearch",
        prefix: "aoss-",
        expect: [
            "mandatory aoss-data-access-least-privilege bad-access",
            // Principal ["*"] is also anyone's account (rule 81).
            "mandatory aoss-data-access-same-account bad-access",
            "mandatory aoss-encryption-cmk bad-encryption",
            "mandatory aoss-network-private bad-network",
        ],
    },
    { dir: "waf", prefix: "waf-", expect: ["mandatory waf-acl-baseline bad-acl", "mandatory waf-logging bad-acl"] },
    { dir: "cognito", prefix: "cognito-", expect: ["mandatory cognito-no-unauth-identities bad-identities", "mandatory cognito-user-pool-hardening bad-pool"] },
    {
        dir: "iam",
        prefix: "iam-",
        expect: [
            "mandatory iam-no-wildcards bad-admin",
            "mandatory iam-no-wildcards bad-star",
            "mandatory iam-no-wildcards bad-wide",
            // Action "*" includes iam:PassRole and lambda:CreateFunction.
            "mandatory iam-privilege-escalation bad-star",
        ],
    },
    { dir: "kms", prefix: "kms-", expect: ["mandatory kms-key-hygiene bad-key"] },
];

async function runAll(limit: number): Promise<Map<string, PreviewReport>> {
    const out = new Map<string, PreviewReport>();
    // One pack process serves every fixture (one at a time), as one pulumi preview's pack would.
    const pool = new PolicyPackPool();
    const queue = [...FIXTURE_LIST];
    const worker = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
            out.set(
                f.dir,
                await runPreview({
                    cwd: path.join(FIXTURES, f.dir),
                    stack: "prod",
                    policyPacks: [POLICIES_DIR],
                    policyPackConfigs: [PROD],
                    mode: "create",
                    pool,
                }),
            );
        }
    };
    try {
        await Promise.all(Array.from({ length: limit }, worker));
    } finally {
        await pool.close();
    }
    return out;
}

describe("policy pack through the offline preview: flat fixture programs (create mode, prod config)", function () {
    this.timeout(300000);
    let reports: Map<string, PreviewReport>;
    before(async () => {
        reports = await runAll(2);
    });

    for (const f of FIXTURE_LIST) {
        it(`${f.dir}: reports exactly the expected violations by policy name and URN`, () => {
            const r = reports.get(f.dir) as PreviewReport;
            const urns = new Set(r.resources.map((x) => x.urn));
            const mine = r.diagnostics.filter((d) => d.policyName.startsWith(f.prefix) && !d.message.includes("can't run"));
            for (const d of mine) {
                expect(d.urn !== undefined && urns.has(d.urn) ? "resource urn" : `urn ${d.urn}`).to.equal("resource urn");
            }
            const got = [...new Set(mine.map((d) => `${d.enforcementLevel} ${d.policyName} ${d.urn?.split("::").pop()}`))].sort();
            expect(got).to.deep.equal([...f.expect].sort());
        });
    }

    it("every rule of the pack is exercised by some fixture", () => {
        const seen = new Set([...reports.values()].flatMap((r) => r.diagnostics.map((d) => d.policyName)));
        const missing = ["lambda-throttles-alarm"].filter((p) => !seen.has(p));
        // lambda-throttles-alarm is advisory in prod and the Lambda fixture satisfies it; it is covered by the unit and gRPC specs.
        expect(missing).to.deep.equal(["lambda-throttles-alarm"]);
    });

    it("'good' resources have no violation of their service's rules", () => {
        for (const f of FIXTURE_LIST) {
            const r = reports.get(f.dir) as PreviewReport;
            const bad = r.diagnostics.filter((d) => d.policyName.startsWith(f.prefix) && /::good[^:]*$/.test(d.urn ?? "") && !d.message.includes("can't run"));
            expect(bad.map((d) => `${f.dir}: ${d.message.split("\n").pop()}`)).to.deep.equal([]);
        }
    });
});
