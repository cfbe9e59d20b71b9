import { createHash } from "crypto";
import { PreviewError, PreviewMode } from "./types";

/**
 * Plausible values for what AWS would compute, so a program and its policies meet the same shapes
 * they meet in a real preview: autonamed names in both modes (the provider's Check fills them in
 * even in a first preview), and ids, ARNs and endpoints only in update mode.
 */

export const ACCOUNT_ID = "123456789012";

/** Properties the AWS provider fills with `<logical name>-<7 hex>` when the program leaves them out. */
const AUTONAMED: Record<string, string> = {
    "aws:lambda/function:Function": "name",
    "aws:sqs/queue:Queue": "name",
    "aws:sns/topic:Topic": "name",
    "aws:dynamodb/table:Table": "name",
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:iam/rolePolicy:RolePolicy": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:cloudwatch/eventRule:EventRule": "name",
    "aws:apigateway/restApi:RestApi": "name",
    "aws:apigateway/authorizer:Authorizer": "name",
    "aws:apigateway/requestValidator:RequestValidator": "name",
    "aws:apigateway/model:Model": "name",
    "aws:cognito/userPool:UserPool": "name",
    "aws:cognito/userPoolClient:UserPoolClient": "name",
    "aws:wafv2/webAcl:WebAcl": "name",
    "aws:wafv2/ipSet:IpSet": "name",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:codedeploy/application:Application": "name",
    "aws:backup/vault:Vault": "name",
    "aws:backup/plan:Plan": "name",
    "aws:backup/selection:Selection": "name",
    "aws:secretsmanager/secret:Secret": "name",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "name",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "name",
    "aws:cloudfront/cachePolicy:CachePolicy": "name",
};

const LOWER_CASE_NAMES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);

export function shortHash(text: string, length = 7): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The name the provider would give the resource: the program's own, or an autoname. */
export function physicalName(type: string, name: string, urn: string, inputs: Record<string, unknown>): string {
    const prop = AUTONAMED[type] ?? "name";
    const given = inputs[prop];
    if (typeof given === "string" && given !== "") {
        return given;
    }
    const prefix = inputs[`${prop}Prefix`];
    const base = typeof prefix === "string" ? prefix : `${name}-`;
    const autoname = `${base}${shortHash(urn)}`;
    return LOWER_CASE_NAMES.has(type) ? autoname.toLowerCase().replace(/[^a-z0-9.-]/g, "-") : autoname;
}

/** The state a provider's Check would return in any preview: inputs plus the autoname. */
export function checkedInputs(type: string, name: string, urn: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const prop = AUTONAMED[type];
    if (prop === undefined || (typeof inputs[prop] === "string" && inputs[prop] !== "")) {
        return inputs;
    }
    if (inputs[prop] !== undefined) {
        // Unknown (computed from another resource): stays unknown, as in a real preview.
        return inputs;
    }
    return { ...inputs, [prop]: physicalName(type, name, urn, inputs) };
}

interface Ctx {
    region: string;
    account: string;
    urn: string;
    name: string;
    phys: string;
    inputs: Record<string, unknown>;
}

function str(v: unknown, fallback: string): string {
    return typeof v === "string" && v !== "" ? v : fallback;
}

type Computed = (c: Ctx) => { id: string; state: Record<string, unknown> };

const arn = (service: string, resource: string, c: Ctx, global = false) => `arn:aws:${service}:${global ? "" : c.region}:${c.account}:${resource}`;

/**
 * Inputs the provider fills in with computed fields, so a first preview has the whole value unknown
 * (the SDK treats an object with an unknown field as unknown), not the program's partial object.
 */
const FILLED_BY_PROVIDER: Record<string, string[]> = {
    "aws:sesv2/emailIdentity:EmailIdentity": ["dkimSigningAttributes"],
};

/** Per-type computed attributes for update mode; anything else gets a generic id and ARN. */
const COMPUTED: Record<string, Computed> = {
    "aws:acm/certificate:Certificate": (c) => {
        const h = shortHash(c.urn, 32);
        const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
        const domain = str(c.inputs.domainName, "example.com");
        const names = [domain, ...(Array.isArray(c.inputs.subjectAlternativeNames) ? c.inputs.subjectAlternativeNames.map(String) : [])];
        // DNS validation: one CNAME per name, `_<token>.<name>.` -> `_<token>.<id>.acm-validations.aws.`, as ACM writes them.
        const domainValidationOptions =
            c.inputs.validationMethod === "DNS"
                ? names.map((n) => ({
                      domainName: n,
                      resourceRecordName: `_${shortHash(`${c.urn}/${n}/name`, 32)}.${n}.`,
                      resourceRecordType: "CNAME",
                      resourceRecordValue: `_${shortHash(`${c.urn}/${n}/value`, 32)}.${shortHash(`${c.urn}/${n}/id`, 10)}.acm-validations.aws.`,
                  }))
                : [];
        return { id: arn("acm", `certificate/${id}`, c), state: { arn: arn("acm", `certificate/${id}`, c), domainValidationOptions, status: "ISSUED" } };
    },
    "aws:sesv2/emailIdentity:EmailIdentity": (c) => {
        const identity = str(c.inputs.emailIdentity, c.phys);
        const given = typeof c.inputs.dkimSigningAttributes === "object" && c.inputs.dkimSigningAttributes !== null ? c.inputs.dkimSigningAttributes : {};
        // Easy DKIM: three tokens, each published as <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com.
        const tokens = [0, 1, 2].map((i) => shortHash(`${c.urn}/dkim/${i}`, 32));
        return {
            id: identity,
            state: {
                arn: arn("ses", `identity/${identity}`, c),
                identityType: identity.includes("@") ? "EMAIL_ADDRESS" : "DOMAIN",
                verifiedForSendingStatus: true,
                dkimSigningAttributes: { ...given, tokens, status: "SUCCESS", signingAttributesOrigin: "AWS_SES" },
            },
        };
    },
    "aws:lambda/function:Function": (c) => {
        const a = arn("lambda", `function:${c.phys}`, c);
        const invoke = `arn:aws:apigateway:${c.region}:lambda:path/2015-03-31/functions/${a}/invocations`;
        return {
            id: c.phys,
            state: { arn: a, invokeArn: invoke, qualifiedArn: `${a}:1`, qualifiedInvokeArn: invoke.replace(a, `${a}:1`), version: "1" },
        };
    },
    "aws:lambda/alias:Alias": (c) => {
        const fn = str(c.inputs.functionName, "function");
        const fnArn = fn.startsWith("arn:") ? fn : arn("lambda", `function:${fn}`, c);
        const a = `${fnArn}:${c.phys}`;
        return {
            id: a,
            state: { arn: a, invokeArn: `arn:aws:apigateway:${c.region}:lambda:path/2015-03-31/functions/${a}/invocations` },
        };
    },
    "aws:sqs/queue:Queue": (c) => {
        const url = `https://sqs.${c.region}.amazonaws.com/${c.account}/${c.phys}`;
        return { id: url, state: { url, arn: arn("sqs", c.phys, c) } };
    },
    // A vault's id is its name; its ARN says backup-vault, as copy actions and vault policies name it.
    "aws:backup/vault:Vault": (c) => ({ id: c.phys, state: { arn: arn("backup", `backup-vault:${c.phys}`, c), recoveryPoints: 0 } }),
    "aws:sns/topic:Topic": (c) => {
        const a = arn("sns", c.phys, c);
        return { id: a, state: { arn: a, owner: c.account } };
    },
    "aws:sns/topicSubscription:TopicSubscription": (c) => {
        const a = `${str(c.inputs.topic, arn("sns", "topic", c))}:${shortHash(c.urn, 8)}-0000-4000-8000-${shortHash(c.urn + "s", 12)}`;
        return { id: a, state: { arn: a } };
    },
    "aws:dynamodb/table:Table": (c) => {
        const a = arn("dynamodb", `table/${c.phys}`, c);
        const label = "2026-01-01T00:00:00.000";
        // A global table's replicas: each the same table in its own region, with a stream of its own.
        const replicas = Array.isArray(c.inputs.replicas)
            ? (c.inputs.replicas as Record<string, unknown>[]).map((r) => {
                  const ra = `arn:aws:dynamodb:${str(r.regionName, c.region)}:${c.account}:table/${c.phys}`;
                  return { ...r, arn: ra, streamArn: `${ra}/stream/${label}`, streamLabel: label };
              })
            : undefined;
        return {
            id: c.phys,
            state: { arn: a, streamArn: `${a}/stream/${label}`, streamLabel: label, ...(replicas ? { replicas } : {}) },
        };
    },
    "aws:kms/key:Key": (c) => {
        const h = shortHash(c.urn, 32);
        const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
        return { id: keyId, state: { keyId, arn: arn("kms", `key/${keyId}`, c) } };
    },
    "aws:kms/alias:Alias": (c) => ({
        id: c.phys,
        state: { arn: arn("kms", c.phys, c), targetKeyArn: str(c.inputs.targetKeyId, arn("kms", "key/unknown", c)) },
    }),
    "aws:iam/role:Role": (c) => ({
        id: c.phys,
        state: {
            arn: arn("iam", `role${str(c.inputs.path, "/")}${c.phys}`, c, true),
            uniqueId: `AROA${shortHash(c.urn, 17).toUpperCase()}`,
        },
    }),
    "aws:iam/policy:Policy": (c) => {
        const a = arn("iam", `policy/${c.phys}`, c, true);
        return { id: a, state: { arn: a, policyId: `ANPA${shortHash(c.urn, 17).toUpperCase()}` } };
    },
    "aws:cloudwatch/logGroup:LogGroup": (c) => ({ id: c.phys, state: { arn: arn("logs", `log-group:${c.phys}`, c) } }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (c) => ({ id: c.phys, state: { arn: arn("cloudwatch", `alarm:${c.phys}`, c) } }),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (c) => {
        const n = str(c.inputs.alarmName, c.phys);
        return { id: n, state: { arn: arn("cloudwatch", `alarm:${n}`, c) } };
    },
    "aws:s3/bucket:Bucket": (c) => ({
        id: c.phys,
        state: {
            arn: `arn:aws:s3:::${c.phys}`,
            bucketDomainName: `${c.phys}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${c.phys}.s3.${c.region}.amazonaws.com`,
            region: c.region,
        },
    }),
    "aws:apigateway/restApi:RestApi": (c) => {
        const id = shortHash(c.urn, 10);
        return {
            id,
            state: {
                rootResourceId: shortHash(c.urn + "/", 10),
                executionArn: arn("execute-api", id, c),
                arn: `arn:aws:apigateway:${c.region}::/restapis/${id}`,
            },
        };
    },
    "aws:apigateway/stage:Stage": (c) => {
        const api = str(c.inputs.restApi, "api");
        const stage = str(c.inputs.stageName, c.name);
        return {
            id: `ags-${api}-${stage}`,
            state: {
                invokeUrl: `https://${api}.execute-api.${c.region}.amazonaws.com/${stage}`,
                executionArn: arn("execute-api", `${api}/${stage}`, c),
                arn: `arn:aws:apigateway:${c.region}::/restapis/${api}/stages/${stage}`,
            },
        };
    },
    "aws:cognito/userPool:UserPool": (c) => {
        const id = `${c.region}_${shortHash(c.urn, 9)}`;
        return {
            id,
            state: { arn: arn("cognito-idp", `userpool/${id}`, c), endpoint: `cognito-idp.${c.region}.amazonaws.com/${id}` },
        };
    },
    "aws:wafv2/webAcl:WebAcl": (c) => {
        const id = `${shortHash(c.urn, 8)}-0000-4000-8000-${shortHash(c.urn, 12)}`;
        const scope = c.inputs.scope === "CLOUDFRONT" ? "global" : "regional";
        return { id, state: { arn: arn("wafv2", `${scope}/webacl/${c.phys}/${id}`, c), capacity: 700 } };
    },
    "aws:cloudfront/distribution:Distribution": (c) => {
        const id = `E${shortHash(c.urn, 13).toUpperCase()}`;
        return {
            id,
            state: {
                arn: arn("cloudfront", `distribution/${id}`, c, true),
                domainName: `d${shortHash(c.urn, 13)}.cloudfront.net`,
                hostedZoneId: "Z2FDTNDATAQYW2",
                status: "Deployed",
            },
        };
    },
    "aws:opensearch/serverlessCollection:ServerlessCollection": (c) => {
        const id = shortHash(c.urn, 20);
        return {
            id,
            state: {
                arn: arn("aoss", `collection/${id}`, c),
                collectionEndpoint: `https://${id}.${c.region}.aoss.amazonaws.com`,
                dashboardEndpoint: `https://${id}.${c.region}.aoss.amazonaws.com/_dashboards`,
            },
        };
    },
};

function genericComputed(type: string, c: Ctx): { id: string; state: Record<string, unknown> } {
    const [, mod = "", cls = "resource"] = type.split(":");
    const service = mod.split("/")[0] || "resource";
    const kind = cls.replace(/^[A-Z]/, (ch) => ch.toLowerCase());
    const id = c.inputs.name !== undefined || AUTONAMED[type] ? c.phys : `${c.name}-${shortHash(c.urn, 8)}`;
    return { id, state: { arn: arn(service, `${kind}/${id}`, c) } };
}

/** Outputs of awsx remote components, which run in the awsx plugin and so have no children here. */
function remoteComponentOutputs(type: string, c: Ctx, azs: number): Record<string, unknown> | undefined {
    if (type === "awsx:ec2:Vpc") {
        const vpcId = `vpc-${shortHash(c.urn, 17)}`;
        const subnets = (tier: string) => Array.from({ length: azs }, (_, i) => `subnet-${shortHash(`${c.urn}/${tier}/${i}`, 17)}`);
        // awsx gives each subnet its own route table and returns the associations as resources; their
        // subnetId and routeTableId are what a program reads (a gateway endpoint's private route tables).
        const routeTableAssociations = ["public", "private"].flatMap((tier) =>
            subnets(tier).map((subnetId, i) => ({
                id: `rtbassoc-${shortHash(`${c.urn}/${tier}/${i}/assoc`, 17)}`,
                subnetId,
                routeTableId: `rtb-${shortHash(`${c.urn}/${tier}/${i}/rtb`, 17)}`,
            })),
        );
        return {
            vpcId,
            privateSubnetIds: subnets("private"),
            publicSubnetIds: subnets("public"),
            isolatedSubnetIds: [],
            routeTableAssociations,
        };
    }
    if (type === "awsx:cloudtrail:Trail") {
        return {};
    }
    return undefined;
}

export interface MockContext {
    mode: PreviewMode;
    region: string | undefined;
}

function requireRegion(ctx: MockContext, what: string): string {
    if (!ctx.region) {
        throw new PreviewError(
            `${what} needs an AWS region, and the stack has none: set 'aws:region' in the stack's config (pulumi config set aws:region <region>)`,
        );
    }
    return ctx.region;
}

/** State (and id) the engine would hand back for a registered resource. */
export function mockResourceState(
    ctx: MockContext,
    args: { type: string; name: string; urn: string; custom: boolean; inputs: Record<string, unknown>; region?: string },
): { id: string | undefined; state: Record<string, unknown> } {
    const checked = checkedInputs(args.type, args.name, args.urn, args.inputs);
    const isAws = args.type.startsWith("aws:") || args.type.startsWith("awsx:");
    if (!args.custom) {
        if (ctx.mode === "update" && args.type.startsWith("awsx:")) {
            const region = args.region ?? requireRegion(ctx, args.type);
            const c: Ctx = { region, account: ACCOUNT_ID, urn: args.urn, name: args.name, phys: args.name, inputs: checked };
            const azs = typeof args.inputs.numberOfAvailabilityZones === "number" ? args.inputs.numberOfAvailabilityZones : 3;
            return { id: undefined, state: { ...checked, ...remoteComponentOutputs(args.type, c, azs) } };
        }
        return { id: undefined, state: checked };
    }
    if (ctx.mode === "create") {
        const filled = new Set(FILLED_BY_PROVIDER[args.type] ?? []);
        return { id: undefined, state: Object.fromEntries(Object.entries(checked).filter(([k]) => !filled.has(k))) };
    }
    if (!isAws) {
        return { id: `${args.name}-${shortHash(args.urn, 8)}`, state: checked };
    }
    const region = args.region ?? requireRegion(ctx, args.type);
    const c: Ctx = {
        region,
        account: ACCOUNT_ID,
        urn: args.urn,
        name: args.name,
        phys: physicalName(args.type, args.name, args.urn, args.inputs),
        inputs: checked,
    };
    const computed = (COMPUTED[args.type] ?? ((cc: Ctx) => genericComputed(args.type, cc)))(c);
    return { id: computed.id, state: { ...checked, ...computed.state, id: computed.id } };
}
