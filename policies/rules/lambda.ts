// Lambda rules (1-13, 82-83).

import { narrowingKeys, permissionStatement } from "../lib/access";
import { SEVERITY_TAG_KEY, SEVERITY_TAG_VALUES } from "../../components/defaults/cloudwatch";
import { SUPPORTED_RUNTIMES } from "../../components/defaults/lambda";
import { VISIBILITY_TIMEOUT_FACTOR } from "../../components/defaults/sqs";
import type { Policies } from "../lib/policy-api";
import { alarmsFor, alarmWatches, hasAlarmAction, routesToSeverityTopic } from "../lib/alarms";
import { literalName, Node, refers, sameKnown, StackGraph } from "../lib/graph";
import { resourceRule, RuleContext, stackRule, Subject } from "../lib/rule";
import { asArray, asNumber, asRecord, asString, get, isSet, isUnknown } from "../lib/values";

export const FUNCTION = "aws:lambda/function:Function";
export const ALIAS = "aws:lambda/alias:Alias";
export const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
export const PERMISSION = "aws:lambda/permission:Permission";
export const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";
const PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig";
const SCALABLE_TARGET = "aws:appautoscaling/target:Target";
const SCALING_POLICY = "aws:appautoscaling/policy:Policy";
export const EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const SQS_QUEUE = "aws:sqs/queue:Queue";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const SCHEDULE = "aws:scheduler/schedule:Schedule";

/** Runtimes AWS still supports: the platform's own list (components/defaults/lambda.ts), so the rule and the functions agree. */
export const DEFAULT_RUNTIMES: string[] = [...SUPPORTED_RUNTIMES];

/** Does `from.<property>` point at function `fn`, directly or through one of its aliases? */
export function refersToFunction(graph: StackGraph, from: Node, property: string, fn: Node, value?: unknown): boolean {
    if (refers(from, property, fn)) {
        return true;
    }
    for (const target of graph.targets(from, property, ALIAS)) {
        if (refers(target, "functionName", fn)) {
            return true;
        }
    }
    return value !== undefined && sameKnown(value, literalName(fn), fn.props.arn);
}

function functionTimeout(fn: Node): number | "unknown" {
    if (isUnknown(fn.props.timeout)) {
        return "unknown";
    }
    return asNumber(fn.props.timeout) ?? 3; // Lambda's default
}

/**
 * An SQS mapping lets the function report which messages of a batch failed
 * (`functionResponseTypes: ["ReportBatchItemFailures"]`); without it one failure returns the whole batch to the queue.
 */
function checkSqsMapping(esm: Subject, ctx: RuleContext<object>): void {
    const types = esm.props.functionResponseTypes;
    if (isUnknown(types) || asArray(types).some(isUnknown)) {
        ctx.defer("functionResponseTypes");
    } else if (!asArray(types).includes("ReportBatchItemFailures")) {
        ctx.report(esm, {
            property: "functionResponseTypes",
            found: types,
            expected:
                '["ReportBatchItemFailures"] on an SQS mapping (without it, one failed message sends the whole batch back to the queue, to be processed again)',
            fix: 'set functionResponseTypes: ["ReportBatchItemFailures"] and have the handler return { batchItemFailures: [{ itemIdentifier: record.messageId }] } for the messages that failed',
        });
    }
}

/** The runtime family (`nodejs`, `python`, `java`, `dotnet`, `ruby`, `provided`) and its version, as numbers. */
function runtimeVersion(runtime: string): { family: string; version: number[] } {
    const m = /^([a-z]+)([\d.]*)/.exec(runtime);
    return { family: m?.[1] ?? runtime, version: (m?.[2] ?? "").split(".").filter(Boolean).map(Number) };
}

/** The newest allowed runtime of the function's own family (a Node.js function gets a Node.js runtime), else the newest allowed. */
export function replacementRuntime(runtime: unknown, allowed: string[]): string {
    const family = typeof runtime === "string" ? runtimeVersion(runtime).family : undefined;
    const same = allowed.filter((r) => runtimeVersion(r).family === family);
    const newer = (a: string, b: string) => {
        const [x, y] = [runtimeVersion(a).version, runtimeVersion(b).version];
        for (let i = 0; i < Math.max(x.length, y.length); i++) {
            if ((x[i] ?? 0) !== (y[i] ?? 0)) {
                return (x[i] ?? 0) > (y[i] ?? 0) ? a : b;
            }
        }
        return a;
    };
    return (same.length > 0 ? same : allowed).reduce(newer);
}

export function lambdaPolicies(): Policies {
    return [
        resourceRule<{ allowedRuntimes: string[] }>(
            {
                id: "lambda-supported-runtime",
                no: 1,
                service: "Lambda",
                kind: "R",
                checks: "Function runtime is in the allow-list of supported (not deprecated) runtimes.",
                why: "Deprecated runtimes stop receiving security patches and, later, cannot be updated at all.",
                anchors: "cdk-nag AwsSolutions-L1, FSBP Lambda.2, CKV_AWS_363",
                defaultLevel: "advisory",
                config: {
                    allowedRuntimes: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        minItems: 1,
                        default: DEFAULT_RUNTIMES,
                        description: "Runtimes functions may use.",
                    },
                },
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    const p = fn.props;
                    if (p.packageType === "Image") {
                        return;
                    }
                    const runtime = p.runtime;
                    if (isUnknown(runtime)) {
                        ctx.defer("runtime");
                        return;
                    }
                    const allowed = ctx.config.allowedRuntimes;
                    if (typeof runtime !== "string" || !allowed.includes(runtime)) {
                        ctx.report(fn, {
                            property: "runtime",
                            found: runtime,
                            expected: `one of ${allowed.join(", ")}`,
                            fix: `set runtime to a supported runtime such as "${replacementRuntime(runtime, allowed)}" (allow-list: policy config allowedRuntimes)`,
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-xray-active",
                no: 2,
                service: "Lambda / X-Ray",
                kind: "R",
                checks: 'Function has active X-Ray tracing (`tracingConfig.mode = "Active"`).',
                why: "Without traces a slow or failing request cannot be followed across API Gateway, Lambda and downstream services.",
                anchors: "NAG-SL LambdaTracing, CKV_AWS_50, TRV AWS-0066, PCP lambda/Function/enableTracingConfig",
                defaultLevel: "advisory",
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    const mode = get(fn.props, "tracingConfig", "mode");
                    if (isUnknown(mode)) {
                        ctx.defer("tracingConfig.mode");
                    } else if (mode !== "Active") {
                        ctx.report(fn, {
                            property: "tracingConfig.mode",
                            found: mode,
                            expected: '"Active"',
                            fix: 'set tracingConfig: { mode: "Active" } and grant xray:PutTraceSegments',
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-reserved-concurrency",
                no: 3,
                service: "Lambda",
                kind: "R",
                checks: "Function sets `reservedConcurrentExecutions` (>= 0).",
                why: "An unbounded function can exhaust the account's concurrency and throttle every other function, or overwhelm a downstream database.",
                anchors: "CKV_AWS_115, NAG-NIST LambdaConcurrency",
                defaultLevel: "advisory",
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    const v = fn.props.reservedConcurrentExecutions;
                    if (isUnknown(v)) {
                        return;
                    }
                    const n = asNumber(v);
                    if (n === undefined || n < 0) {
                        ctx.report(fn, {
                            property: "reservedConcurrentExecutions",
                            found: v,
                            expected: "a number >= 0",
                            fix: "set reservedConcurrentExecutions to the function's expected peak concurrency",
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-explicit-timeout-memory",
                no: 4,
                service: "Lambda",
                kind: "R",
                checks: "Function sets `timeout` and `memorySize` explicitly.",
                why: "The defaults (3 s, 128 MB) are rarely right; an explicit value is a decision someone made and that alarms and queue timeouts can be derived from.",
                anchors: "NAG-SL LambdaFunctionDefaultTimeout, LambdaDefaultMemorySize",
                defaultLevel: "advisory",
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    for (const property of ["timeout", "memorySize"]) {
                        if (!isSet(fn.props[property])) {
                            ctx.report(fn, { property, found: undefined, expected: "an explicit value", fix: `set ${property} explicitly` });
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "lambda-async-failure-destination",
                no: 5,
                service: "Lambda",
                kind: "S",
                checks: "Functions invoked asynchronously (SNS, S3, EventBridge, Scheduler) have `deadLetterConfig` or an `onFailure` destination.",
                why: "Lambda drops an asynchronous event after its retries fail; without a DLQ or failure destination it is lost without a trace.",
                anchors: "CKV_AWS_116, NAG-SL LambdaDLQ, LambdaAsyncFailureDestination",
                defaultLevel: "advisory",
            },
            {
                primaryType: FUNCTION,
                subjectTypes: [FUNCTION],
                validate: (graph, ctx) => {
                    const eics = graph.ofType(EVENT_INVOKE_CONFIG);
                    for (const fn of graph.ofType(FUNCTION)) {
                        const sources: string[] = [];
                        for (const s of graph.ofType(SUBSCRIPTION)) {
                            if (s.props.protocol === "lambda" && refersToFunction(graph, s, "endpoint", fn, s.props.endpoint)) {
                                sources.push(`SNS subscription "${s.name}"`);
                            }
                        }
                        for (const b of graph.ofType(BUCKET_NOTIFICATION)) {
                            const arns = asArray(b.props.lambdaFunctions).map((l) => asRecord(l)?.lambdaFunctionArn);
                            if (refersToFunction(graph, b, "lambdaFunctions", fn) || arns.some((a) => sameKnown(a, literalName(fn)))) {
                                sources.push(`S3 notification "${b.name}"`);
                            }
                        }
                        for (const t of graph.ofType(EVENT_TARGET)) {
                            if (refersToFunction(graph, t, "arn", fn, t.props.arn)) {
                                sources.push(`EventBridge target "${t.name}"`);
                            }
                        }
                        for (const t of graph.ofType(SCHEDULE)) {
                            if (refersToFunction(graph, t, "target", fn, get(t.props, "target", "arn"))) {
                                sources.push(`schedule "${t.name}"`);
                            }
                        }
                        for (const p of graph.ofType(PERMISSION)) {
                            const principal = asString(p.props.principal);
                            // aws.lambda.Permission names its function in `function` (the provider's input), not `functionName`.
                            if (
                                principal &&
                                ["sns.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com"].includes(principal) &&
                                refersToFunction(graph, p, "function", fn, p.props.function)
                            ) {
                                sources.push(`permission "${p.name}" for ${principal}`);
                            }
                        }
                        if (sources.length === 0) {
                            continue;
                        }
                        const dlq = get(fn.props, "deadLetterConfig", "targetArn");
                        const hasDestination = eics.some(
                            (e) =>
                                refersToFunction(graph, e, "functionName", fn, e.props.functionName) &&
                                isSet(get(e.props, "destinationConfig", "onFailure", "destination")),
                        );
                        if (!isSet(dlq) && !hasDestination) {
                            ctx.report(fn, {
                                property: "deadLetterConfig.targetArn",
                                problem: `is not set and no FunctionEventInvokeConfig gives it destinationConfig.onFailure, yet it is invoked asynchronously by ${[...new Set(sources)].join(", ")}`,
                                fix: "set deadLetterConfig: { targetArn: <SQS DLQ arn> } or add an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure.destination",
                            });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-esm-failure-handling",
                no: 6,
                service: "Lambda",
                kind: "R",
                checks: 'Stream event-source mappings (DynamoDB, Kinesis, Kafka) have `destinationConfig.onFailure`; SQS mappings (queue ARN, or `eventSourceArn` from an aws.sqs.Queue) have `functionResponseTypes: ["ReportBatchItemFailures"]` (their DLQ is sqs-has-dlq\'s).',
                why: "A poison record blocks a stream shard until it expires; an on-failure destination keeps the failed batch and lets the shard move on.",
                anchors: "NAG-SL LambdaEventSourceMappingDestination",
                defaultLevel: "advisory",
            },
            {
                types: [ESM],
                validate: (esm, ctx) => {
                    const p = esm.props;
                    const arn = asString(p.eventSourceArn) ?? "";
                    const stream = isSet(p.startingPosition) || /:kinesis:|:dynamodb:.*\/stream\/|:kafka:/.test(arn);
                    if (!stream) {
                        if (/^arn:aws[a-z-]*:sqs:/.test(arn)) {
                            checkSqsMapping(esm, ctx);
                        }
                        return;
                    }
                    if (!isSet(get(p, "destinationConfig", "onFailure", "destinationArn"))) {
                        ctx.report(esm, {
                            property: "destinationConfig.onFailure.destinationArn",
                            found: get(p, "destinationConfig", "onFailure", "destinationArn"),
                            expected: "an SQS queue or SNS topic ARN",
                            fix: "set destinationConfig: { onFailure: { destinationArn: <queue arn> } }",
                        });
                    }
                    if (!asArray(p.functionResponseTypes).includes("ReportBatchItemFailures") && !isUnknown(p.functionResponseTypes)) {
                        ctx.report(esm, {
                            property: "functionResponseTypes",
                            found: p.functionResponseTypes,
                            expected: '["ReportBatchItemFailures"]',
                            fix: 'set functionResponseTypes: ["ReportBatchItemFailures"] and return batchItemFailures',
                            advisoryOnly: true,
                        });
                    }
                    const retries = asNumber(p.maximumRetryAttempts);
                    if (!isUnknown(p.maximumRetryAttempts) && (retries === undefined || retries < 0)) {
                        ctx.report(esm, {
                            property: "maximumRetryAttempts",
                            found: p.maximumRetryAttempts,
                            expected: "a finite number (0-10000)",
                            fix: "set maximumRetryAttempts (and bisectBatchOnFunctionError: true)",
                            advisoryOnly: true,
                        });
                    }
                },
                stack: {
                    subjectTypes: [],
                    validate: (graph, ctx) => {
                        // A queue ARN unknown in this preview: the mapping is SQS when eventSourceArn comes from an aws.sqs.Queue.
                        for (const esm of graph.ofType(ESM)) {
                            const p = esm.props;
                            if (isUnknown(p.eventSourceArn) && !isSet(p.startingPosition) && graph.targets(esm, "eventSourceArn", SQS_QUEUE).length > 0) {
                                checkSqsMapping(esm, ctx);
                            }
                        }
                    },
                },
            },
        ),
        stackRule<{ factor: number }>(
            {
                id: "lambda-sqs-visibility-timeout",
                no: 7,
                service: "Lambda + SQS",
                kind: "S",
                checks: "A queue that feeds a function has `visibilityTimeoutSeconds` >= 6 x the function's timeout.",
                why: "With a shorter visibility timeout a message still being processed becomes visible again and is processed twice.",
                anchors: "NAG-X LambdaEventSourceSQSVisibilityTimeout",
                defaultLevel: "advisory",
                config: {
                    factor: {
                        type: "number",
                        minimum: 1,
                        default: VISIBILITY_TIMEOUT_FACTOR,
                        description: "Required ratio of queue visibility timeout to function timeout.",
                    },
                },
            },
            {
                primaryType: ESM,
                subjectTypes: [SQS_QUEUE],
                validate: (graph, ctx) => {
                    const cfg = ctx.config;
                    for (const esm of graph.ofType(ESM)) {
                        const queues = graph
                            .ofType(SQS_QUEUE)
                            .filter((q) => refers(esm, "eventSourceArn", q, () => sameKnown(esm.props.eventSourceArn, literalName(q))));
                        const fns = graph.ofType(FUNCTION).filter((f) => refersToFunction(graph, esm, "functionName", f, esm.props.functionName));
                        for (const q of queues) {
                            for (const fn of fns) {
                                const timeout = functionTimeout(fn);
                                const vis = q.props.visibilityTimeoutSeconds;
                                if (timeout === "unknown" || isUnknown(vis)) {
                                    ctx.defer(`${q.name}.visibilityTimeoutSeconds`);
                                    continue;
                                }
                                const visibility = asNumber(vis) ?? 30;
                                if (visibility < cfg.factor * timeout) {
                                    ctx.report(q, {
                                        property: "visibilityTimeoutSeconds",
                                        found: vis ?? 30,
                                        expected: `>= ${cfg.factor * timeout} (${cfg.factor} x timeout ${timeout} s of function "${fn.name}")`,
                                        fix: `set visibilityTimeoutSeconds to at least ${cfg.factor * timeout}`,
                                    });
                                }
                            }
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-env-kms",
                no: 8,
                service: "Lambda / KMS",
                kind: "R",
                checks: "A function with environment variables encrypts them with a customer KMS key (`kmsKeyArn`).",
                why: "Environment variables often hold configuration an attacker can use; a CMK lets you control and audit who can decrypt them.",
                anchors: "CKV_AWS_173",
                defaultLevel: "advisory",
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    const vars = get(fn.props, "environment", "variables");
                    const present = isUnknown(vars) || Object.keys(asRecord(vars) ?? {}).length > 0;
                    if (present && !isSet(fn.props.kmsKeyArn)) {
                        ctx.report(fn, {
                            property: "kmsKeyArn",
                            found: undefined,
                            expected: "a KMS key ARN (the function has environment variables)",
                            fix: "set kmsKeyArn to a customer-managed key",
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "lambda-permission-scoped",
                no: 9,
                service: "Lambda",
                kind: "R",
                checks: "`lambda.Permission` has no `*` principal; a service principal carries `sourceArn` or `sourceAccount`.",
                why: "A wildcard or unscoped service principal lets any account (or any resource of that service) invoke the function: the confused-deputy problem.",
                anchors: "FSBP Lambda.1, CKV_AWS_301, CKV_AWS_364, TRV restrict_source_arn, PCP lambda/Permission/configureSourceArn",
                defaultLevel: "mandatory",
            },
            {
                types: [PERMISSION],
                validate: (perm, ctx) => {
                    const principal = perm.props.principal;
                    if (isUnknown(principal)) {
                        ctx.defer("principal");
                        return;
                    }
                    if (principal === "*") {
                        ctx.report(perm, {
                            property: "principal",
                            found: principal,
                            expected: "a specific account, role or service principal",
                            fix: "name the caller's principal instead of *",
                        });
                    } else if (
                        typeof principal === "string" &&
                        principal.endsWith(".amazonaws.com") &&
                        narrowingKeys(permissionStatement(perm.props)).length === 0
                    ) {
                        // A wildcard pattern (`arn:aws:s3:::*`, an account of `*`) narrows nothing: any bucket or API of any account could invoke.
                        const given = isSet(perm.props.sourceArn) ? "sourceArn" : isSet(perm.props.sourceAccount) ? "sourceAccount" : undefined;
                        ctx.report(perm, {
                            property: given ?? "sourceArn",
                            found: given ? perm.props[given] : undefined,
                            expected: `the ARN of the ${principal} resource allowed to invoke (no wildcard in its account), or a 12-digit sourceAccount`,
                            fix: `set sourceArn to the exact ${principal} resource's ARN (or at least sourceAccount to your account)`,
                        });
                    }
                },
            },
        ),
        resourceRule<{ allowedPublicUrls: string[] }>(
            {
                id: "lambda-url-auth",
                no: 10,
                service: "Lambda",
                kind: "R",
                checks: 'Function URL `authorizationType` is not `"NONE"` unless the URL is in the allow-list.',
                why: "A function URL with no auth is a public endpoint that bypasses API Gateway's authorizers, WAF and throttling.",
                anchors: "CKV_AWS_258, NAG-X LambdaFunctionUrlAuth",
                defaultLevel: "mandatory",
                config: {
                    allowedPublicUrls: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "FunctionUrl logical names (or function names) allowed to use authorizationType NONE.",
                    },
                },
            },
            {
                types: [FUNCTION_URL],
                validate: (url, ctx) => {
                    const t = url.props.authorizationType;
                    if (isUnknown(t)) {
                        ctx.defer("authorizationType");
                        return;
                    }
                    const fnName = asString(url.props.functionName);
                    const allowed = ctx.config.allowedPublicUrls.some((a) => a === url.name || (fnName !== undefined && a === fnName));
                    if (t === "NONE" && !allowed) {
                        ctx.report(url, {
                            property: "authorizationType",
                            found: t,
                            expected: '"AWS_IAM"',
                            fix: 'set authorizationType: "AWS_IAM", or add the URL to allowedPublicUrls in policies/config/<env>.json',
                        });
                    }
                },
            },
        ),
        stackRule(
            {
                id: "lambda-log-group-managed",
                no: 11,
                service: "Lambda / Logs",
                kind: "S",
                checks: "Every function has a stack-managed log group (`/aws/lambda/<name>` or `loggingConfig.logGroup`).",
                why: "Lambda otherwise creates its log group itself, with no retention and no encryption, outside the rules on log groups.",
                anchors: "ours",
                defaultLevel: "advisory",
            },
            {
                primaryType: FUNCTION,
                subjectTypes: [FUNCTION],
                validate: (graph, ctx) => {
                    const groups = graph.ofType(LOG_GROUP);
                    for (const fn of graph.ofType(FUNCTION)) {
                        const fnName = literalName(fn);
                        const configured = asString(get(fn.props, "loggingConfig", "logGroup"));
                        const managed = groups.some(
                            (g) =>
                                refers(g, "name", fn) ||
                                refers(fn, "loggingConfig", g) ||
                                (fnName !== undefined && g.props.name === `/aws/lambda/${fnName}`) ||
                                (configured !== undefined && g.props.name === configured),
                        );
                        if (!managed) {
                            ctx.report(fn, {
                                property: "loggingConfig.logGroup",
                                found: get(fn.props, "loggingConfig", "logGroup"),
                                problem:
                                    "has no log group managed by this stack (none is named /aws/lambda/<function name> from the function, none is given in loggingConfig.logGroup)",
                                fix: "create an aws.cloudwatch.LogGroup named pulumi.interpolate`/aws/lambda/${fn.name}` or pass its name in loggingConfig.logGroup",
                            });
                        }
                    }
                },
            },
        ),
        stackRule<{ severityTagKey: string; severityValues: string[] }>(
            {
                id: "lambda-errors-alarm",
                no: 12,
                service: "Lambda / CloudWatch",
                kind: "S",
                checks: "Every function has an `AWS/Lambda` `Errors` alarm (FunctionName dimension linked to the function) whose actions go to a severity topic.",
                why: "Errors of a function nobody watches are found by customers first.",
                anchors: "ours",
                defaultLevel: "advisory",
                config: {
                    severityTagKey: { type: "string", default: SEVERITY_TAG_KEY, description: "Tag key that marks an SNS topic as a severity topic." },
                    severityValues: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        minItems: 1,
                        default: [...SEVERITY_TAG_VALUES],
                        description: "Allowed severity tag values.",
                    },
                },
            },
            {
                primaryType: FUNCTION,
                subjectTypes: [FUNCTION],
                validate: (graph, ctx) => {
                    const alarms = alarmsFor(graph, "AWS/Lambda", ["Errors"]);
                    for (const fn of graph.ofType(FUNCTION)) {
                        const watching = alarms.filter((a) => alarmWatches(graph, a, fn, ["FunctionName"], [literalName(fn)]));
                        if (watching.length === 0) {
                            ctx.report(fn, {
                                property: "(Errors alarm)",
                                problem: "has no AWS/Lambda Errors alarm whose FunctionName dimension comes from this function",
                                fix: 'add an aws.cloudwatch.MetricAlarm { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: fn.name }, alarmActions: [severityTopic.arn] }',
                            });
                        } else if (
                            !watching.some((a) => hasAlarmAction(a) && routesToSeverityTopic(graph, a, ctx.config.severityTagKey, ctx.config.severityValues))
                        ) {
                            ctx.report(fn, {
                                property: "(Errors alarm).alarmActions",
                                problem: `has Errors alarm(s) ${watching.map((a) => `"${a.name}"`).join(", ")} but none sends to an SNS topic tagged ${ctx.config.severityTagKey}=${ctx.config.severityValues.join("|")}`,
                                fix: "set the alarm's alarmActions to the arn of a severity topic from this stack",
                            });
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "lambda-throttles-alarm",
                no: 13,
                service: "Lambda / CloudWatch",
                kind: "S",
                checks: "Functions with reserved concurrency also have a `Throttles` alarm with an action.",
                why: "Reserved concurrency caps a function; when the cap is hit requests are throttled and only an alarm tells you.",
                anchors: "ours",
                defaultLevel: "disabled",
            },
            {
                primaryType: FUNCTION,
                subjectTypes: [FUNCTION],
                validate: (graph, ctx) => {
                    const alarms = alarmsFor(graph, "AWS/Lambda", ["Throttles"]);
                    for (const fn of graph.ofType(FUNCTION)) {
                        const rc = fn.props.reservedConcurrentExecutions;
                        if (!isUnknown(rc) && (asNumber(rc) === undefined || (asNumber(rc) ?? -1) < 0)) {
                            continue;
                        }
                        if (!alarms.some((a) => alarmWatches(graph, a, fn, ["FunctionName"], [literalName(fn)]) && hasAlarmAction(a))) {
                            ctx.report(fn, {
                                property: "(Throttles alarm)",
                                problem: `sets reservedConcurrentExecutions (${isUnknown(rc) ? "unknown" : String(rc)}) but has no AWS/Lambda Throttles alarm with an action`,
                                fix: 'add a MetricAlarm { namespace: "AWS/Lambda", metricName: "Throttles", dimensions: { FunctionName: fn.name }, alarmActions: [topic.arn] }',
                            });
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "lambda-sqs-maximum-concurrency",
                no: 82,
                service: "Lambda + SQS",
                kind: "S",
                checks: "An SQS event source mapping of a function with reserved concurrency sets `scalingConfig.maximumConcurrency` (2 or more) at most that reservation.",
                why: "Without it the SQS poller runs more batches than the function may run: the extra invocations are throttled, each throttled batch returns to the queue and counts a receive, and its messages reach the DLQ without ever being processed.",
                anchors: 'ours (analogues: AWS Lambda Developer Guide, "Configuring maximum concurrency for Amazon SQS event sources")',
                defaultLevel: "advisory",
            },
            {
                primaryType: ESM,
                subjectTypes: [ESM],
                validate: (graph, ctx) => {
                    for (const esm of graph.ofType(ESM)) {
                        const source = esm.props.eventSourceArn;
                        const fromQueue = graph.targets(esm, "eventSourceArn", SQS_QUEUE).length > 0 || /^arn:[^:]+:sqs:/.test(asString(source) ?? "");
                        if (!fromQueue) {
                            continue;
                        }
                        for (const fn of graph.ofType(FUNCTION).filter((f) => refersToFunction(graph, esm, "functionName", f, esm.props.functionName))) {
                            const rc = fn.props.reservedConcurrentExecutions;
                            const max = get(esm.props, "scalingConfig", "maximumConcurrency");
                            if (isUnknown(rc) || isUnknown(max) || isUnknown(esm.props.scalingConfig)) {
                                ctx.defer(`${esm.name}.scalingConfig.maximumConcurrency`);
                                continue;
                            }
                            const reserved = asNumber(rc);
                            if (reserved === undefined || reserved < 0) {
                                continue; // Unreserved: lambda-reserved-concurrency reports the function itself.
                            }
                            const n = asNumber(max);
                            if (reserved < 2) {
                                ctx.report(esm, {
                                    property: "scalingConfig.maximumConcurrency",
                                    problem: `feeds function "${fn.name}", which reserves ${reserved}: maximumConcurrency is at least 2, so the poller always outruns the function`,
                                    fix: `reserve at least 3 for "${fn.name}" and set scalingConfig: { maximumConcurrency: reserved - 1 }`,
                                });
                            } else if (n === undefined || n > reserved) {
                                ctx.report(esm, {
                                    property: "scalingConfig.maximumConcurrency",
                                    found: max,
                                    expected: `2 to ${reserved} (function "${fn.name}" reserves ${reserved})`,
                                    fix: `set scalingConfig: { maximumConcurrency: ${Math.max(2, reserved - 1)} }: one below the reservation leaves room for other invocations`,
                                });
                            }
                        }
                    }
                },
            },
        ),
        stackRule(
            {
                id: "lambda-provisioned-concurrency-scaled",
                no: 83,
                service: "Lambda / Application Auto Scaling",
                kind: "S",
                checks: "Provisioned concurrency (`ProvisionedConcurrencyConfig`) is an Application Auto Scaling target on the same function and qualifier with a target-tracking policy.",
                why: "A fixed allocation is paid for at idle and too small at a peak, where invocations above it spill over to on-demand environments with cold starts; target tracking on LambdaProvisionedConcurrencyUtilization follows the load.",
                anchors: 'ours (analogues: AWS Lambda Developer Guide, "Configuring provisioned concurrency for a function": Application Auto Scaling)',
                defaultLevel: "advisory",
            },
            {
                primaryType: PROVISIONED,
                subjectTypes: [PROVISIONED],
                validate: (graph, ctx) => {
                    const targets = graph
                        .ofType(SCALABLE_TARGET)
                        .filter((t) => t.props.serviceNamespace === "lambda" && t.props.scalableDimension === "lambda:function:ProvisionedConcurrency");
                    const tracked = (t: Node) =>
                        graph
                            .ofType(SCALING_POLICY)
                            .some(
                                (p) =>
                                    p.props.policyType === "TargetTrackingScaling" &&
                                    (refers(p, "resourceId", t) || sameKnown(p.props.resourceId, asString(t.props.resourceId))),
                            );
                    for (const pc of graph.ofType(PROVISIONED)) {
                        const fns = graph.targets(pc, "functionName", FUNCTION);
                        const known = `function:${asString(pc.props.functionName) ?? ""}:${asString(pc.props.qualifier) ?? ""}`;
                        const own = targets.filter(
                            (t) =>
                                (fns.length > 0 && fns.some((f) => refers(t, "resourceId", f)) && sameQualifier(graph, t, pc)) ||
                                asString(t.props.resourceId) === known,
                        );
                        if (own.length === 0) {
                            if (isUnknown(pc.props.functionName) && fns.length === 0) {
                                ctx.defer(`${pc.name}.functionName`);
                                continue;
                            }
                            ctx.report(pc, {
                                property: "(scalable target)",
                                problem:
                                    "is a fixed allocation: no Application Auto Scaling target (lambda:function:ProvisionedConcurrency) on its function and qualifier",
                                fix: 'add an aws.appautoscaling.Target { serviceNamespace: "lambda", scalableDimension: "lambda:function:ProvisionedConcurrency", resourceId: `function:${name}:${alias}`, minCapacity, maxCapacity } and a TargetTrackingScaling policy on LambdaProvisionedConcurrencyUtilization',
                            });
                        } else if (!own.some(tracked)) {
                            ctx.report(pc, {
                                property: "(scaling policy)",
                                problem: `has a scalable target (${own.map((t) => t.name).join(", ")}) but no TargetTrackingScaling policy on it: only its schedule, if any, moves the allocation`,
                                fix: 'add an aws.appautoscaling.Policy { policyType: "TargetTrackingScaling", resourceId: target.resourceId, targetTrackingScalingPolicyConfiguration: { targetValue: 0.7, predefinedMetricSpecification: { predefinedMetricType: "LambdaProvisionedConcurrencyUtilization" } } }',
                            });
                        }
                    }
                },
            },
        ),
    ];
}

/**
 * Does target `t` name the same qualifier (an alias or version) as allocation `pc`: through the alias, or
 * as known text? A target whose id is unknown and depends on no alias may name any qualifier: it counts.
 */
function sameQualifier(graph: StackGraph, t: Node, pc: Node): boolean {
    const aliases = graph.targets(pc, "qualifier", ALIAS);
    if (aliases.some((a) => refers(t, "resourceId", a))) {
        return true;
    }
    if (graph.targets(t, "resourceId", ALIAS).length > 0) {
        return false;
    }
    const q = asString(pc.props.qualifier) ?? aliases.map((a) => asString(a.props.name)).find((n) => n !== undefined);
    const id = asString(t.props.resourceId);
    return id === undefined || q === undefined || id.endsWith(`:${q}`);
}
