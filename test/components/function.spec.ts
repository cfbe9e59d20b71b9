import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ACCOUNT, MockRun, Recorded, installMocks, list, statementsBySid, testContext, functionTestArgs, ECHO_HANDLER } from "./harness";

const FIXTURE = ECHO_HANDLER;
const KEY = (k: string) => `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${k}`;

describe("Function component", function () {
    let run: MockRun;
    let fnMod: typeof import("../../components/function");
    let queueMod: typeof import("../../components/queue-with-dlq");
    let alertMod: typeof import("../../components/alerting");
    let args: (over?: Partial<import("../../components/function").FunctionArgs>) => import("../../components/function").FunctionArgs;

    const child = (type: string, name: string): Recorded => run.one(type, name);
    const alarm = (name: string) => child("aws:cloudwatch/metricAlarm:MetricAlarm", name);
    const topicUrn = (sev: string) => child("aws:sns/topic:Topic", `alerts-${sev}`).urn;

    before(async function () {
        run = installMocks();
        fnMod = await import("../../components/function");
        queueMod = await import("../../components/queue-with-dlq");
        alertMod = await import("../../components/alerting");
        const ctx = testContext();
        const alerting = new alertMod.Alerting("alerts", { context: ctx, kmsKeyArn: KEY("messaging"), emails: ["a@example.com"], escalationMinutes: 15 });
        args = (over = {}) => functionTestArgs(ctx, alerting.routing, { reservedConcurrency: 7, ...over });
        const queue = new queueMod.QueueWithDlq("jobs", {
            context: ctx,
            kmsKey: KEY("messaging"),
            consumerTimeoutSeconds: 10,
            maxReceiveCount: 5,
            maxAgeSeconds: 600,
            routing: alerting.routing,
        });
        new fnMod.Function("worker", {
            ...args(),
            environment: { TABLE_NAME: "orders" },
            queueSources: [queue],
            streamSources: [
                {
                    name: "orders-stream",
                    tableArn: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`,
                    streamArn: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/stream/1`,
                    kmsKey: KEY("data"),
                },
            ],
            grants: [{ sid: "ReadOrders", actions: ["dynamodb:GetItem"], resources: [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`] }],
        });
        new fnMod.Function("mailer", {
            ...args(),
            environment: { POWERTOOLS_METRICS_NAMESPACE: "platform-dev" },
            metricsNamespace: "platform-dev",
            metricAlarms: [
                { metricName: "EmailDeliveryUncertain", threshold: 0, severity: "warning", description: "See docs/runbooks/email-delivery.md." },
                {
                    metricName: "OrdersCreated",
                    threshold: 1000,
                    severity: "info",
                    description: "Unusual order volume.",
                    periodSeconds: 300,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                },
            ],
        });
        await run.settle();
    });

    it("deploys an esbuild bundle on nodejs24.x/arm64 with tracing, explicit limits and an encrypted environment", function () {
        const fn = child("aws:lambda/function:Function", "worker-function");
        assert.equal(fn.inputs.runtime, "nodejs24.x");
        assert.deepEqual(fn.inputs.architectures, ["arm64"]);
        assert.deepEqual(fn.inputs.tracingConfig, { mode: "Active" });
        assert.equal(fn.inputs.timeout, 10);
        assert.equal(fn.inputs.memorySize, 256);
        assert.equal(fn.inputs.reservedConcurrentExecutions, 7);
        assert.equal(fn.inputs.kmsKeyArn, KEY("data"));
        assert.equal(fn.inputs.environment.variables.TABLE_NAME, "orders");
        assert.equal(fn.inputs.publish, true);
        assert.match(fn.inputs.tags["source-sha256"], /^[0-9a-f]{64}$/);
        assert.match(fn.inputs.description, /bundle sha256 [0-9a-f]{16}/);
        assert.equal(fn.parentUrn.split("::").pop(), "worker");
    });

    it("bundles deterministically: the same source gives the same hash and bytes", async function () {
        const { bundleHandler } = await import("../../components/bundle");
        const a = await bundleHandler(FIXTURE);
        const b = await bundleHandler(path.relative(process.cwd(), FIXTURE));
        assert.equal(a, b, "one build per entry per process");
        assert.match(a.code, /handler/);
        const fn = child("aws:lambda/function:Function", "worker-function");
        assert.equal(fn.inputs.tags["source-sha256"], a.sha256);
    });

    it("logs to its own KMS-encrypted log group with retention, in JSON", function () {
        const lg = child("aws:cloudwatch/logGroup:LogGroup", "worker-logs");
        assert.equal(lg.inputs.name, "/aws/lambda/platform-dev-worker");
        assert.equal(lg.inputs.retentionInDays, 30);
        assert.equal(lg.inputs.kmsKeyId, KEY("logs"));
        const fn = child("aws:lambda/function:Function", "worker-function");
        assert.equal(fn.inputs.loggingConfig.logGroup, "/aws/lambda/platform-dev-worker");
        assert.deepEqual(fn.propertyDependencies.loggingConfig, [lg.urn]);
    });

    it("sends failed asynchronous invocations to an encrypted 14-day DLQ", function () {
        const dlq = child("aws:sqs/queue:Queue", "worker-dlq");
        assert.equal(dlq.inputs.kmsMasterKeyId, KEY("messaging"));
        assert.equal(dlq.inputs.messageRetentionSeconds, 14 * 86400);
        const fn = child("aws:lambda/function:Function", "worker-function");
        assert.deepEqual(fn.propertyDependencies.deadLetterConfig, [dlq.urn]);
    });

    it("has a live alias that every event source mapping targets", function () {
        const alias = child("aws:lambda/alias:Alias", "worker-live");
        assert.equal(alias.inputs.name, "live");
        const esms = run.ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
        assert.equal(esms.length, 2);
        for (const m of esms) {
            assert.deepEqual(m.propertyDependencies.functionName, [alias.urn], m.name);
            assert.deepEqual(m.inputs.functionResponseTypes, ["ReportBatchItemFailures"], m.name);
        }
        const sqsMapping = child("aws:lambda/eventSourceMapping:EventSourceMapping", "worker-jobs-source");
        assert.deepEqual(sqsMapping.propertyDependencies.eventSourceArn, [child("aws:sqs/queue:Queue", "jobs-queue").urn]);
        const stream = child("aws:lambda/eventSourceMapping:EventSourceMapping", "worker-orders-stream-source");
        assert.equal(stream.inputs.bisectBatchOnFunctionError, true);
        assert.equal(stream.inputs.maximumRetryAttempts, 5);
        assert.deepEqual(stream.propertyDependencies.destinationConfig, [child("aws:sqs/queue:Queue", "worker-dlq").urn]);
    });

    it("role: trusted by Lambda in this account only, with exactly the statements it needs", function () {
        const role = child("aws:iam/role:Role", "worker-role");
        assert.equal(role.inputs.name, "platform-dev-worker");
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement, [
            {
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
        ]);
        const s = statementsBySid(child("aws:iam/rolePolicy:RolePolicy", "worker-policy").inputs.policy);
        const q = `arn:aws:sqs:eu-west-1:${ACCOUNT}`;
        const expected: Record<string, { actions: string[]; resources: string[] }> = {
            WriteOwnLogs: {
                actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
                resources: [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/platform-dev-worker:log-stream:*`],
            },
            DeadLetter: { actions: ["sqs:SendMessage"], resources: [`${q}:platform-dev-worker-dlq`] },
            EncryptDeadLetters: { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [KEY("messaging")] },
            WriteTraces: { actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
            ConsumeQueues: { actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], resources: [`${q}:platform-dev-jobs`] },
            DecryptQueues: { actions: ["kms:Decrypt"], resources: [KEY("messaging")] },
            ReadStreams: {
                actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                resources: [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/stream/1`],
            },
            ListStreams: { actions: ["dynamodb:ListStreams"], resources: [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/stream/*`] },
            DecryptStreams: { actions: ["kms:Decrypt"], resources: [KEY("data")] },
            ReadOrders: { actions: ["dynamodb:GetItem"], resources: [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`] },
        };
        assert.deepEqual(Object.keys(s).sort(), Object.keys(expected).sort());
        for (const [sid, e] of Object.entries(expected)) {
            assert.equal(s[sid].Effect, "Allow");
            assert.deepEqual(list(s[sid].Action), e.actions, sid);
            assert.deepEqual(list(s[sid].Resource), e.resources, sid);
        }
    });

    it("alarms: error rate (metric math over Invocations) to critical, throttles, p99 duration and DLQ depth to warning", function () {
        const rate = alarm("worker-error-rate");
        assert.deepEqual(rate.propertyDependencies.alarmActions, [topicUrn("critical")]);
        assert.deepEqual(rate.propertyDependencies.okActions, [topicUrn("critical")]);
        const names = rate.inputs.metricQueries
            .filter((q: { metric?: unknown }) => q.metric)
            .map((q: { metric: { metricName: string } }) => q.metric.metricName);
        assert.deepEqual(names.sort(), ["Errors", "Invocations"]);
        assert.equal(rate.inputs.threshold, 5);
        assert.deepEqual(rate.propertyDependencies.metricQueries, [child("aws:lambda/function:Function", "worker-function").urn]);

        const duration = alarm("worker-duration-p99");
        assert.equal(duration.inputs.extendedStatistic, "p99");
        assert.equal(duration.inputs.threshold, 8000, "80% of a 10 s timeout");
        for (const name of ["worker-throttles", "worker-duration-p99", "worker-dlq-depth"]) {
            assert.deepEqual(alarm(name).propertyDependencies.alarmActions, [topicUrn("warning")], name);
            const twin = alarm(`${name}-escalated`);
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topicUrn("escalation")], `${name} escalates to the escalated tier's topic`);
            assert.ok(twin.inputs.evaluationPeriods * twin.inputs.period >= 15 * 60);
        }
        assert.deepEqual(alarm("worker-dlq-depth").propertyDependencies.dimensions, [child("aws:sqs/queue:Queue", "worker-dlq").urn]);
    });

    describe("alarms on its own embedded metrics", function () {
        /** What Powertools writes to stdout while `emit` runs: the EMF records CloudWatch turns into metrics. */
        const emfRecords = (
            emit: () => void,
        ): { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; [k: string]: unknown }[] => {
            const written: string[] = [];
            const write = process.stdout.write;
            process.stdout.write = ((chunk: string | Uint8Array) => (written.push(chunk.toString()), true)) as typeof process.stdout.write;
            try {
                emit();
            } finally {
                process.stdout.write = write;
            }
            return written
                .flatMap((w) => w.split("\n"))
                .filter((l) => l.includes('"_aws"'))
                .map((l) => JSON.parse(l));
        };

        it("watches exactly the namespace, metric and dimensions the worker's EMF record carries", async function () {
            const { createObservability, Kpi } = await import("../../functions/shared/observability");
            // As the email worker does: service = POWERTOOLS_SERVICE_NAME (the function's name), namespace = POWERTOOLS_METRICS_NAMESPACE.
            const records = emfRecords(() => {
                const o = createObservability("mailer", "platform-dev");
                o.kpis.count(Kpi.EmailDeliveryUncertain);
                o.kpis.flush();
            });
            assert.equal(records.length, 1, "one EMF record");
            const [directive] = records[0]._aws.CloudWatchMetrics;
            assert.deepEqual(
                directive.Metrics.map((m) => m.Name),
                ["EmailDeliveryUncertain"],
            );
            assert.deepEqual(directive.Dimensions, [["service"]]);
            assert.equal(records[0].service, "mailer");
            assert.equal(records[0].EmailDeliveryUncertain, 1);

            const a = alarm("mailer-email-delivery-uncertain");
            assert.equal(a.inputs.namespace, directive.Namespace);
            assert.equal(a.inputs.metricName, directive.Metrics[0].Name);
            assert.deepEqual(a.inputs.dimensions, { service: records[0].service }, "CloudWatch matches a metric only on its exact dimension set");
            const fn = child("aws:lambda/function:Function", "mailer-function");
            assert.equal(fn.inputs.environment.variables.POWERTOOLS_SERVICE_NAME, a.inputs.dimensions.service);
        });

        it("fires on the first breaching minute, routed by severity: a warning with its escalation twin, an info without", function () {
            const a = alarm("mailer-email-delivery-uncertain");
            assert.equal(a.inputs.statistic, "Sum");
            assert.equal(a.inputs.comparisonOperator, "GreaterThanThreshold");
            assert.equal(a.inputs.threshold, 0);
            assert.equal(a.inputs.period, 60);
            assert.equal(a.inputs.evaluationPeriods, 1);
            assert.equal(a.inputs.datapointsToAlarm, 1);
            assert.equal(a.inputs.treatMissingData, "notBreaching", "no uncertain send is no incident");
            assert.match(
                a.inputs.alarmDescription,
                /^\[warning\] platform-dev-mailer: EmailDeliveryUncertain above 0\. See docs\/runbooks\/email-delivery\.md\.$/,
            );
            assert.deepEqual(a.propertyDependencies.alarmActions, [topicUrn("warning")]);
            assert.deepEqual(alarm("mailer-email-delivery-uncertain-escalated").propertyDependencies.alarmActions, [topicUrn("escalation")]);

            const volume = alarm("mailer-orders-created");
            assert.deepEqual([volume.inputs.period, volume.inputs.evaluationPeriods, volume.inputs.datapointsToAlarm], [300, 3, 2]);
            assert.deepEqual(volume.propertyDependencies.alarmActions, [topicUrn("info")]);
            assert.equal(run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((x) => x.name === "mailer-orders-created-escalated").length, 0);
            assert.equal(
                run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((x) => x.name.startsWith("worker-") && x.inputs.namespace === "platform-dev")
                    .length,
                0,
                "no metricAlarms, no embedded-metric alarms",
            );
        });

        const alarmArgs = (over: Partial<import("../../components/function").EmbeddedMetricAlarm> = {}) => ({
            environment: { POWERTOOLS_METRICS_NAMESPACE: "platform-dev" },
            metricsNamespace: "platform-dev",
            metricAlarms: [{ metricName: "EmailDeliveryUncertain", threshold: 0, severity: "warning" as const, description: "Look.", ...over }],
        });
        const cases: [string, Partial<import("../../components/function").FunctionArgs>, RegExp][] = [
            ["missing namespace", { metricAlarms: alarmArgs().metricAlarms }, /argument "metricsNamespace" is undefined; .*required with metricAlarms/],
            ["AWS namespace", { ...alarmArgs(), environment: {}, metricsNamespace: "AWS/Lambda" }, /argument "metricsNamespace" is "AWS\/Lambda"/],
            [
                "namespace the handler does not emit to",
                { ...alarmArgs(), metricsNamespace: "platform-prod" },
                /argument "metricsNamespace" is "platform-prod"; allowed: the namespace the handler emits to, environment.POWERTOOLS_METRICS_NAMESPACE = "platform-dev"/,
            ],
            ["metric name", alarmArgs({ metricName: "Email Delivery" }), /argument "metricAlarms\[0\].metricName" is "Email Delivery"/],
            ["threshold", alarmArgs({ threshold: Number.NaN }), /argument "metricAlarms\[0\].threshold" is null; allowed: a finite number/],
            ["severity", alarmArgs({ severity: "page" as never }), /argument "metricAlarms\[0\].severity" is "page"; allowed: critical, warning, info/],
            ["description", alarmArgs({ description: " " }), /argument "metricAlarms\[0\].description" is " "/],
            ["period", alarmArgs({ periodSeconds: 90 }), /argument "metricAlarms\[0\].periodSeconds" is 90; allowed: 60 or a multiple of 60/],
            [
                "datapoints",
                alarmArgs({ evaluationPeriods: 2, datapointsToAlarm: 3 }),
                /argument "metricAlarms\[0\].datapointsToAlarm" is 3; allowed: a whole number from 1 to 2/,
            ],
        ];
        cases.forEach(([what, over, message], i) => {
            it(`rejects a bad ${what}, naming the argument`, function () {
                assert.throws(() => new fnMod.Function(`bad-metric-${i}`, args(over)), message);
            });
        });
        it("rejects two alarms on one metric", function () {
            const twice = alarmArgs();
            twice.metricAlarms.push({ ...twice.metricAlarms[0] });
            assert.throws(
                () => new fnMod.Function("bad-metric-twice", args(twice)),
                /argument "metricAlarms\[1\].metricName" is "EmailDeliveryUncertain"; allowed: one alarm per metric/,
            );
        });
    });

    describe("argument validation", function () {
        const cases: [string, Partial<import("../../components/function").FunctionArgs>, RegExp][] = [
            ["timeoutSeconds", { timeoutSeconds: 0 }, /argument "timeoutSeconds" is 0; allowed: a whole number from 1 to 900/],
            ["memoryMb", { memoryMb: 64 }, /argument "memoryMb" is 64; allowed: a whole number from 128 to 10240/],
            ["reservedConcurrency", { reservedConcurrency: 0 }, /argument "reservedConcurrency"/],
            ["errorRatePercent", { errorRatePercent: 101 }, /argument "errorRatePercent"/],
            ["entry", { entry: "functions/api" }, /argument "entry" is "functions\/api"; allowed: a \.ts or \.js handler/],
            [
                "grants wildcard action",
                { grants: [{ sid: "Bad", actions: ["dynamodb:*"], resources: ["arn:aws:dynamodb:eu-west-1:1:table/t"] }] },
                /action "dynamodb:\*"; allowed: exact actions/,
            ],
            ["grants wildcard resource", { grants: [{ sid: "Bad", actions: ["dynamodb:GetItem"], resources: ["*"] }] }, /resource "\*"; allowed: exact ARNs/],
            [
                "grants duplicate sid",
                { grants: [{ sid: "WriteOwnLogs", actions: ["logs:GetLogEvents"], resources: ["arn:aws:logs:eu-west-1:1:log-group:x"] }] },
                /repeats statement id "WriteOwnLogs"/,
            ],
        ];
        for (const [what, over, message] of cases) {
            it(`rejects a bad ${what}`, function () {
                assert.throws(() => new fnMod.Function(`bad-${what.replace(/\W+/g, "-").toLowerCase()}`, args(over)), message);
            });
        }
        it("rejects a name that cannot be a function name", function () {
            assert.throws(() => new fnMod.Function("Bad_Name", args()), /argument "name" is "Bad_Name"/);
        });
        it("rejects a queue whose visibility timeout is under 6 x the timeout", function () {
            const q = { name: "short", arn: undefined as never, visibilityTimeoutSeconds: 59, kmsKey: KEY("messaging") };
            assert.throws(
                () => new fnMod.Function("short-vis", args({ queueSources: [q] })),
                /argument "queueSources" is "short visibilityTimeoutSeconds=59"; .*at least 6 x timeoutSeconds \(60\)/,
            );
        });
    });
});
