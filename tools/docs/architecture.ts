/**
 * The architecture diagram: the resources that serve a request or carry an event, grouped by the
 * component they belong to, with the arrows their inputs imply. The request path (browser, WAF,
 * CloudFront, WAF, API Gateway, Lambda, DynamoDB/OpenSearch) and the event path (SNS, SQS, SES and
 * back) are read from the preview, never written by hand:
 *
 * - CloudFront's `webAclId`, `origins` and cache behaviours; WAF associations; API Gateway
 *   integrations and authorizers (an alias or a stage stands for its function or API);
 * - each function's IAM statements: what it reads, writes, publishes to or sends with;
 * - event source mappings, SNS subscriptions, SES event destinations, redrive policies.
 *
 * Topics that alarms notify, keys, roles, logs and the components that only watch, release or back up
 * are left to the monitoring view.
 */
import type { PreviewReport, ResourceRecord } from "../preview";
import { Ids, label } from "./mermaid";
import { arr, compare, componentLabel, json, num, obj, ReportIndex, str } from "./report";

const T = {
    distribution: "aws:cloudfront/distribution:Distribution",
    webAcl: "aws:wafv2/webAcl:WebAcl",
    webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
    bucket: "aws:s3/bucket:Bucket",
    restApi: "aws:apigateway/restApi:RestApi",
    stage: "aws:apigateway/stage:Stage",
    integration: "aws:apigateway/integration:Integration",
    method: "aws:apigateway/method:Method",
    apiResource: "aws:apigateway/resource:Resource",
    authorizer: "aws:apigateway/authorizer:Authorizer",
    userPool: "aws:cognito/userPool:UserPool",
    fn: "aws:lambda/function:Function",
    alias: "aws:lambda/alias:Alias",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    table: "aws:dynamodb/table:Table",
    collection: "aws:opensearch/serverlessCollection:ServerlessCollection",
    accessPolicy: "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    queue: "aws:sqs/queue:Queue",
    esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
    identity: "aws:sesv2/emailIdentity:EmailIdentity",
    configurationSet: "aws:sesv2/configurationSet:ConfigurationSet",
    eventDestination: "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
} as const;

/** The resource types drawn as nodes. */
const DRAWN = new Set<string>([T.distribution, T.webAcl, T.bucket, T.restApi, T.userPool, T.fn, T.table, T.collection, T.topic, T.queue, T.identity]);

/** Outside the stack: who sends the requests and who reads the mail. */
const BROWSER = "@browser";
const MAILBOXES = "@mailboxes";

export interface Edge {
    from: string;
    to: string;
    label: string;
    /** Dotted: authorization and failure paths rather than the request or event itself. */
    dotted: boolean;
}

export interface ApiRoute {
    api: string;
    method: string;
    path: string;
    authorization: string;
    function: string;
}

/** The drawn graph of one stack: nodes are URNs (or the outside actors), edges between them. */
export interface ArchitectureGraph {
    stack: string;
    nodes: ResourceRecord[];
    edges: Edge[];
    routes: ApiRoute[];
    /** Components with nothing drawn: they watch, release, encrypt or back up what is. */
    notDrawn: ResourceRecord[];
}

/** The topics some alarm notifies: the monitoring view's, not the event path's. */
function alertTopics(ix: ReportIndex): Set<string> {
    const urns = new Set<string>();
    for (const alarm of [...ix.ofType(T.metricAlarm), ...ix.ofType(T.compositeAlarm)]) {
        for (const property of ["alarmActions", "okActions", "insufficientDataActions"]) {
            for (const d of ix.deps(alarm, property)) {
                urns.add(d.urn);
            }
        }
    }
    return urns;
}

function statements(policy: unknown): { actions: string[]; resources: string[] }[] {
    return arr(obj(json(policy)).Statement)
        .map(obj)
        .filter((s) => s.Effect === "Allow")
        .map((s) => ({
            actions: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a): a is string => typeof a === "string"),
            resources: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).filter((a): a is string => typeof a === "string"),
        }));
}

/** `arn:aws:<service>:<region>:<account>:<rest>` -> its service and rest. */
function arnParts(arn: string): { service: string; rest: string } | undefined {
    const m = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.*)$/.exec(arn);
    return m ? { service: m[1], rest: m[2] } : undefined;
}

export function architectureGraph(report: PreviewReport): ArchitectureGraph {
    const ix = new ReportIndex(report);
    const alerts = alertTopics(ix);
    const drawable = (r: ResourceRecord | undefined): r is ResourceRecord => r !== undefined && DRAWN.has(r.type) && !alerts.has(r.urn);
    /** The node a resource is drawn as: an alias as its function, a stage as its API, a configuration set as its identity. */
    const rep = (r: ResourceRecord | undefined): ResourceRecord | undefined => {
        if (!r) return undefined;
        if (r.type === T.alias) return ix.deps(r, "functionName").find((f) => f.type === T.fn);
        if (r.type === T.stage) return ix.deps(r, "restApi").find((a) => a.type === T.restApi);
        if (r.type === T.configurationSet) return ix.dependents(r, T.identity)[0] ?? r;
        return r;
    };
    const reps = (rs: ResourceRecord[], type?: string) => [...new Set(rs.map(rep).filter(drawable))].filter((r) => !type || r.type === type);

    const edges: Edge[] = [];
    const add = (from: string, to: string, text: string, dotted = false) => {
        const same = edges.find((e) => e.from === from && e.to === to && e.dotted === dotted);
        if (same) {
            same.label = [...new Set([...same.label.split(", "), text])].filter(Boolean).join(", ");
        } else {
            edges.push({ from, to, label: text, dotted });
        }
    };
    /** The web ACL in front of a resource, through a WAF association. */
    const aclInFront = (target: ResourceRecord): ResourceRecord | undefined =>
        ix
            .ofType(T.webAclAssociation)
            .filter((a) => reps(ix.deps(a, "resourceArn")).includes(target))
            .flatMap((a) => reps(ix.deps(a, "webAclArn"), T.webAcl))[0];

    // The request path: the browser, the edge ACL, the distribution, its origins (behind their ACLs).
    for (const d of ix.ofType(T.distribution)) {
        const edgeAcl = reps(ix.deps(d, "webAclId"), T.webAcl)[0];
        if (edgeAcl) {
            add(BROWSER, edgeAcl.urn, "HTTPS");
            add(edgeAcl.urn, d.urn, "allowed");
        } else {
            add(BROWSER, d.urn, "HTTPS");
        }
        const defaults = obj(d.inputs.defaultCacheBehavior);
        const behaviours = [
            ...arr(d.inputs.orderedCacheBehaviors)
                .map(obj)
                .map((b) => ({ origin: str(b.targetOriginId), path: str(b.pathPattern) ?? "?" })),
            { origin: str(defaults.targetOriginId), path: "default" },
        ];
        const candidates = reps(ix.deps(d, "origins"));
        for (const o of arr(d.inputs.origins).map(obj)) {
            const domain = str(o.domainName) ?? "";
            const target =
                candidates.find((c) => c.type === T.bucket && str(c.inputs.bucket) && domain.startsWith(`${str(c.inputs.bucket)}.`)) ??
                (domain.includes(".execute-api.") || o.customOriginConfig !== undefined
                    ? candidates.find((c) => c.type === T.restApi)
                    : candidates.find((c) => c.type === T.bucket));
            if (!target) continue;
            const paths = behaviours.filter((b) => b.origin === str(o.originId)).map((b) => b.path);
            const text = paths.join(", ") + (o.originAccessControlId !== undefined ? " (OAC)" : "");
            const acl = aclInFront(target);
            if (acl) {
                add(d.urn, acl.urn, text);
                add(acl.urn, target.urn, "allowed");
            } else {
                add(d.urn, target.urn, text);
            }
        }
    }

    // API Gateway: its routes to functions, and who authorizes them.
    const routes: ApiRoute[] = [];
    const pathOf = (res: ResourceRecord | undefined): string => {
        const parts: string[] = [];
        for (let cur = res; cur && cur.type === T.apiResource; cur = ix.deps(cur, "parentId").find((p) => p.type === T.apiResource)) {
            parts.unshift(str(cur.inputs.pathPart) ?? "?");
        }
        return `/${parts.join("/")}`;
    };
    for (const i of ix.ofType(T.integration)) {
        const api = reps(ix.deps(i, "restApi"), T.restApi)[0];
        const fn = reps(ix.deps(i, "uri"), T.fn)[0];
        if (!api || !fn) continue;
        const method = ix.deps(i, "httpMethod").find((m) => m.type === T.method);
        const resource = ix.deps(i, "resourceId").find((r) => r.type === T.apiResource);
        const auth = str(method?.inputs.authorization) ?? "NONE";
        const scopes = arr(method?.inputs.authorizationScopes).filter((s): s is string => typeof s === "string");
        routes.push({
            api: api.name,
            method: str(i.inputs.httpMethod) ?? "?",
            path: pathOf(resource),
            authorization: auth === "NONE" ? "none" : `${auth}${scopes.length ? ` (${scopes.join(", ")})` : ""}`,
            function: fn.name,
        });
    }
    routes.sort((a, b) => compare(a.api, b.api) || compare(a.path, b.path) || compare(a.method, b.method));
    for (const api of ix.ofType(T.restApi)) {
        const fns = new Map<string, number>();
        for (const r of routes.filter((r) => r.api === api.name)) fns.set(r.function, (fns.get(r.function) ?? 0) + 1);
        for (const [name, n] of fns) {
            const fn = ix.ofType(T.fn).find((f) => f.name === name);
            if (fn) add(api.urn, fn.urn, `${n} route${n === 1 ? "" : "s"}`);
        }
    }
    for (const a of ix.ofType(T.authorizer)) {
        for (const api of reps(ix.deps(a, "restApi"), T.restApi)) {
            for (const pool of reps(ix.deps(a, "providerArns"), T.userPool)) add(api.urn, pool.urn, "authorizes callers", true);
        }
    }

    // What each function may do to the stores, topics and mail: its role's statements.
    const dataAccess = ix.ofType(T.accessPolicy).flatMap((p) => arr(json(p.inputs.policy)).map(obj));
    for (const policy of ix.ofType(T.rolePolicy)) {
        const roles = ix.deps(policy, "role").filter((r) => r.type === T.role);
        const fns = ix.ofType(T.fn).filter((f) => ix.deps(f, "role").some((r) => roles.includes(r)));
        const named = ix.deps(policy, "policy");
        for (const fn of fns) {
            const ownDlq = new Set(ix.deps(fn, "deadLetterConfig").map((q) => q.urn));
            for (const s of statements(policy.inputs.policy)) {
                const has = (...verbs: string[]) => s.actions.some((a) => verbs.some((v) => a === v || a.endsWith(`:${v}`) || a === "*"));
                for (const resource of s.resources) {
                    const arn = arnParts(resource);
                    if (!arn) continue;
                    if (arn.service === "dynamodb") {
                        const m = /^table\/([^/]+)(\/index\/.*)?$/.exec(arn.rest);
                        const table = m && ix.ofType(T.table).find((t) => str(t.inputs.name) === m[1]);
                        const verbs = [
                            ...(has("GetItem", "BatchGetItem", "Query", "Scan") ? ["reads"] : []),
                            ...(has("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem") ? ["writes"] : []),
                        ];
                        if (table && verbs.length) add(fn.urn, table.urn, verbs.join(", "));
                    } else if (arn.service === "sns" && has("Publish")) {
                        const topic = ix.ofType(T.topic).find((t) => str(t.inputs.name) === arn.rest);
                        if (drawable(topic)) add(fn.urn, topic.urn, "publishes");
                    } else if (arn.service === "sqs" && has("SendMessage")) {
                        const queue = ix.ofType(T.queue).find((q) => str(q.inputs.name) === arn.rest);
                        if (queue && !ownDlq.has(queue.urn)) add(fn.urn, queue.urn, "sends");
                    } else if (arn.service === "ses" && has("SendEmail", "SendRawEmail")) {
                        const identity = ix.ofType(T.identity).find((t) => `identity/${str(t.inputs.emailIdentity)}` === arn.rest);
                        if (identity) add(fn.urn, identity.urn, "sends email");
                    } else if (arn.service === "aoss" && has("APIAccessAll")) {
                        for (const c of named.filter((n) => n.type === T.collection)) {
                            // The data access policy says what the role may do in the collection's indexes.
                            const permissions = dataAccess
                                .filter((rule) =>
                                    arr(rule.Principal).some((p) => typeof p === "string" && roles.some((r) => p.endsWith(`:role/${str(r.inputs.name)}`))),
                                )
                                .flatMap((rule) => arr(rule.Rules).map(obj))
                                .filter((rule) => arr(rule.Resource).some((x) => typeof x === "string" && x.startsWith(`index/${str(c.inputs.name)}/`)))
                                .flatMap((rule) => arr(rule.Permission));
                            const verbs = [
                                ...(permissions.includes("aoss:ReadDocument") ? ["reads"] : []),
                                ...(permissions.includes("aoss:WriteDocument") ? ["writes"] : []),
                            ];
                            add(fn.urn, c.urn, verbs.length ? `${verbs.join(", ")} documents` : "uses");
                        }
                    }
                }
            }
        }
    }

    // The event path: what triggers functions, the subscriptions, SES feedback, dead-letter queues.
    for (const e of ix.ofType(T.esm)) {
        const source = reps(ix.deps(e, "eventSourceArn"))[0];
        const fn = reps(ix.deps(e, "functionName"), T.fn)[0];
        if (!source || !fn) continue;
        const batch = num(e.inputs.batchSize);
        add(source.urn, fn.urn, `${source.type === T.table ? "stream, " : ""}batches${batch ? ` of ${batch}` : ""}`);
        for (const dlq of reps(ix.deps(e, "destinationConfig"), T.queue)) add(fn.urn, dlq.urn, "failed batches", true);
    }
    for (const s of ix.ofType(T.subscription)) {
        const topic = reps(ix.deps(s, "topic"), T.topic)[0];
        const endpoint = reps(ix.deps(s, "endpoint"))[0];
        if (!topic || !endpoint) continue;
        const filter = obj(json(s.inputs.filterPolicy));
        const values = Object.values(filter)
            .flatMap((v) => arr(v))
            .filter((v): v is string => typeof v === "string");
        const protocol = str(s.inputs.protocol);
        add(
            topic.urn,
            endpoint.urn,
            values.length ? values.join(", ") : protocol === "lambda" ? "invokes" : protocol === "sqs" ? "delivers" : (protocol ?? "delivers"),
        );
        for (const dlq of reps(ix.deps(s, "redrivePolicy"), T.queue)) add(topic.urn, dlq.urn, "undeliverable", true);
    }
    for (const q of ix.ofType(T.queue)) {
        const max = num(obj(json(q.inputs.redrivePolicy)).maxReceiveCount);
        for (const dlq of reps(ix.deps(q, "redrivePolicy"), T.queue)) add(q.urn, dlq.urn, max ? `after ${max} receives` : "dead letters", true);
    }
    for (const d of ix.ofType(T.eventDestination)) {
        const from = reps(ix.deps(d, "configurationSetName"))[0];
        const topic = reps(ix.deps(d, "eventDestination"), T.topic)[0];
        const types = arr(obj(d.inputs.eventDestination).matchingEventTypes).filter((t): t is string => typeof t === "string");
        if (from && topic) add(from.urn, topic.urn, types.map((t) => `${t.toLowerCase()}s`).join(", ") || "events");
    }
    for (const identity of ix.ofType(T.identity)) {
        if (edges.some((e) => e.to === identity.urn)) add(identity.urn, MAILBOXES, "email");
    }

    const used = new Set(edges.flatMap((e) => [e.from, e.to]));
    const nodes = report.resources.filter((r) => used.has(r.urn));
    const drawnTops = new Set(nodes.map((n) => ix.topComponentOf(n)?.urn));
    return {
        stack: report.stack,
        nodes,
        edges,
        routes,
        notDrawn: ix.topComponents().filter((c) => !drawnTops.has(c.urn)),
    };
}

/** A node's text: its name, then what it is and the facts that matter on the path. */
function nodeText(r: ResourceRecord, ix: ReportIndex): string {
    const i = r.inputs;
    switch (r.type) {
        case T.distribution: {
            const aliases = arr(i.aliases).filter((a): a is string => typeof a === "string");
            return `${r.name}\nCloudFront, ${aliases.length ? aliases.join(", ") : "its cloudfront.net name"}`;
        }
        case T.webAcl:
            return `${r.name}\nWAF web ACL, ${String(str(i.scope) ?? "").toLowerCase()} scope, ${arr(i.rules).length} rules`;
        case T.bucket:
            return `${r.name}\nS3 bucket`;
        case T.restApi: {
            const stages = ix.dependents(r, T.stage).map((s) => `${str(s.inputs.stageName) ?? "?"}${s.inputs.cacheClusterEnabled === true ? ", cached" : ""}`);
            return `${r.name}\nAPI Gateway REST API, stage ${stages.join(", ") || "?"}`;
        }
        case T.userPool:
            return `${r.name}\nCognito user pool${str(i.mfaConfiguration) === "ON" ? ", MFA" : ""}`;
        case T.fn:
            return `${r.name}\nLambda ${str(i.runtime) ?? ""}, ${num(i.memorySize) ?? "?"} MB`;
        case T.table:
            return `${r.name}\nDynamoDB table${i.streamEnabled === true ? ", stream" : ""}${obj(i.pointInTimeRecovery).enabled === true ? ", PITR" : ""}`;
        case T.collection:
            return `${r.name}\nOpenSearch Serverless ${String(str(i.type) ?? "").toLowerCase()}`;
        case T.topic:
            return `${r.name}\nSNS topic`;
        case T.queue: {
            const isDlq = ix.report.resources.some((o) => o.urn !== r.urn && ["redrivePolicy", "destinationConfig"].some((p) => ix.deps(o, p).includes(r)));
            return `${r.name}\nSQS ${isDlq ? "dead-letter queue" : "queue"}`;
        }
        case T.identity:
            return `${r.name}\nSES identity ${str(i.emailIdentity) ?? ""}`;
        default:
            return r.name;
    }
}

/** Mermaid node syntax by type: shapes tell stores, queues and filters apart. */
function shape(r: ResourceRecord | undefined, text: string): string {
    const t = `"${label(text)}"`;
    switch (r?.type) {
        case undefined:
            return `([${t}])`;
        case T.webAcl:
            return `{{${t}}}`;
        case T.table:
        case T.collection:
        case T.bucket:
            return `[(${t})]`;
        case T.topic:
            return `>${t}]`;
        case T.queue:
            return `[/${t}/]`;
        case T.fn:
            return `(${t})`;
        default:
            return `[${t}]`;
    }
}

const OUTSIDE: Record<string, string> = { [BROWSER]: "Browser", [MAILBOXES]: "Customers' mailboxes" };

/** The Mermaid flowchart of the graph: a subgraph per component (nested as the components are), then the arrows. */
export function architectureDiagram(report: PreviewReport, graph: ArchitectureGraph = architectureGraph(report), direction: "LR" | "TB" = "LR"): string[] {
    const ix = new ReportIndex(report);
    const ids = new Ids();
    const byName = (a: ResourceRecord, b: ResourceRecord) => compare(a.name, b.name) || compare(a.type, b.type);
    const idOf = (urn: string) => ids.get(urn, ix.byUrn.get(urn)?.name ?? urn.replace(/^@/, ""));
    // A tree of the components that hold drawn nodes.
    const members = new Map<string, ResourceRecord[]>();
    const childComponents = new Map<string, Set<ResourceRecord>>();
    const ROOT = "";
    for (const n of graph.nodes) {
        const chain = ix.componentsOf(n);
        const at = chain.length ? chain[chain.length - 1].urn : ROOT;
        members.set(at, [...(members.get(at) ?? []), n]);
        chain.forEach((c, k) => {
            const parent = k === 0 ? ROOT : chain[k - 1].urn;
            childComponents.set(parent, (childComponents.get(parent) ?? new Set()).add(c));
        });
    }
    const lines = [`flowchart ${direction}`];
    for (const outside of [BROWSER, MAILBOXES]) {
        if (graph.edges.some((e) => e.from === outside || e.to === outside)) lines.push(`    ${idOf(outside)}${shape(undefined, OUTSIDE[outside])}`);
    }
    const emit = (at: string, depth: number) => {
        const pad = "    ".repeat(depth);
        for (const n of [...(members.get(at) ?? [])].sort(byName)) lines.push(`${pad}${idOf(n.urn)}${shape(n, nodeText(n, ix))}`);
        for (const c of [...(childComponents.get(at) ?? [])].sort(byName)) {
            lines.push(`${pad}subgraph ${ids.get(`component:${c.urn}`, `${c.name}_component`)}["${label(componentLabel(c))}"]`);
            emit(c.urn, depth + 1);
            lines.push(`${pad}end`);
        }
    };
    emit(ROOT, 1);
    const nameOf = (urn: string) => ix.byUrn.get(urn)?.name ?? urn;
    const sorted = [...graph.edges].sort(
        (a, b) => compare(nameOf(a.from), nameOf(b.from)) || compare(nameOf(a.to), nameOf(b.to)) || Number(a.dotted) - Number(b.dotted),
    );
    for (const e of sorted) {
        const arrow = e.dotted ? "-.->" : "-->";
        lines.push(`    ${idOf(e.from)} ${arrow}${e.label ? `|"${label(e.label)}"|` : ""} ${idOf(e.to)}`);
    }
    return lines;
}

/** Where the request path stops: a request reaches these, and what follows them is an event. */
const STOPS = new Set<string>([T.table, T.collection, T.topic, T.queue, T.identity, T.userPool]);

/**
 * The graph in two: the request path (what a browser's request passes through, up to the stores and
 * topics it reaches) and the event path (everything that follows from a stream, a topic, a queue or a
 * sent email). A store or topic at the end of the first is where the second starts.
 */
export function splitPaths(graph: ArchitectureGraph): { request: ArchitectureGraph; event: ArchitectureGraph } {
    const seen = new Set<string>([BROWSER]);
    const request: Edge[] = [];
    const stopped = (urn: string) => STOPS.has(graph.nodes.find((n) => n.urn === urn)?.type ?? "");
    for (let frontier = [BROWSER]; frontier.length;) {
        const next: string[] = [];
        for (const from of frontier) {
            for (const e of graph.edges.filter((x) => x.from === from)) {
                request.push(e);
                if (!seen.has(e.to) && !stopped(e.to)) next.push(e.to);
                seen.add(e.to);
            }
        }
        frontier = next;
    }
    const event = graph.edges.filter((e) => !request.includes(e));
    const part = (edges: Edge[]): ArchitectureGraph => {
        const used = new Set(edges.flatMap((e) => [e.from, e.to]));
        return { ...graph, edges, nodes: graph.nodes.filter((n) => used.has(n.urn)) };
    };
    return { request: part(request), event: part(event) };
}

/** Nodes and arrows without their texts: what two stacks must share to draw the same picture. */
export function graphShape(report: PreviewReport, graph: ArchitectureGraph = architectureGraph(report)): string[] {
    const ix = new ReportIndex(report);
    const key = (urn: string) => {
        const r = ix.byUrn.get(urn);
        return r
            ? `${ix
                  .componentsOf(r)
                  .map((c) => c.name)
                  .join("/")}/${r.name} ${r.type}`
            : urn;
    };
    return [...graph.nodes.map((n) => key(n.urn)), ...graph.edges.map((e) => `${key(e.from)} ${e.dotted ? "-.->" : "-->"} ${key(e.to)}`)].sort();
}
