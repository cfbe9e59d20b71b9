import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, REGION, Recorded, installMocks, json, list, statementsBySid, testContext, testKeyArn, valueOf } from "./harness";
import { runProgram } from "../stacks/program";

const TRAIL = "awsx:cloudtrail:Trail";
const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

describe("AuditTrail component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/audit-trail");
    let trail: import("../../components/audit-trail").AuditTrail;
    let base: import("../../components/audit-trail").AuditTrailArgs;
    let encryptionMod: typeof import("../../components/encryption");

    before(async function () {
        run = installMocks();
        mod = await import("../../components/audit-trail");
        encryptionMod = await import("../../components/encryption");
        const alerting = await import("../../components/alerting");
        const ctx = testContext();
        const routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: testKeyArn("messaging"), emails: ["a@example.com"], escalationMinutes: 30 })
            .routing;
        base = { context: ctx, logsKeyArn: testKeyArn("logs"), routing, logRetentionDays: 365 };
        trail = new mod.AuditTrail("audit", { ...base, protect: true });
        new encryptionMod.Encryption("with-trail", { context: ctx, cloudTrailArns: [mod.trailArn(ctx)] });
        new encryptionMod.Encryption("without-trail", { context: ctx });
        await run.settle();
    });

    const trailInputs = () => run.one(TRAIL, "audit").inputs;

    it("is an awsx.cloudtrail.Trail, multi-region, with log file validation and the logs key, parented to the component", function () {
        const t = run.one(TRAIL, "audit");
        assert.match(t.urn, /platform:observability:AuditTrail\$awsx:cloudtrail:Trail::audit$/);
        assert.equal(t.inputs.name, "platform-dev-trail");
        assert.equal(t.inputs.isMultiRegionTrail, true);
        assert.equal(t.inputs.includeGlobalServiceEvents, true);
        assert.equal(t.inputs.enableLogFileValidation, true);
        assert.equal(t.inputs.enableLogging, true);
        assert.equal(t.inputs.kmsKeyId, testKeyArn("logs"));
        assert.equal(t.protect, true);
    });

    it("delivers to an encrypted CloudWatch log group with the configured retention, and to a bucket a destroy does not empty", function () {
        const logs = trailInputs().cloudWatchLogsGroup;
        assert.equal(logs.enable, true);
        assert.deepEqual(
            { name: logs.args.name, retentionInDays: logs.args.retentionInDays, kmsKeyId: logs.args.kmsKeyId },
            { name: "/aws/cloudtrail/platform-dev", retentionInDays: 365, kmsKeyId: testKeyArn("logs") },
        );
        assert.equal(trail.logGroupName, "/aws/cloudtrail/platform-dev");
        const bucket = trailInputs().s3Bucket;
        assert.equal(bucket.existing, undefined);
        assert.equal(bucket.args.bucket, `platform-dev-cloudtrail-${ACCOUNT}`);
        assert.equal(bucket.args.forceDestroy, false);
    });

    it("gives the trail bucket every SecureBucket setting awsx leaves out, after the trail has created it", function () {
        const bucket = `platform-dev-cloudtrail-${ACCOUNT}`;
        const setting = (type: string, name: string): Recorded => {
            const r = run.one(type, name);
            assert.equal(r.inputs.bucket, bucket, `${name} targets the trail bucket`);
            assert.ok(r.dependencies.includes(run.one(TRAIL, "audit").urn), `${name} waits for the trail, which creates the bucket`);
            return r;
        };
        const pab = setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "audit-public-access").inputs;
        assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
        assert.equal(setting("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "audit-ownership").inputs.rule.objectOwnership, "BucketOwnerEnforced");
        const sse = setting("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "audit-encryption").inputs.rules[0];
        assert.deepEqual(sse.applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms", kmsMasterKeyId: testKeyArn("logs") });
        assert.equal(setting("aws:s3/bucketVersioning:BucketVersioning", "audit-versioning").inputs.versioningConfiguration.status, "Enabled");
        assert.ok(
            setting("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-lifecycle").inputs.rules[0].abortIncompleteMultipartUpload,
        );
        const logging = setting("aws:s3/bucketLogging:BucketLogging", "audit-access-logging");
        const accessLogBucket = run.one("aws:s3/bucket:Bucket", "audit-access-logs");
        assert.deepEqual(logging.propertyDependencies.targetBucket, [accessLogBucket.urn]);
        // The access-log bucket admits S3 log delivery from the trail bucket only.
        const grant = statementsBySid(run.one("aws:s3/bucketPolicy:BucketPolicy", "audit-access-logs-policy").inputs.policy).AllowS3AccessLogs;
        assert.deepEqual(grant.Principal, { Service: "logging.s3.amazonaws.com" });
        assert.deepEqual((grant.Condition as { ArnEquals: Record<string, string> }).ArnEquals["aws:SourceArn"], `arn:aws:s3:::${bucket}`);
    });

    it("has one metric filter per security control on the trail's log group, each with an alarm routed to its severity topic", function () {
        const topicSeverity = new Map(run.ofType(TOPIC).map((t) => [t.urn, t.inputs.tags.severity as string]));
        const filters = run.ofType(FILTER);
        assert.equal(filters.length, mod.SECURITY_FILTERS.length);
        for (const f of mod.SECURITY_FILTERS) {
            const filter = run.one(FILTER, `audit-${f.id}`);
            assert.equal(filter.inputs.logGroupName, trailInputs().cloudWatchLogsGroup.args.name, f.id);
            assert.equal(filter.inputs.pattern, f.pattern);
            const { name, namespace } = filter.inputs.metricTransformation;
            assert.equal(namespace, "platform-dev/Security");
            const watching = run
                .ofType(ALARM)
                .filter((a) => a.inputs.namespace === namespace && a.inputs.metricName === name && !a.name.endsWith("-escalated"));
            assert.equal(watching.length, 1, `${f.id}: one alarm on ${namespace}/${name}`);
            const alarm = watching[0];
            assert.equal(alarm.inputs.threshold, f.threshold);
            assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
            const routed = alarm.propertyDependencies.alarmActions.map((urn) => topicSeverity.get(urn));
            assert.deepEqual(routed, [f.severity], `${f.id} goes to the ${f.severity} topic`);
        }
    });

    it("routes root-account usage, unauthorized API calls, trail changes and KMS key disabling to critical", function () {
        const severity = Object.fromEntries(mod.SECURITY_FILTERS.map((f) => [f.id, f.severity]));
        for (const id of ["root-account-usage", "unauthorized-api-calls", "cloudtrail-changes", "kms-key-disable-or-deletion"]) {
            assert.equal(severity[id], "critical", id);
        }
        assert.equal(severity["iam-policy-changes"], "warning");
        assert.equal(severity["console-signin-without-mfa"], "warning");
    });

    it("exposes the security metrics and their alarms for the dashboards", async function () {
        assert.deepEqual(
            trail.securityMetrics.map((m) => m.metricName),
            mod.SECURITY_FILTERS.map((f) => f.metricName),
        );
        const arns = await Promise.all(trail.securityMetrics.map((m) => valueOf(m.alarmArn)));
        assert.equal(new Set(arns).size, arns.length);
        assert.equal(await valueOf(trail.trailArn), `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/platform-dev-trail`);
    });

    it("lets only this trail encrypt with the logs key, and only when asked", function () {
        const logsKey = (enc: string) => statementsBySid(run.one("aws:kms/key:Key", `${enc}-logs-key`).inputs.policy);
        const s = logsKey("with-trail").AllowCloudTrailEncrypt;
        assert.deepEqual(s.Principal, { Service: "cloudtrail.amazonaws.com" });
        assert.deepEqual(list(s.Action).sort(), ["kms:DescribeKey", "kms:GenerateDataKey"]);
        assert.deepEqual(s.Condition, {
            StringEquals: { "aws:SourceArn": [`arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/platform-dev-trail`], "aws:SourceAccount": ACCOUNT },
        });
        assert.equal(logsKey("without-trail").AllowCloudTrailEncrypt, undefined);
        for (const cls of ["data", "messaging"]) {
            assert.equal(statementsBySid(run.one("aws:kms/key:Key", `with-trail-${cls}-key`).inputs.policy).AllowCloudTrailEncrypt, undefined, cls);
        }
    });

    it("rejects bad arguments, naming them", function () {
        const f = mod.SECURITY_FILTERS[0];
        const cases: [Partial<import("../../components/audit-trail").AuditTrailArgs>, RegExp][] = [
            [{ filters: [] }, /argument "filters"/],
            [{ filters: [f, f] }, /argument "filters.id"/],
            [{ filters: [{ ...f, threshold: 0 }] }, /argument "filters\[root-account-usage\].threshold"/],
            [{ filters: [{ ...f, pattern: "ConsoleLogin" }] }, /argument "filters.pattern"/],
            [{ filters: [{ ...f, metricName: "Root usage" }] }, /argument "filters.metricName"/],
            [{ logRetentionDays: 0 }, /argument "logRetentionDays"/],
            [{ context: { ...testContext(), namePrefix: "Platform_Dev" } }, /argument "context.namePrefix"/],
        ];
        cases.forEach(([over, message], i) => assert.throws(() => new mod.AuditTrail(`bad-${i}`, { ...base, ...over }), message));
    });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- dashboard bodies are parsed JSON */
type Body = { widgets: { type: string; properties: any }[] };

describe("Dashboards component (the dev stack)", function () {
    this.timeout(120000);
    let run: MockRun;
    let mod: typeof import("../../components/dashboards");
    const bodies: Record<string, Body> = {};

    before(async function () {
        ({ run } = await runProgram("dev"));
        mod = await import("../../components/dashboards");
        for (const d of run.ofType(DASHBOARD)) {
            bodies[d.inputs.dashboardName] = JSON.parse(d.inputs.dashboardBody);
        }
    });

    const titles = (kind: string) => bodies[`platform-dev-${kind}`].widgets.map((w) => w.properties.title).filter(Boolean);
    const metricsOf = (w: { type: string; properties: any }): any[][] => (w.type === "metric" ? w.properties.metrics : []);
    const allLines = () => Object.values(bodies).flatMap((b) => b.widgets.flatMap(metricsOf));

    it("creates four dashboards named <project>-<stack>-<kind>, parented to the component", function () {
        assert.deepEqual(Object.keys(bodies).sort(), [
            "platform-dev-application",
            "platform-dev-business",
            "platform-dev-infrastructure",
            "platform-dev-security",
        ]);
        for (const d of run.ofType(DASHBOARD)) {
            assert.match(d.urn, /platform:observability:Dashboards\$aws:cloudwatch\/dashboard:Dashboard::/);
        }
    });

    it("every body parses into widgets with a place on the grid", function () {
        for (const [name, body] of Object.entries(bodies)) {
            assert.ok(body.widgets.length >= 4, name);
            for (const w of body.widgets) {
                assert.ok(["metric", "text", "alarm"].includes(w.type), `${name}: ${w.type}`);
            }
            for (const w of body.widgets as any[]) {
                assert.ok(w.x >= 0 && w.x + w.width <= 24 && w.y >= 0 && w.height > 0, `${name}: ${w.properties.title} fits the grid`);
            }
        }
    });

    it("has the expected widgets on each dashboard", function () {
        const expect = (kind: string, wanted: string[]) => {
            for (const t of wanted) {
                assert.ok(titles(kind).includes(t), `${kind} has "${t}" (has: ${titles(kind).join(" | ")})`);
            }
        };
        expect("application", [
            "API latency (ms)",
            "API requests and errors",
            "Function invocations",
            "Function errors",
            "Function duration p99 (ms)",
            "Function throttles",
            "Function concurrent executions",
        ]);
        expect("infrastructure", [
            "DynamoDB consumed capacity",
            "DynamoDB throttled requests",
            "DynamoDB latency (ms)",
            "SQS age of oldest message (s)",
            "DLQ depth",
            "SNS delivery failures",
            "CloudFront requests",
            "CloudFront error rates (%)",
            "Search latency (ms) and errors",
        ]);
        expect("business", [
            "Orders per hour",
            "Cancellation rate (%)",
            "Order value per hour, by currency",
            ...mod.BUSINESS_KPIS.filter((k) => k.service !== "api").map((k) => k.title),
        ]);
        expect("security", [
            "Security alarms (CloudTrail)",
            "CloudTrail security events",
            "API WAF: allowed and blocked",
            "CloudFront WAF: allowed and blocked",
            "Cognito sign-ins",
        ]);
        const latency = bodies["platform-dev-application"].widgets.find((w) => w.properties.title === "API latency (ms)");
        assert.deepEqual(
            metricsOf(latency!).map((l) => l[l.length - 1].stat),
            ["p50", "p90", "p99"],
        );
        const xray = bodies["platform-dev-application"].widgets.find((w) => w.type === "text");
        assert.match(xray!.properties.markdown, /xray:service-map/);
    });

    it("charts CloudFront and its WAF ACL in us-east-1, everything else in the stack's region", function () {
        for (const body of Object.values(bodies)) {
            for (const w of body.widgets.filter((x) => x.type === "metric")) {
                const namespaces = new Set(
                    metricsOf(w)
                        .filter((l) => typeof l[0] === "string")
                        .map((l) => l[0]),
                );
                const global = namespaces.has("AWS/CloudFront") || (namespaces.has("AWS/WAFV2") && w.properties.title.startsWith("CloudFront"));
                assert.equal(w.properties.region, global ? "us-east-1" : REGION, w.properties.title);
            }
        }
    });

    it("every metric dimension names a resource of the stack", function () {
        const names = (type: string, pick: (r: Recorded) => unknown) => new Set(run.ofType(type).map(pick));
        const lambdas = run.ofType("aws:lambda/function:Function");
        const known: Record<string, Set<unknown>> = {
            FunctionName: new Set(lambdas.map((r) => r.inputs.name)),
            service: new Set(lambdas.map((r) => r.inputs.environment.variables.POWERTOOLS_SERVICE_NAME)),
            TableName: names("aws:dynamodb/table:Table", (r) => r.inputs.name),
            QueueName: names("aws:sqs/queue:Queue", (r) => r.inputs.name),
            TopicName: names(TOPIC, (r) => r.inputs.name),
            ApiName: names("aws:apigateway/restApi:RestApi", (r) => r.inputs.name),
            Stage: names("aws:apigateway/stage:Stage", (r) => r.inputs.stageName),
            DistributionId: names("aws:cloudfront/distribution:Distribution", (r) => r.id),
            WebACL: names("aws:wafv2/webAcl:WebAcl", (r) => r.inputs.visibilityConfig.metricName),
            UserPool: names("aws:cognito/userPool:UserPool", (r) => r.id),
            UserPoolClient: names("aws:cognito/userPoolClient:UserPoolClient", (r) => r.id),
            CollectionName: names("aws:opensearch/serverlessCollection:ServerlessCollection", (r) => r.inputs.name),
            CollectionId: names("aws:opensearch/serverlessCollection:ServerlessCollection", (r) => r.id),
            ClientId: new Set([ACCOUNT]),
            // Not resources: the table operations the workload performs, CloudWatch's fixed values.
            Operation: new Set(mod.TABLE_OPERATIONS),
            Region: new Set(["Global", REGION]),
            Rule: new Set(["ALL"]),
        };
        let checked = 0;
        for (const line of allLines()) {
            if (typeof line[0] !== "string") {
                continue; // an expression
            }
            const dims = line.slice(2, -1);
            for (let i = 0; i < dims.length; i += 2) {
                const [key, value] = [dims[i], dims[i + 1]];
                assert.ok(known[key], `dimension ${key} of ${line[0]}/${line[1]} is not one the spec knows`);
                assert.ok(
                    known[key].has(value),
                    `${line[0]}/${line[1]}: ${key}=${JSON.stringify(value)} is not a resource of the stack (have ${[...known[key]].join(", ")})`,
                );
                checked++;
            }
        }
        assert.ok(checked > 50, `checked ${checked} dimensions`);
        // Every queue and DLQ, every function and every topic of the stack is on a chart.
        const used = (key: string) =>
            new Set(
                allLines()
                    .flatMap((l) => (typeof l[0] === "string" ? l.slice(2, -1) : []))
                    .filter((_, i, a) => i % 2 === 1 && a[i - 1] === key),
            );
        for (const key of ["FunctionName", "QueueName", "TopicName"]) {
            const missing = [...known[key]].filter((n) => !used(key).has(n) && !String(n).startsWith("platform-dev-global-"));
            assert.deepEqual(missing, [], `${key} not charted`);
        }
    });

    it("charts only business metrics the handlers emit, under the namespace and service they emit them with", function () {
        const lambdas = run.ofType("aws:lambda/function:Function");
        const namespaces = new Set(lambdas.map((r) => r.inputs.environment.variables.POWERTOOLS_METRICS_NAMESPACE));
        const emitted = (service: string, metricName: string) => {
            const dir = path.join(__dirname, "..", "..", "functions", service);
            const sources = fs
                .readdirSync(dir, { recursive: true })
                .map(String)
                .filter((f) => f.endsWith(".ts"));
            return sources.some((f) => new RegExp(`kpis\\.(count|value)\\("${metricName}"`).test(fs.readFileSync(path.join(dir, f), "utf8")));
        };
        const business = bodies["platform-dev-business"].widgets.flatMap(metricsOf);
        let metrics = 0;
        for (const line of business) {
            if (typeof line[0] === "string") {
                assert.ok(namespaces.has(line[0]), `namespace ${line[0]}`);
                assert.equal(line[2], "service");
                assert.ok(emitted(line[3], line[1]), `${line[3]} emits ${line[1]}`);
                metrics++;
            } else if (line[0].expression.startsWith("SEARCH")) {
                const [, ns, metricName, service] = /\{"([^"]+)",currency,service\} MetricName="(\w+)" service="([\w-]+)"/
                    .exec(line[0].expression)!
                    .map(String);
                assert.ok(namespaces.has(ns), `namespace ${ns}`);
                assert.ok(emitted(service, metricName), `${service} emits ${metricName}`);
            }
        }
        assert.ok(metrics >= 10);
        for (const k of mod.BUSINESS_KPIS) {
            for (const m of k.metrics) {
                assert.ok(emitted(k.service, m), `${k.service} emits ${m}`);
            }
        }
        assert.ok(emitted(mod.ORDER_VALUE.service, mod.ORDER_VALUE.metricName));
    });

    it("shows the CloudTrail metric filters and the state of their alarms on the security dashboard", function () {
        const security = bodies["platform-dev-security"];
        // The CloudTrail filters (the API's 429 filter on its access log charts nowhere here).
        const filters = run
            .ofType(FILTER)
            .map((f) => f.inputs.metricTransformation)
            .filter((f) => String(f.namespace).endsWith("/Security"));
        assert.ok(filters.length >= 6, "the CloudTrail filters");
        const charted = security.widgets.flatMap(metricsOf).filter((l) => typeof l[0] === "string" && l[0].endsWith("/Security"));
        assert.deepEqual(charted.map((l) => `${l[0]}/${l[1]}`).sort(), filters.map((f) => `${f.namespace}/${f.name}`).sort());
        const alarmWidget = security.widgets.find((w) => w.type === "alarm");
        const securityAlarms = run.ofType(ALARM).filter((a) => a.inputs.namespace === "platform-dev/Security" && !a.name.endsWith("-escalated"));
        assert.deepEqual([...alarmWidget!.properties.alarms].sort(), securityAlarms.map((a) => a.outputs.arn).sort());
    });

    it("rejects components that would leave a chart empty, ambiguous or a KPI without its service, naming them", function () {
        type Monitored = import("../../components/monitorable").Monitored;
        // Stand-ins for the platform's components: each gives the dashboards what it owns.
        class Part {
            constructor(public readonly monitored: Monitored) {}
        }
        const fn = (label: string) =>
            new Part({
                functions: [{ label, name: `platform-dev-${label}` }],
                deadLetterQueues: [{ label: `${label} DLQ`, name: `platform-dev-${label}-dlq` }],
            });
        const workload = ["api", "email-worker", "search-indexer", "ses-feedback"].map(fn);
        const queues = new Part({
            queues: [{ label: "email", name: "platform-dev-messaging-email" }],
            deadLetterQueues: [{ label: "email DLQ", name: "platform-dev-messaging-email-dlq" }],
            topics: [{ label: "events", name: "platform-dev-events" }],
        });
        const table = new Part({ table: { name: "platform-dev-orders" } });
        const rest = [
            new Part({ restApi: { name: "api", stage: "v1", cacheEnabled: false } }),
            table,
            new Part({ distribution: { id: "E123" }, webAcls: [{ scope: "CLOUDFRONT", metricName: "edge-acl" }] }),
            new Part({ webAcls: [{ scope: "REGIONAL", metricName: "api-acl" }] }),
            new Part({ searchCollection: { name: "platform-dev-search", id: "abc" } }),
            new Part({ userPool: { id: `${REGION}_abc`, signInClientId: "client" } }),
        ];
        const security = (count: number) =>
            new Part({
                securityEvents: {
                    namespace: "platform-dev/Security",
                    metrics: [
                        {
                            id: "root-account-usage",
                            metricName: "RootAccountUsage",
                            severity: "critical" as const,
                            alarmArn: pulumi.output("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x"),
                        },
                    ].slice(0, count),
                },
            });
        const args = (components: Part[]) => ({ context: testContext(), kpiNamespace: "platform-dev", components });
        const good = [queues, ...workload, ...rest, security(1)];
        assert.doesNotThrow(() => new mod.Dashboards("good", args(good)));
        const cases: [string, Part[], RegExp][] = [
            ["no-api", [queues, ...workload.slice(1), ...rest, security(1)], /argument "components".*functions must include "api"/],
            [
                "no-dlq",
                [
                    new Part({ ...queues.monitored, deadLetterQueues: [] }),
                    new Part({ functions: [{ label: "api", name: "f" }] }),
                    ...workload.slice(1).map((w) => new Part({ functions: w.monitored.functions })),
                    ...rest,
                    security(1),
                ],
                /at least one dead-letter queue/,
            ],
            ["two-tables", [...good, table], /exactly one table between them.*6: Part, 12: Part each give one/],
            ["no-distribution", good.filter((c) => c.monitored.distribution === undefined), /exactly one distribution between them.*none gives one/],
            ["no-regional-acl", good.filter((c) => !c.monitored.webAcls?.some((w) => w.scope === "REGIONAL")), /exactly one REGIONAL web ACL/],
            ["same-label", [...good, fn("api")], /one function per label on a chart; "api" is given twice/],
            ["no-filters", [queues, ...workload, ...rest, security(0)], /at least one CloudTrail metric filter/],
        ];
        for (const [name, components, error] of cases) {
            assert.throws(() => new mod.Dashboards(name, args(components)), error, name);
        }
        assert.throws(() => new mod.Dashboards("bad-namespace", { ...args(good), kpiNamespace: "has space" }), /argument "kpiNamespace"/);
    });

    it("serializes metric lines as CloudWatch reads them", async function () {
        const body = JSON.parse(
            await valueOf(
                mod.dashboardBody([
                    mod.chart("t", REGION, [
                        mod.metric("AWS/SQS", "NumberOfMessagesSent", { QueueName: "q" }, "Sum", { id: "a", visible: false }),
                        mod.expression("e", "twice", "2 * a"),
                    ]),
                    { type: "text", markdown: "# hi" },
                    mod.chart("u", REGION, []),
                ]),
            ),
        );
        assert.deepEqual(body.widgets[0].properties.metrics, [
            ["AWS/SQS", "NumberOfMessagesSent", "QueueName", "q", { stat: "Sum", id: "a", visible: false }],
            [{ expression: "2 * a", label: "twice", id: "e" }],
        ]);
        assert.deepEqual(
            body.widgets.map((w: any) => [w.x, w.y, w.width]),
            [
                [0, 0, 12],
                [0, 6, 24],
                [0, 8, 12],
            ],
        );
        assert.equal(json(JSON.stringify(body)).widgets.length, 3);
    });
});
