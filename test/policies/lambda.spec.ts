import { FUNCTION_RUNTIME } from "../../components/defaults/lambda";
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const FN = "aws:lambda/function:Function";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const GOOD_FN = { runtime: "nodejs22.x", timeout: 10, memorySize: 256, reservedConcurrentExecutions: 5, tracingConfig: { mode: "Active" } };
const fn = (name: string, props: Record<string, unknown> = GOOD_FN): Res => ({ type: FN, name, props });
const topic: Res = { type: TOPIC, name: "critical", props: { kmsMasterKeyId: "k", tags: { severity: "critical" } } };
const errorsAlarm = (name: string, target: string, extra: Partial<Res> = {}): Res => ({
    type: ALARM,
    name,
    props: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: U }, alarmActions: [U] },
    deps: { dimensions: [target], alarmActions: ["critical"] },
    ...extra,
});

describe("policies: Lambda", () => {
    describe("lambda-supported-runtime", () => {
        it("reports a deprecated runtime with the value and the fix", () => {
            const [v] = checkResource("lambda-supported-runtime", fn("old", { runtime: "nodejs16.x" }));
            expect(v.message).to.contain('aws.lambda.Function "old": runtime is "nodejs16.x"').and.contain("Fix:");
            expect(v.level).to.equal("advisory");
        });
        it("accepts a supported runtime and container images", () => {
            expect(checkResource("lambda-supported-runtime", fn("ok"))).to.deep.equal([]);
            expect(checkResource("lambda-supported-runtime", fn("img", { packageType: "Image" }))).to.deep.equal([]);
        });
        it("by default allows the runtime the platform's functions run on and refuses those AWS deprecated (one list, components/defaults/lambda.ts)", () => {
            expect(checkResource("lambda-supported-runtime", fn("ours", { ...GOOD_FN, runtime: FUNCTION_RUNTIME }))).to.deep.equal([]);
            for (const runtime of ["nodejs20.x", "dotnet8", "provided.al2", "python3.11"]) {
                expect(checkResource("lambda-supported-runtime", fn(runtime, { ...GOOD_FN, runtime }))[0]?.message).to.contain(`runtime is "${runtime}"`);
            }
        });
        it("suggests the newest allowed runtime of the function's own family, whatever order the allow-list is in", () => {
            const fix = (runtime: string, allowedRuntimes?: string[]) =>
                checkResource(
                    "lambda-supported-runtime",
                    fn(runtime, { ...GOOD_FN, runtime }),
                    allowedRuntimes ? { config: { allowedRuntimes } } : {},
                )[0].message.split("Fix: ")[1];
            expect(fix("nodejs20.x")).to.contain('such as "nodejs24.x"');
            expect(fix("python3.9")).to.contain('such as "python3.14"');
            expect(fix("java11")).to.contain('such as "java25"');
            expect(fix("provided.al2")).to.contain('such as "provided.al2023"');
            expect(fix("nodejs18.x", ["nodejs24.x", "provided.al2023", "nodejs22.x"])).to.contain('such as "nodejs24.x"');
            expect(fix("python3.12", ["python3.9.1", "python3.13"])).to.contain('such as "python3.13"');
            // No runtime of its family is allowed: the newest allowed of any family.
            expect(fix("go1.x", ["nodejs22.x", "python3.13"])).to.contain("such as");
        });
        it("takes the allow-list from config (allowedRuntimes)", () => {
            const vs = checkResource("lambda-supported-runtime", fn("ok"), { config: { allowedRuntimes: ["nodejs24.x"] } });
            expect(vs[0].message).to.contain("expected one of nodejs24.x");
        });
        it("defers an unknown runtime to @pulumi/policy (advisory can't-run)", () => {
            const vs = checkResource("lambda-supported-runtime", fn("u", { runtime: U }), { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["u:advisory"]);
            expect(vs[0].message).to.contain("can't run");
        });
    });

    describe("lambda-xray-active", () => {
        it("reports missing or PassThrough tracing", () => {
            expect(checkResource("lambda-xray-active", fn("a", {}))[0].message).to.contain('tracingConfig.mode is not set, expected "Active"');
            expect(checkResource("lambda-xray-active", fn("b", { tracingConfig: { mode: "PassThrough" } }))[0].message).to.contain('"PassThrough"');
        });
        it("accepts Active", () => expect(checkResource("lambda-xray-active", fn("ok"))).to.deep.equal([]));
    });

    describe("lambda-reserved-concurrency", () => {
        it("reports no reserved concurrency, and -1", () => {
            expect(checkResource("lambda-reserved-concurrency", fn("a", {}))).to.have.length(1);
            expect(checkResource("lambda-reserved-concurrency", fn("b", { reservedConcurrentExecutions: -1 }))[0].message).to.contain("is -1");
        });
        it("accepts 0 and above, and an unknown value", () => {
            expect(checkResource("lambda-reserved-concurrency", fn("a", { reservedConcurrentExecutions: 0 }))).to.deep.equal([]);
            expect(checkResource("lambda-reserved-concurrency", fn("b", { reservedConcurrentExecutions: U }))).to.deep.equal([]);
        });
    });

    describe("lambda-explicit-timeout-memory", () => {
        it("reports each missing setting", () => {
            const vs = checkResource("lambda-explicit-timeout-memory", fn("a", { timeout: 3 }));
            expect(vs.map((v) => v.message.split(": ")[1])).to.deep.equal(["memorySize is not set, expected an explicit value. Fix"]);
        });
        it("accepts both set", () => expect(checkResource("lambda-explicit-timeout-memory", fn("ok"))).to.deep.equal([]));
    });

    describe("lambda-async-failure-destination (stack)", () => {
        const sub = (endpointOf: string): Res => ({
            type: "aws:sns/topicSubscription:TopicSubscription",
            name: `sub-${endpointOf}`,
            props: { protocol: "lambda", endpoint: U, topic: U },
            deps: { endpoint: [endpointOf] },
        });
        it("reports an SNS-invoked function with no DLQ, at mandatory, although every value is unknown", () => {
            const vs = check("lambda-async-failure-destination", [fn("worker"), sub("worker")], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["worker:mandatory"]);
            expect(vs[0].message).to.contain('invoked asynchronously by SNS subscription "sub-worker"');
        });
        it("finds S3 notifications, EventBridge targets and permissions too", () => {
            const s3: Res = {
                type: "aws:s3/bucketNotification:BucketNotification",
                name: "n",
                props: { bucket: U, lambdaFunctions: [{ lambdaFunctionArn: U }] },
                deps: { lambdaFunctions: ["a"] },
            };
            const eb: Res = { type: "aws:cloudwatch/eventTarget:EventTarget", name: "t", props: { rule: U, arn: U }, deps: { arn: ["b"] } };
            const perm: Res = {
                type: "aws:lambda/permission:Permission",
                name: "p",
                props: { principal: "events.amazonaws.com", function: U },
                deps: { function: ["c"] },
            };
            expect(summary(check("lambda-async-failure-destination", [fn("a"), fn("b"), fn("c"), s3, eb, perm]))).to.deep.equal([
                "a:advisory",
                "b:advisory",
                "c:advisory",
            ]);
        });
        it("accepts deadLetterConfig or a FunctionEventInvokeConfig onFailure destination, and ignores sync-only functions", () => {
            const eic: Res = {
                type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                name: "eic",
                props: { functionName: U, destinationConfig: { onFailure: { destination: U } } },
                deps: { functionName: ["w2"] },
            };
            const vs = check("lambda-async-failure-destination", [
                fn("w1", { ...GOOD_FN, deadLetterConfig: { targetArn: U } }),
                sub("w1"),
                fn("w2"),
                sub("w2"),
                eic,
                fn("api"),
            ]);
            expect(vs).to.deep.equal([]);
        });
    });

    describe("lambda-esm-failure-handling", () => {
        const esm = (props: Record<string, unknown>): Res => ({
            type: "aws:lambda/eventSourceMapping:EventSourceMapping",
            name: "m",
            props: { functionName: U, eventSourceArn: U, ...props },
        });
        it("reports a stream mapping without an on-failure destination", () => {
            const vs = checkResource(
                "lambda-esm-failure-handling",
                esm({ startingPosition: "LATEST", functionResponseTypes: ["ReportBatchItemFailures"], maximumRetryAttempts: 3 }),
            );
            expect(summary(vs)).to.deep.equal(["m:advisory"]);
            expect(vs[0].message).to.contain("destinationConfig.onFailure.destinationArn is not set");
        });
        it("accepts a stream mapping with a destination, and an SQS mapping that reports batch item failures", () => {
            expect(
                checkResource(
                    "lambda-esm-failure-handling",
                    esm({
                        startingPosition: "LATEST",
                        destinationConfig: { onFailure: { destinationArn: U } },
                        functionResponseTypes: ["ReportBatchItemFailures"],
                        maximumRetryAttempts: 3,
                    }),
                ),
            ).to.deep.equal([]);
            expect(
                checkResource(
                    "lambda-esm-failure-handling",
                    esm({ eventSourceArn: "arn:aws:sqs:us-east-1:1:q", functionResponseTypes: ["ReportBatchItemFailures"] }),
                ),
            ).to.deep.equal([]);
        });
        it("adds advisory-only notes for batch failure reporting and retries even when mandatory", () => {
            const vs = checkResource(
                "lambda-esm-failure-handling",
                esm({ startingPosition: "TRIM_HORIZON", destinationConfig: { onFailure: { destinationArn: U } } }),
                { level: "mandatory" },
            );
            expect(summary(vs)).to.deep.equal(["m:advisory", "m:advisory"]);
        });
    });

    describe("lambda-sqs-visibility-timeout (stack)", () => {
        const stack = (vis: unknown, timeout: unknown): Res[] => [
            { type: "aws:sqs/queue:Queue", name: "q", props: { visibilityTimeoutSeconds: vis } },
            fn("f", { ...GOOD_FN, timeout }),
            {
                type: "aws:lambda/eventSourceMapping:EventSourceMapping",
                name: "m",
                props: { eventSourceArn: U, functionName: U },
                deps: { eventSourceArn: ["q"], functionName: ["f"] },
            },
        ];
        it("reports a queue whose visibility timeout is under 6 x the function timeout, linked only through unknown ARNs", () => {
            const vs = check("lambda-sqs-visibility-timeout", stack(30, 10), { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["q:mandatory"]);
            expect(vs[0].message).to.contain("visibilityTimeoutSeconds is 30, expected >= 60");
        });
        it("accepts 6 x, and uses the configured factor", () => {
            expect(check("lambda-sqs-visibility-timeout", stack(60, 10))).to.deep.equal([]);
            expect(summary(check("lambda-sqs-visibility-timeout", stack(60, 10), { config: { factor: 7 } }))).to.deep.equal(["q:advisory"]);
        });
    });

    describe("lambda-sqs-maximum-concurrency (stack)", () => {
        const ESM_T = "aws:lambda/eventSourceMapping:EventSourceMapping";
        const stack = (reserved: unknown, scalingConfig?: unknown, source: "queue" | "literal" | "stream" = "queue"): Res[] => [
            { type: "aws:sqs/queue:Queue", name: "q", props: { arn: U } },
            fn("worker", { ...GOOD_FN, reservedConcurrentExecutions: reserved }),
            {
                type: ESM_T,
                name: "m",
                props: {
                    eventSourceArn:
                        source === "literal"
                            ? "arn:aws:sqs:eu-west-1:123456789012:jobs"
                            : source === "stream"
                              ? "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x"
                              : U,
                    functionName: U,
                    ...(scalingConfig === undefined ? {} : { scalingConfig }),
                },
                deps: { ...(source === "queue" ? { eventSourceArn: ["q"] } : {}), functionName: ["worker"] },
            },
        ];
        it("reports a queue mapping without maximumConcurrency, or one above the reservation, naming the fix", () => {
            const [missing] = check("lambda-sqs-maximum-concurrency", stack(5), { level: "mandatory" });
            expect(missing?.message).to.contain("scalingConfig.maximumConcurrency is not set, expected 2 to 5").and.contain("maximumConcurrency: 4");
            expect(summary(check("lambda-sqs-maximum-concurrency", stack(5, { maximumConcurrency: 6 })))).to.deep.equal(["m:advisory"]);
            expect(summary(check("lambda-sqs-maximum-concurrency", stack(10, {}, "literal")))).to.deep.equal(["m:advisory"]);
        });
        it("reports a reservation below 2, which no maximumConcurrency fits", () => {
            expect(check("lambda-sqs-maximum-concurrency", stack(1, { maximumConcurrency: 2 }))[0]?.message).to.contain("reserve at least 3");
        });
        it("accepts 2 up to the reservation, an unreserved function, and a mapping that is not from SQS", () => {
            expect(check("lambda-sqs-maximum-concurrency", stack(5, { maximumConcurrency: 4 }))).to.deep.equal([]);
            expect(check("lambda-sqs-maximum-concurrency", stack(5, { maximumConcurrency: 5 }))).to.deep.equal([]);
            expect(check("lambda-sqs-maximum-concurrency", stack(undefined))).to.deep.equal([]);
            expect(check("lambda-sqs-maximum-concurrency", stack(5, undefined, "stream"))).to.deep.equal([]);
        });
        it("says it cannot judge, rather than passing or failing, while the reservation or the maximum is unknown", () => {
            for (const s of [stack(U, { maximumConcurrency: 4 }), stack(5, { maximumConcurrency: U })]) {
                const vs = check("lambda-sqs-maximum-concurrency", s, { level: "mandatory" });
                expect(vs.map((v) => [v.level, v.message])).to.deep.equal([
                    [
                        "advisory",
                        "can't run policy 'lambda-sqs-maximum-concurrency' during preview: string value at .m.scalingConfig.maximumConcurrency can't be known during preview",
                    ],
                ]);
            }
        });
    });

    describe("lambda-provisioned-concurrency-scaled (stack)", () => {
        const PC = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig";
        const TARGET = "aws:appautoscaling/target:Target";
        const POLICY = "aws:appautoscaling/policy:Policy";
        const alias: Res = { type: "aws:lambda/alias:Alias", name: "live", props: { name: "live", functionName: U }, deps: { functionName: ["api"] } };
        const pc: Res = {
            type: PC,
            name: "pc",
            props: { functionName: U, qualifier: U, provisionedConcurrentExecutions: 2 },
            deps: { functionName: ["api"], qualifier: ["live"] },
        };
        const target = (deps: string[] = ["api", "live"], resourceId: unknown = U): Res => ({
            type: TARGET,
            name: "t",
            props: { serviceNamespace: "lambda", scalableDimension: "lambda:function:ProvisionedConcurrency", resourceId, minCapacity: 2, maxCapacity: 50 },
            deps: { resourceId: deps },
        });
        const tracking = (policyType = "TargetTrackingScaling"): Res => ({
            type: POLICY,
            name: "p",
            props: { policyType, resourceId: U },
            deps: { resourceId: ["t"] },
        });
        it("reports a fixed allocation with no scalable target, and a target on another alias", () => {
            const [v] = check("lambda-provisioned-concurrency-scaled", [fn("api"), alias, pc]);
            expect(v?.message).to.contain("is a fixed allocation").and.contain("aws.appautoscaling.Target");
            const other: Res = { ...alias, name: "canary" };
            expect(summary(check("lambda-provisioned-concurrency-scaled", [fn("api"), alias, other, pc, target(["api", "canary"]), tracking()]))).to.deep.equal(
                ["pc:advisory"],
            );
        });
        it("reports a target with only a step or scheduled policy: nothing tracks the load", () => {
            const [v] = check("lambda-provisioned-concurrency-scaled", [fn("api"), alias, pc, target(), tracking("StepScaling")]);
            expect(v?.message).to.contain("no TargetTrackingScaling policy");
        });
        it("accepts target tracking on the allocation's alias, by dependency or by known names", () => {
            expect(check("lambda-provisioned-concurrency-scaled", [fn("api"), alias, pc, target(), tracking()])).to.deep.equal([]);
            const named: Res = { type: PC, name: "pc", props: { functionName: "orders-api", qualifier: "live", provisionedConcurrentExecutions: 2 } };
            const namedTarget = target([], "function:orders-api:live");
            const namedPolicy: Res = { type: POLICY, name: "p", props: { policyType: "TargetTrackingScaling", resourceId: "function:orders-api:live" } };
            expect(check("lambda-provisioned-concurrency-scaled", [named, namedTarget, namedPolicy])).to.deep.equal([]);
            expect(summary(check("lambda-provisioned-concurrency-scaled", [named, target([], "function:orders-api:canary"), namedPolicy]))).to.deep.equal([
                "pc:advisory",
            ]);
        });
    });

    describe("lambda-env-kms", () => {
        it("reports environment variables without a key", () => {
            expect(checkResource("lambda-env-kms", fn("a", { environment: { variables: { A: "1" } } }))[0].message).to.contain("kmsKeyArn is not set");
        });
        it("accepts a key (even unknown) or no variables", () => {
            expect(checkResource("lambda-env-kms", fn("a", { environment: { variables: { A: "1" } }, kmsKeyArn: U }))).to.deep.equal([]);
            expect(checkResource("lambda-env-kms", fn("b", {}))).to.deep.equal([]);
        });
    });

    describe("lambda-permission-scoped", () => {
        const perm = (props: Record<string, unknown>): Res => ({
            type: "aws:lambda/permission:Permission",
            name: "p",
            props: { action: "lambda:InvokeFunction", function: U, ...props },
        });
        it("reports * and an unscoped service principal, at mandatory by default", () => {
            expect(summary(checkResource("lambda-permission-scoped", perm({ principal: "*" })))).to.deep.equal(["p:mandatory"]);
            expect(checkResource("lambda-permission-scoped", perm({ principal: "s3.amazonaws.com" }))[0].message).to.contain("sourceArn is not set");
        });
        it("accepts a scoped service principal and an account", () => {
            expect(checkResource("lambda-permission-scoped", perm({ principal: "s3.amazonaws.com", sourceArn: U }))).to.deep.equal([]);
            expect(checkResource("lambda-permission-scoped", perm({ principal: "123456789012" }))).to.deep.equal([]);
        });
    });

    describe("lambda-url-auth", () => {
        const url = (t: string): Res => ({ type: "aws:lambda/functionUrl:FunctionUrl", name: "u", props: { functionName: "f", authorizationType: t } });
        it("reports NONE", () =>
            expect(checkResource("lambda-url-auth", url("NONE"))[0].message).to.contain('authorizationType is "NONE", expected "AWS_IAM"'));
        it("accepts AWS_IAM and allow-listed URLs (allowedPublicUrls)", () => {
            expect(checkResource("lambda-url-auth", url("AWS_IAM"))).to.deep.equal([]);
            expect(checkResource("lambda-url-auth", url("NONE"), { config: { allowedPublicUrls: ["u"] } })).to.deep.equal([]);
            expect(checkResource("lambda-url-auth", url("NONE"), { config: { allowedPublicUrls: ["f"] } })).to.deep.equal([]);
        });
    });

    describe("lambda-log-group-managed (stack)", () => {
        const group = (deps?: Record<string, string[]>, name: unknown = U): Res => ({
            type: "aws:cloudwatch/logGroup:LogGroup",
            name: "lg",
            props: { name, retentionInDays: 30 },
            deps,
        });
        it("reports a function without a log group, at mandatory with unknown names", () => {
            expect(summary(check("lambda-log-group-managed", [fn("f"), group()], { level: "mandatory" }))).to.deep.equal(["f:mandatory"]);
        });
        it("accepts a log group named from the function, loggingConfig.logGroup, or matching literal names", () => {
            expect(check("lambda-log-group-managed", [fn("f"), group({ name: ["f"] })])).to.deep.equal([]);
            expect(
                check("lambda-log-group-managed", [
                    { ...fn("f"), props: { ...GOOD_FN, loggingConfig: { logGroup: U } }, deps: { loggingConfig: ["lg"] } },
                    group(),
                ]),
            ).to.deep.equal([]);
            expect(check("lambda-log-group-managed", [fn("f", { ...GOOD_FN, name: "orders" }), group(undefined, "/aws/lambda/orders")])).to.deep.equal([]);
        });
    });

    describe("lambda-errors-alarm (stack)", () => {
        it("reports a function with no Errors alarm, at mandatory, with all values unknown", () => {
            const vs = check("lambda-errors-alarm", [fn("f"), fn("g"), topic, errorsAlarm("g-errors", "g")], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["f:mandatory"]);
        });
        it("reports an Errors alarm that does not go to a severity topic", () => {
            const plain: Res = { type: TOPIC, name: "plain", props: {} };
            const vs = check("lambda-errors-alarm", [fn("f"), plain, errorsAlarm("e", "f", { deps: { dimensions: ["f"], alarmActions: ["plain"] } })]);
            expect(vs[0].message).to.contain("none sends to an SNS topic tagged severity=critical|warning|info");
        });
        it("accepts an alarm linked through propertyDependencies, or by a known function name", () => {
            expect(check("lambda-errors-alarm", [fn("f"), topic, errorsAlarm("e", "f")])).to.deep.equal([]);
            const byName: Res = {
                type: ALARM,
                name: "e",
                props: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "orders" }, alarmActions: [U] },
                deps: { alarmActions: ["critical"] },
            };
            expect(check("lambda-errors-alarm", [fn("f", { ...GOOD_FN, name: "orders" }), topic, byName])).to.deep.equal([]);
        });
        it("takes the severity tag key and values from config", () => {
            const t: Res = { type: TOPIC, name: "critical", props: { tags: { level: "p1" } } };
            expect(
                check("lambda-errors-alarm", [fn("f"), t, errorsAlarm("e", "f")], { config: { severityTagKey: "level", severityValues: ["p1"] } }),
            ).to.deep.equal([]);
            expect(check("lambda-errors-alarm", [fn("f"), t, errorsAlarm("e", "f")])).to.have.length(1);
        });
    });

    describe("lambda-throttles-alarm (stack)", () => {
        it("is disabled in the dev profile and reports a reserved function without a Throttles alarm when enabled", () => {
            expect(check("lambda-throttles-alarm", [fn("f")])).to.deep.equal([]);
            expect(summary(check("lambda-throttles-alarm", [fn("f")], { level: "mandatory" }))).to.deep.equal(["f:mandatory"]);
        });
        it("accepts a Throttles alarm, and functions without reserved concurrency", () => {
            const t = errorsAlarm("t", "f");
            t.props = { ...t.props, metricName: "Throttles" };
            expect(check("lambda-throttles-alarm", [fn("f"), topic, t], { level: "advisory" })).to.deep.equal([]);
            expect(check("lambda-throttles-alarm", [fn("f", { runtime: "nodejs22.x" })], { level: "advisory" })).to.deep.equal([]);
        });
    });
});
