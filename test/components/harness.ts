// Mock runtime for component specs: records every registered resource with its inputs, parent,
// `protect` and property dependencies, and refuses invokes a spec did not expect.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { sdkDirFrom, sdkInternals, waitForRPCs as sdkWaitForRPCs } from "../../tools/preview/sdk-internals";
import { KmsKey, keyUseGrant } from "../../components/grants";

/* eslint-disable @typescript-eslint/no-explicit-any -- mock state is untyped JSON by nature */
export type Inputs = Record<string, any>;

export interface Recorded {
    type: string;
    name: string;
    urn: string;
    parentUrn: string;
    protect: boolean;
    inputs: Inputs;
    /** Input property -> URNs of the resources its value came from. */
    propertyDependencies: Record<string, string[]>;
    /** URNs of every resource this one depends on (explicit `dependsOn` and inputs). */
    dependencies: string[];
    /** Id the mock gave the resource (custom resources). */
    id: string;
    /** The `deleteBeforeReplace` option. */
    deleteBeforeReplace: boolean;
    /** State the mock returned: inputs plus computed outputs such as ids and ARNs. */
    outputs: Inputs;
    /** The `import` option: the id of an existing resource to adopt ("" for none). */
    importId: string;
    retainOnDelete: boolean;
    /** The explicit provider's reference (`<provider urn>::<id>`), or "" for the default provider. */
    provider: string;
}

// The SDK formats a stack trace for every resource and every RPC promise, and ts-node's source-map
// support maps each frame: nine tenths of a program's run under these mocks (parity.spec's six runs of
// the stacks took 41 s of CPU, 4 s without). The specs record no source positions, as the preview does not.
sdkInternals(sdkDirFrom(__filename), "the component specs").skipStackTraces();

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

function serviceOf(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "unknown";
}

/** Plausible state for the outputs components read. */
function stateFor(type: string, name: string, inputs: Inputs): Inputs {
    const physical: string = inputs.name ?? `${name}-abc123`;
    const base = `arn:aws:${serviceOf(type)}:${REGION}:${ACCOUNT}`;
    const state: Inputs = { ...inputs, name: physical, arn: `${base}:${physical}` };
    switch (type) {
        case "aws:kms/key:Key":
            return { ...state, keyId: `${name}-key-id`, arn: `${base}:key/${name}-key-id` };
        case "aws:sqs/queue:Queue":
            return { ...state, url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${physical}` };
        case "aws:lambda/function:Function":
            return {
                ...state,
                version: "1",
                arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`,
                invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}/invocations`,
            };
        case "aws:lambda/alias:Alias": {
            const fnArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${inputs.functionName}:${inputs.name}`;
            return {
                ...state,
                arn: fnArn,
                invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
            };
        }
        case "aws:iam/role:Role":
            return { ...state, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
        case "aws:dynamodb/table:Table":
            return {
                ...state,
                arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}`,
                streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}/stream/2025-01-01T00:00:00.000`,
            };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { ...state, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}` };
        case "aws:apigateway/restApi:RestApi":
            return { ...state, id: `${name}-api-id`, rootResourceId: "root-id", executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}-api-id` };
        case "aws:apigateway/stage:Stage":
            return {
                ...state,
                arn: `arn:aws:apigateway:${REGION}::/restapis/api-id/stages/${inputs.stageName}`,
                invokeUrl: `https://api-id.execute-api.${REGION}.amazonaws.com/${inputs.stageName}`,
                executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:api-id/${inputs.stageName}`,
            };
        case "aws:cognito/userPool:UserPool":
            return { ...state, id: `${REGION}_abcdef`, endpoint: `cognito-idp.${REGION}.amazonaws.com/${REGION}_abcdef` };
        case "aws:cognito/userPoolClient:UserPoolClient":
            return { ...state, id: `${name}-client-id`, clientSecret: "secret" };
        case "aws:cloudfront/distribution:Distribution":
            return { ...state, domainName: `${name}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
        case "aws:acm/certificate:Certificate":
            // Issued already (an update), with the one CNAME ACM asks for per name under DNS validation.
            return {
                ...state,
                arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${name}-id`,
                status: "ISSUED",
                domainValidationOptions:
                    inputs.validationMethod === "DNS"
                        ? [
                              {
                                  domainName: inputs.domainName,
                                  resourceRecordName: `_${name}-token.${inputs.domainName}.`,
                                  resourceRecordType: "CNAME",
                                  resourceRecordValue: `_${name}-value.acm-validations.aws.`,
                              },
                          ]
                        : [],
            };
        case "aws:route53/record:Record":
            return { ...state, fqdn: inputs.name };
        case "awsx:ec2:Vpc": {
            // A remote component: the awsx plugin would build its children; the program reads these outputs.
            const azs: number = inputs.numberOfAvailabilityZones ?? 3;
            const subnets = (tier: string) => Array.from({ length: azs }, (_, i) => `subnet-${tier}-${i}`);
            // awsx gives each subnet its own route table; the SDK hands these back as RouteTableAssociation
            // resources, whose subnetId and routeTableId the program reads (plain values here).
            const associations = ["public", "private"].flatMap((tier) => subnets(tier).map((subnetId, i) => ({ subnetId, routeTableId: `rtb-${tier}-${i}` })));
            return {
                ...state,
                vpcId: `vpc-${name}`,
                privateSubnetIds: subnets("private"),
                publicSubnetIds: subnets("public"),
                isolatedSubnetIds: [],
                routeTableAssociations: associations,
            };
        }
        case "aws:opensearch/serverlessCollection:ServerlessCollection":
            return {
                ...state,
                id: `${name}-id`,
                arn: `arn:aws:aoss:${REGION}:${ACCOUNT}:collection/${name}-id`,
                collectionEndpoint: `https://${name}-id.${REGION}.aoss.amazonaws.com`,
            };
        case "aws:sesv2/emailIdentity:EmailIdentity":
            return {
                ...state,
                arn: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${inputs.emailIdentity}`,
                dkimSigningAttributes: { ...inputs.dkimSigningAttributes, tokens: ["tok1", "tok2", "tok3"] },
            };
        default:
            return state;
    }
}

export interface MockOptions {
    project?: string;
    stack?: string;
    /** Config keyed `<project>:<key>` (or `aws:region`), values as the CLI passes them (strings). */
    config?: Record<string, string>;
    /** Run as a preview (unknown outputs stay unknown). @default false */
    preview?: boolean;
    /** Changes the state the mock returns for a resource (an output a spec needs other than the default). @default none */
    state?: (type: string, name: string, state: Inputs) => Inputs;
}

export interface MockRun {
    resources: Recorded[];
    /** Every recorded resource of one type. */
    ofType(type: string): Recorded[];
    /** The one recorded resource with this type and name; throws if absent. */
    one(type: string, name: string): Recorded;
    /** Waits until every registration the program started has finished. */
    settle(): Promise<void>;
}

/** Installs the mocks; call in a `before` hook, before importing the code under test. */
export function installMocks(opts: MockOptions = {}): MockRun {
    const project = opts.project ?? "platform";
    const stack = opts.stack ?? "dev";
    const resources: Recorded[] = [];
    pulumi.runtime.setAllConfig({ "aws:region": REGION, ...(opts.config ?? {}) }, []);
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
                const computed = stateFor(args.type, args.name, args.inputs as Inputs);
                const state = opts.state ? opts.state(args.type, args.name, computed) : computed;
                return { id: state.id ?? `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
                switch (args.token) {
                    case "aws:index/getCallerIdentity:getCallerIdentity":
                        return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDTEST", id: ACCOUNT };
                    default:
                        throw new Error(`Mock not implemented: ${args.token}`);
                }
            },
        },
        project,
        stack,
        opts.preview ?? false,
    );
    // Wrap the mock monitor to see what the Mocks interface hides: parent, protect, property deps.
    const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        register(req, (err: any, resp: any) => {
            if (!err && resp) {
                const deps: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((v: any, k: string) => {
                    deps[k] = v.getUrnsList();
                });
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    parentUrn: req.getParent(),
                    protect: req.getProtect() === true,
                    inputs: pulumi.runtime.deserializeProperties(req.getObject()),
                    propertyDependencies: deps,
                    dependencies: req.getDependenciesList(),
                    id: resp.getId(),
                    outputs: resp.getObject() ? pulumi.runtime.deserializeProperties(resp.getObject()) : {},
                    importId: req.getImportid() ?? "",
                    retainOnDelete: req.getRetainondelete() === true,
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    provider: req.getProvider() ?? "",
                });
            }
            callback(err, resp);
        });
    };
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        ofType,
        one(type: string, name: string) {
            const found = resources.filter((r) => r.type === type && r.name === name);
            if (found.length !== 1) {
                throw new Error(
                    `expected one ${type} named ${name}, found ${found.length} (have: ${ofType(type)
                        .map((r) => r.name)
                        .join(", ")})`,
                );
            }
            return found[0];
        },
        async settle() {
            // The language host's own wait (untyped in the SDK): every RPC the program started, including
            // registrations still waiting on inputs such as an esbuild bundle. Looped, because a finished
            // registration can start others (resources created inside an apply).
            const waitForRPCs = sdkWaitForRPCs();
            let last = -1;
            while (last !== resources.length) {
                last = resources.length;
                await waitForRPCs();
                await new Promise((r) => setImmediate(r));
            }
        },
    };
}

/** Resolves an Output's value in a spec (mocks run as an update, so values are known). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        o.apply((v) => {
            resolve(v);
            return v;
        }),
    );
}

/** The parent resource's type, read from the URN's qualified type. */
export function parentTypeOf(r: Recorded): string {
    const qualified = r.urn.split("::")[2];
    const parts = qualified.split("$");
    return parts.length > 1 ? parts[parts.length - 2] : "";
}

/** Parses a JSON policy input. */
export function json(value: unknown): any {
    return typeof value === "string" ? JSON.parse(value) : value;
}

/** Config for a stack as the CLI would pass it, with the required keys filled in. */
export function stackConfig(overrides: Record<string, string | number | boolean | string[]> = {}): Record<string, string> {
    const base: Record<string, string | number | boolean | string[]> = {
        environment: "dev",
        alertEmails: ["alerts@example.com"],
        emailDomain: "dev.orders.example.com",
        ...overrides,
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) {
        out[`platform:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** A context with a known account, as `platformContext` builds it in a stack. */
export function testContext(stack = "dev"): import("../../components/context").PlatformContext {
    return {
        namePrefix: `platform-${stack}`,
        region: REGION,
        partition: "aws",
        accountId: ACCOUNT,
        tags: { project: "platform", stack, environment: stack, "managed-by": "pulumi" },
    };
}

/** The statements of a policy document input, by Sid. */
export interface Statement {
    Sid: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
    Principal?: unknown;
}

export function statementsBySid(policy: unknown): Record<string, Statement> {
    const doc = json(policy) as { Statement: Statement[] };
    return Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
}

/** Always a list, whatever single-or-list shape IAM allows. */
export function list<T>(v: T | T[] | undefined): T[] {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** ARN of a test KMS key by data class. */
export const testKeyArn = (k: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k}`;

/** A KmsKey that records the roles named in its key policy, as Encryption's keys do, without an Encryption. */
export interface RecordingKey extends KmsKey {
    /** Every role `allowRole` (or `grantUse`) named, in order. */
    readonly roles: pulumi.Input<string>[];
}

export function recordingKey(name: string): RecordingKey {
    const roles: pulumi.Input<string>[] = [];
    const arn = pulumi.output(testKeyArn(name));
    return {
        arn,
        roles,
        allowRole: (roleArn) => void roles.push(roleArn),
        grantUse(grantee, options) {
            const grant = keyUseGrant(arn, REGION, options);
            grantee.addGrant(grant);
            roles.push(grantee.principalArn);
            return grant;
        },
    };
}

/** The role ARNs a recording key was given, resolved. */
export async function rolesOf(key: RecordingKey): Promise<string[]> {
    return Promise.all(key.roles.map((r) => valueOf(pulumi.output(r))));
}

/** The fixture handler every Function spec bundles. */
export const ECHO_HANDLER = path.join(__dirname, "..", "fixtures", "handlers", "echo.ts");

/** Arguments of a typical workload Function; specs override what they test. */
export function functionTestArgs(
    context: import("../../components/context").PlatformContext,
    routing: import("../../components/alarms").AlarmRouting,
    over: Partial<import("../../components/function").FunctionArgs> = {},
): import("../../components/function").FunctionArgs {
    return {
        context,
        entry: ECHO_HANDLER,
        timeoutSeconds: 10,
        memoryMb: 256,
        reservedConcurrency: 5,
        logRetentionDays: 30,
        logsKeyArn: testKeyArn("logs"),
        environmentKeyArn: testKeyArn("data"),
        messagingKey: testKeyArn("messaging"),
        routing,
        errorRatePercent: 5,
        durationPercentOfTimeout: 80,
        ...over,
    };
}
