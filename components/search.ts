import * as aws from "@pulumi/aws";
// The ec2 module alone: the package index also loads awsx.classic and its AWS SDK clients.
import * as ec2x from "@pulumi/awsx/ec2";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { AlarmRouting, createAlarm } from "./alarms";
import { PlatformContext } from "./context";
import { FunctionVpc, VpcEndpointPolicies } from "./function";
import { Grant } from "./iam";
import { Collected, Grantee } from "./grants";

import { NAT_GATEWAY_STRATEGIES, NatGatewayStrategy, vpcCidrProblem } from "./defaults/vpc";

export { NAT_GATEWAY_STRATEGIES, type NatGatewayStrategy };

/**
 * Index permissions of a principal that writes documents (and keeps the index's mapping): exactly
 * what the search indexer calls.
 */
export const INDEX_WRITE_PERMISSIONS = ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument"];
/** Index permissions of a principal that only queries. */
export const INDEX_READ_PERMISSIONS = ["aoss:ReadDocument"];

export interface SearchArgs extends ComponentOptions<SearchChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** ARN of the customer KMS key the collection is encrypted with (the data key). */
    kmsKeyArn: pulumi.Input<string>;
    /** Where the collection's alarms go. */
    routing: AlarmRouting;
    /**
     * Name of the one index the workload uses (lower-case letters, digits, `-`, `_`).
     * @default "orders"
     */
    indexName?: string;
    /**
     * Indexes the clients keep their access to while a rebuild moves them to a new `indexName`: the
     * function versions `live` serves until the release name the old index, and would lose it the
     * moment `pulumi up` rewrites the data access policy (docs/runbooks/rebuild-search-index.md). Each
     * principal gets the same permissions on these as on `indexName`; remove them once the release is done.
     * @default []
     */
    previousIndexNames?: string[];
    /**
     * Roles outside this program (exact ARNs) that create, update and write the index. The
     * program's own writers need no list: `search.grantWrite(fn)` names each. At least one writer in all.
     * @default []
     */
    writerRoleArns?: pulumi.Input<string>[];
    /**
     * Roles outside this program (exact ARNs) that only query the index; `search.grantRead(fn)` names the program's.
     * @default []
     */
    readerRoleArns?: pulumi.Input<string>[];
    /**
     * Keep standby replicas in another availability zone (doubles the OCU floor).
     * @default false
     */
    standbyReplicas?: boolean;
    /**
     * Availability zones the VPC spans (2 or 3): private subnets in each, so nothing hangs on one zone.
     * @default 3
     */
    availabilityZones?: number;
    /**
     * NAT gateways of the VPC, for functions that also call AWS APIs outside it.
     * @default "Single"
     */
    natGateways?: NatGatewayStrategy;
    /**
     * IPv4 CIDR block of the VPC (/16 to /24).
     * @default "10.0.0.0/16"
     */
    vpcCidr?: string;
    /**
     * Pulumi `protect` on the collection (its index can be rebuilt from the table, but that takes time).
     * @default false
     */
    protect?: boolean;
    /**
     * AWS services the functions in the VPC reach through VPC endpoints instead of the NAT gateway
     * (one NAT, or one AZ, down no longer takes those calls down). Each endpoint's policy allows
     * exactly what the functions in the VPC (`vpc: search.functionVpc`) are granted on its service,
     * to principals of this account only:
     * - `dynamodb`: a gateway endpoint on the private subnets' route tables (no charge);
     * - `sns`: an interface endpoint with private DNS in each private subnet, behind a security group
     *   admitting HTTPS from the client group only (billed per AZ-hour and per GB).
     * @default []: both reached through the NAT gateway
     */
    serviceEndpoints?: EndpointService[];
}

/** The AWS services the VPC can have endpoints for. */
export type EndpointService = "dynamodb" | "sns";

/** How each endpoint reaches its service: routes for DynamoDB (free), network interfaces for SNS. */
export const SERVICE_ENDPOINT_TYPES: Record<EndpointService, "Gateway" | "Interface"> = { dynamodb: "Gateway", sns: "Interface" };

const INDEX = /^[a-z0-9][a-z0-9_-]{0,79}$/;
/** Collections, their security policies and VPC endpoints take 3 to 32 lower-case characters. */
const AOSS_NAME = /^[a-z][a-z0-9-]{2,31}$/;

/** The kinds of child resources Search creates, and the arguments a `transform` of each may edit. */
export interface SearchChildren extends ChildKinds {
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    securityGroup: aws.ec2.SecurityGroupArgs;
    serverlessAccessPolicy: aws.opensearch.ServerlessAccessPolicyArgs;
    serverlessCollection: aws.opensearch.ServerlessCollectionArgs;
    serverlessSecurityPolicy: aws.opensearch.ServerlessSecurityPolicyArgs;
    serverlessVpcEndpoint: aws.opensearch.ServerlessVpcEndpointArgs;
    vpcEndpoint: aws.ec2.VpcEndpointArgs;
}
const SEARCH_CHILD_KINDS = [
    "metricAlarm",
    "securityGroup",
    "serverlessAccessPolicy",
    "serverlessCollection",
    "serverlessSecurityPolicy",
    "serverlessVpcEndpoint",
    "vpcEndpoint",
] as const;

/**
 * An OpenSearch Serverless SEARCH collection reached only from inside a multi-AZ VPC: an
 * `awsx.ec2.Vpc`, a collection VPC endpoint in its private subnets behind a security group that
 * admits HTTPS from the client security group only, an encryption policy with the customer key, a
 * network policy that allows the VPC endpoint and nothing public, a data access policy naming
 * exact roles with exact index permissions, and alarms on failed searches and ingestion.
 */
export class Search extends Component<SearchChildren> implements VpcEndpointPolicies, Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Name of the collection. */
    public readonly collectionName: string;
    /** ARN of the collection: the resource of `aoss:APIAccessAll`. */
    public readonly collectionArn: pulumi.Output<string>;
    /** HTTPS endpoint of the collection (what `SEARCH_ENDPOINT` holds). */
    public readonly collectionEndpoint: pulumi.Output<string>;
    /** The index the data access policy covers. */
    public readonly indexName: string;
    /** Id of the VPC. */
    public readonly vpcId: pulumi.Output<string>;
    /** Ids of the private subnets, one per availability zone. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Id of the security group clients (functions) of the collection use. */
    public readonly clientSecurityGroupId: pulumi.Output<string>;
    /** Id of the collection's VPC endpoint. */
    public readonly vpcEndpointId: pulumi.Output<string>;
    /** What a `Function` needs to run in the VPC next to the endpoint. */
    public readonly functionVpc: FunctionVpc;
    /** Id of each AWS service endpoint `serviceEndpoints` asked for, by service. */
    public readonly serviceEndpointIds: Partial<Record<EndpointService, pulumi.Output<string>>>;
    /** The IAM statement a client role needs besides the data access policy (what `grantRead` and `grantWrite` add). */
    public readonly accessGrant: Grant;
    /** Who reads and writes the index: the data access policy's principals. */
    private readonly principals: Collected<{ access: "read" | "write"; roleArn: pulumi.Input<string> }>;
    /** Grantees that already have `accessGrant`. */
    private readonly accessGrantees = new Set<Grantee>();
    /** The statements of each service endpoint's policy. */
    private readonly endpointGrants: Partial<Record<EndpointService, Collected<Grant>>> = {};

    constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:search:Search", "Search", name, SEARCH_CHILD_KINDS, args, opts);
        const ctx = args.context;
        const indexName = args.indexName ?? "orders";
        if (!INDEX.test(indexName)) {
            this.invalid("indexName", indexName, "allowed: lower-case letters, digits, dashes and underscores, starting with a letter or digit");
        }
        const previousIndexes = args.previousIndexNames ?? [];
        for (const previous of previousIndexes) {
            if (!INDEX.test(previous) || previous === indexName || previousIndexes.indexOf(previous) !== previousIndexes.lastIndexOf(previous)) {
                this.invalid(
                    "previousIndexNames",
                    previous,
                    `allowed: index names (lower-case letters, digits, dashes and underscores), each once, other than indexName "${indexName}"`,
                );
            }
        }
        const writers = args.writerRoleArns ?? [];
        const readers = args.readerRoleArns ?? [];
        for (const [argument, roles] of [
            ["writerRoleArns", writers],
            ["readerRoleArns", readers],
        ] as const) {
            for (const r of roles) {
                if (typeof r === "string" && !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(r)) {
                    this.invalid(argument, r, "allowed: exact IAM role ARNs (arn:aws:iam::<account>:role/<name>), no wildcards");
                }
            }
        }
        const azs = this.checkInt("availabilityZones", args.availabilityZones ?? 3, 2, 3);
        const nat = args.natGateways ?? "Single";
        if (!(NAT_GATEWAY_STRATEGIES as readonly string[]).includes(nat)) {
            this.invalid("natGateways", nat, `allowed: ${NAT_GATEWAY_STRATEGIES.join(", ")}`);
        }
        const cidr = args.vpcCidr ?? "10.0.0.0/16";
        const cidrProblem = vpcCidrProblem(cidr);
        if (cidrProblem !== undefined) {
            this.invalid("vpcCidr", cidr, cidrProblem);
        }
        const services = args.serviceEndpoints ?? [];
        for (const service of services) {
            if (!(service in SERVICE_ENDPOINT_TYPES)) {
                this.invalid("serviceEndpoints", service, `allowed: ${Object.keys(SERVICE_ENDPOINT_TYPES).join(", ")}`);
            }
        }
        if (new Set(services).size !== services.length) {
            this.invalid("serviceEndpoints", services, "allowed: each service once");
        }
        const collectionName = `${ctx.namePrefix}-search`;
        if (!AOSS_NAME.test(collectionName) || !AOSS_NAME.test(`${collectionName}-net`)) {
            this.invalid(
                "context.namePrefix",
                ctx.namePrefix,
                "allowed: lower-case letters, digits and dashes, at most 21 characters (collection and policy names take 3 to 32)",
            );
        }
        const tags = ctx.tags;

        const vpc = new ec2x.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: cidr,
                numberOfAvailabilityZones: azs,
                natGateways: { strategy: nat },
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { ...tags, Name: `${ctx.namePrefix}-vpc` },
            },
            { parent: this },
        );

        // Functions get this group: HTTPS out (to the endpoint, and to AWS APIs through the NAT gateway), nothing in.
        const clients = this.create(
            "securityGroup",
            aws.ec2.SecurityGroup,
            `clients`,
            {
                vpcId: vpc.vpcId,
                description: `${ctx.namePrefix} functions that call the search collection`,
                egress: [
                    { description: "HTTPS to the collection endpoint and AWS APIs", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
                ],
                tags: { ...tags, Name: `${ctx.namePrefix}-search-clients` },
            },
            { parent: this },
        );
        // The endpoint admits HTTPS from the client group only and opens no connection itself.
        const endpointGroup = this.create(
            "securityGroup",
            aws.ec2.SecurityGroup,
            `endpoint`,
            {
                vpcId: vpc.vpcId,
                description: `${ctx.namePrefix} search collection VPC endpoint`,
                ingress: [{ description: "HTTPS from the search clients", protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [clients.id] }],
                tags: { ...tags, Name: `${ctx.namePrefix}-search-endpoint` },
            },
            { parent: this },
        );
        const endpoint = this.create(
            "serverlessVpcEndpoint",
            aws.opensearch.ServerlessVpcEndpoint,
            `vpc-endpoint`,
            { name: collectionName, vpcId: vpc.vpcId, subnetIds: vpc.privateSubnetIds, securityGroupIds: [endpointGroup.id] },
            { parent: this },
        );

        const collectionRules = [{ ResourceType: "collection", Resource: [`collection/${collectionName}`] }];
        const encryptionPolicy = this.create(
            "serverlessSecurityPolicy",
            aws.opensearch.ServerlessSecurityPolicy,
            `encryption`,
            {
                name: `${collectionName}-enc`,
                type: "encryption",
                description: `Customer KMS key for ${collectionName}`,
                policy: pulumi.jsonStringify({ Rules: collectionRules, AWSOwnedKey: false, KmsARN: args.kmsKeyArn }),
            },
            { parent: this },
        );
        this.create(
            "serverlessSecurityPolicy",
            aws.opensearch.ServerlessSecurityPolicy,
            `network`,
            {
                name: `${collectionName}-net`,
                type: "network",
                description: `${collectionName} only through its VPC endpoint`,
                policy: pulumi.jsonStringify([
                    { Description: "VPC endpoint only", Rules: collectionRules, AllowFromPublic: false, SourceVPCEs: [endpoint.id] },
                ]),
            },
            { parent: this },
        );
        const indexResource = [indexName, ...previousIndexes].map((index) => `index/${collectionName}/${index}`);
        const accessRules = (principals: readonly { access: "read" | "write"; roleArn: pulumi.Input<string> }[]) => {
            const of = (access: "read" | "write") => principals.filter((p) => p.access === access).map((p) => p.roleArn);
            if (of("write").length === 0) {
                throw new pulumi.ResourceError(
                    `Search "${name}": nobody writes the index, so it stays empty; allowed: at least one writer, search.grantWrite(fn) or writerRoleArns`,
                    this,
                    true,
                );
            }
            // Sorted and unique: a role granted twice, or in another order, is the same policy.
            return pulumi.all([pulumi.all(of("write")), pulumi.all(of("read"))]).apply(([writeRoles, readRoles]) =>
                JSON.stringify([
                    {
                        Description: "Search indexer: keep the index and write documents",
                        Rules: [{ ResourceType: "index", Resource: indexResource, Permission: INDEX_WRITE_PERMISSIONS }],
                        Principal: [...new Set(writeRoles)].sort(),
                    },
                    ...(readRoles.length > 0
                        ? [
                              {
                                  Description: "API: query documents",
                                  Rules: [{ ResourceType: "index", Resource: indexResource, Permission: INDEX_READ_PERMISSIONS }],
                                  Principal: [...new Set(readRoles)].sort(),
                              },
                          ]
                        : []),
                ]),
            );
        };
        this.principals = new Collected(`the data access policy of Search "${name}"`, accessRules);
        writers.forEach((roleArn) => this.principals.add({ access: "write", roleArn }));
        readers.forEach((roleArn) => this.principals.add({ access: "read", roleArn }));
        this.create(
            "serverlessAccessPolicy",
            aws.opensearch.ServerlessAccessPolicy,
            `data-access`,
            {
                name: `${collectionName}-data`,
                type: "data",
                description: `Exact index permissions of the ${collectionName} clients`,
                policy: this.principals.output as pulumi.Output<string>,
            },
            { parent: this },
        );

        // AOSS refuses to create a collection that no encryption policy covers.
        const collection = this.create(
            "serverlessCollection",
            aws.opensearch.ServerlessCollection,
            `collection`,
            {
                name: collectionName,
                type: "SEARCH",
                description: `${ctx.namePrefix} order search`,
                standbyReplicas: args.standbyReplicas ? "ENABLED" : "DISABLED",
                tags,
            },
            { parent: this, dependsOn: [encryptionPolicy], protect: args.protect ?? false },
        );

        // AOSS publishes per-collection metrics with the account as ClientId.
        const dimensions = { ClientId: ctx.accountId, CollectionId: collection.id, CollectionName: collection.name };
        for (const [metricName, what] of [
            ["SearchRequestErrors", "search requests failed: the API's search route answers with errors"],
            ["IngestionRequestErrors", "document writes failed: the search index falls behind the table"],
        ] as const) {
            createAlarm(
                `${name}-${metricName.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`,
                {
                    description: `${collectionName}: ${what}.`,
                    severity: "warning",
                    signal: { kind: "metric", metric: { namespace: "AWS/AOSS", metricName, dimensions, stat: "Sum" } },
                    threshold: 0,
                    comparisonOperator: "GreaterThanThreshold",
                    evaluationPeriods: 5,
                    datapointsToAlarm: 3,
                },
                args.routing,
                { parent: this, hooks: this.childHooks("metricAlarm"), tags },
            );
        }

        this.collectionName = collectionName;
        this.collectionArn = collection.arn;
        this.monitored = { searchCollection: { name: collectionName, id: collection.id } };
        this.collectionEndpoint = collection.collectionEndpoint;
        this.indexName = indexName;
        this.vpcId = vpc.vpcId;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.clientSecurityGroupId = clients.id;
        this.vpcEndpointId = endpoint.id;
        this.functionVpc = { subnetIds: vpc.privateSubnetIds, securityGroupIds: [clients.id], endpoints: this };
        this.serviceEndpointIds = this.serviceEndpoints(ctx, vpc, clients, services);
        this.accessGrant = {
            sid: "SearchCollection",
            // The data plane checks this IAM action first, then the data access policy's index permissions.
            actions: ["aoss:APIAccessAll"],
            resources: [collection.arn],
        };
        this.registerOutputs({
            collectionArn: this.collectionArn,
            collectionEndpoint: this.collectionEndpoint,
            vpcId: this.vpcId,
            vpcEndpointId: this.vpcEndpointId,
            serviceEndpointIds: this.serviceEndpointIds,
        });
    }

    /** Lets the grantee query the index: its role in the data access policy, and `accessGrant` in its policy. */
    public grantRead(grantee: Grantee): Grant {
        return this.grantIndex(grantee, "read");
    }

    /** Lets the grantee create, update and write the index: its role in the data access policy, and `accessGrant`. */
    public grantWrite(grantee: Grantee): Grant {
        return this.grantIndex(grantee, "write");
    }

    /**
     * Adds a statement of a function in the VPC to the policy of its service's endpoint, when the VPC
     * has one (what `functionVpc.endpoints` does for each grant of a `Function`).
     */
    public allow(grant: Grant, from: string): void {
        const services = [...new Set(grant.actions.map((a) => a.split(":")[0]))];
        const covered = services.filter((svc): svc is EndpointService => this.endpointGrants[svc as EndpointService] !== undefined);
        if (covered.length === 0) {
            return;
        }
        if (services.length > 1) {
            this.invalid(
                "serviceEndpoints",
                `${from} ${grant.sid}`,
                `allowed: statements on one service each; ${covered[0]} has an endpoint, so split this statement`,
            );
        }
        // An endpoint policy on "*" would let stolen credentials reach any table or topic through it.
        if (grant.resources.includes("*")) {
            this.invalid("serviceEndpoints", `${from} ${grant.sid} "*"`, "allowed: exact ARNs of the resources the functions use");
        }
        (this.endpointGrants[covered[0]] as Collected<Grant>).add(grant);
    }

    private grantIndex(grantee: Grantee, access: "read" | "write"): Grant {
        this.principals.add({ access, roleArn: grantee.principalArn });
        if (!this.accessGrantees.has(grantee)) {
            this.accessGrantees.add(grantee);
            grantee.addGrant(this.accessGrant);
        }
        return this.accessGrant;
    }

    /**
     * The VPC endpoints of `serviceEndpoints`. Their policies repeat the statements of the functions
     * in the VPC with Principal "*" (gateway endpoints accept no other) narrowed to this account, so
     * the endpoint is no wider than the roles behind it.
     */
    private serviceEndpoints(
        ctx: PlatformContext,
        vpc: ec2x.Vpc,
        clients: aws.ec2.SecurityGroup,
        services: readonly EndpointService[],
    ): Partial<Record<EndpointService, pulumi.Output<string>>> {
        const ids: Partial<Record<EndpointService, pulumi.Output<string>>> = {};
        if (services.length === 0) {
            return ids;
        }
        const prefix = ctx.partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws";
        const endpointPolicy = (service: EndpointService) => (grants: readonly Grant[]) => {
            if (grants.length === 0) {
                throw new pulumi.ResourceError(
                    `Search "${this.componentName}": argument "serviceEndpoints" names ${service}, but no function in the VPC is granted anything on ${service}; ` +
                        "allowed: only services the VPC's functions call (leave it out to reach it through the NAT gateway)",
                    this,
                    true,
                );
            }
            return pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: grants.map((g) => ({
                    Sid: g.sid,
                    Effect: "Allow",
                    Principal: "*",
                    Action: g.actions,
                    Resource: g.resources,
                    Condition: { StringEquals: { "aws:PrincipalAccount": ctx.accountId } },
                })),
            });
        };
        let interfaceGroup: aws.ec2.SecurityGroup | undefined;
        for (const service of services) {
            const grants = new Collected<Grant>(`the policy of the VPC's ${service} endpoint`, endpointPolicy(service));
            this.endpointGrants[service] = grants;
            const common = {
                vpcId: vpc.vpcId,
                serviceName: `${prefix}.${ctx.region}.${service}`,
                vpcEndpointType: SERVICE_ENDPOINT_TYPES[service],
                policy: grants.output as pulumi.Output<string>,
                tags: { ...ctx.tags, Name: `${ctx.namePrefix}-${service}` },
            };
            let endpoint: aws.ec2.VpcEndpoint;
            if (SERVICE_ENDPOINT_TYPES[service] === "Gateway") {
                endpoint = this.create(
                    "vpcEndpoint",
                    aws.ec2.VpcEndpoint,
                    `${service}-endpoint`,
                    { ...common, routeTableIds: privateRouteTableIds(vpc) },
                    { parent: this },
                );
            } else {
                interfaceGroup ??= this.create(
                    "securityGroup",
                    aws.ec2.SecurityGroup,
                    `service-endpoints`,
                    {
                        vpcId: vpc.vpcId,
                        description: `${ctx.namePrefix} AWS service interface endpoints`,
                        ingress: [
                            { description: "HTTPS from the functions in the VPC", protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [clients.id] },
                        ],
                        tags: { ...ctx.tags, Name: `${ctx.namePrefix}-service-endpoints` },
                    },
                    { parent: this },
                );
                // Private DNS answers the service's public name with the endpoint's addresses: the SDK needs no endpoint setting.
                endpoint = this.create(
                    "vpcEndpoint",
                    aws.ec2.VpcEndpoint,
                    `${service}-endpoint`,
                    { ...common, privateDnsEnabled: true, subnetIds: vpc.privateSubnetIds, securityGroupIds: [interfaceGroup.id] },
                    { parent: this },
                );
            }
            ids[service] = endpoint.id;
        }
        return ids;
    }
}

/**
 * Ids of the route tables of the VPC's private subnets, from awsx's `routeTableAssociations` (each
 * subnet has its own table; `privateSubnetIds` says which subnets are private). A gateway endpoint
 * adds its routes to exactly these; the public subnets' tables need none.
 */
function privateRouteTableIds(vpc: ec2x.Vpc): pulumi.Output<string[]> {
    return vpc.routeTableAssociations.apply((associations) =>
        pulumi
            .all([vpc.privateSubnetIds, pulumi.all((associations ?? []).map((a) => pulumi.all([a.subnetId, a.routeTableId])))])
            .apply(([privateIds, pairs]) => selectPrivateRouteTables(pairs, privateIds)),
    );
}

/** The distinct route tables associated with the private subnets; none is an error, not an endpoint that routes nothing. */
export function selectPrivateRouteTables(associations: [string | undefined, string][], privateSubnetIds: string[]): string[] {
    const tables = [...new Set(associations.filter(([subnet]) => subnet !== undefined && privateSubnetIds.includes(subnet)).map(([, table]) => table))];
    if (tables.length === 0) {
        // awsx gives every subnet a table; none for the private subnets means its outputs changed shape.
        throw new Error(
            `Search: the VPC reported no route table for its private subnets (${privateSubnetIds.join(", ") || "none"}); the DynamoDB gateway endpoint would route nothing`,
        );
    }
    return tables;
}
