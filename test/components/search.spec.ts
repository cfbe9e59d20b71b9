import { strict as assert } from "node:assert";
import { ACCOUNT, MockRun, Recorded, installMocks, json, list, statementsBySid, testContext, valueOf, functionTestArgs } from "./harness";

const R = "eu-west-1";
const KEY = (k: string) => `arn:aws:kms:${R}:${ACCOUNT}:key/${k}`;
const role = (n: string) => `arn:aws:iam::${ACCOUNT}:role/platform-dev-${n}`;
const COLLECTION = "platform-dev-search";
const COLLECTION_ARN = `arn:aws:aoss:${R}:${ACCOUNT}:collection/search-collection-id`;
const TABLE = `arn:aws:dynamodb:${R}:${ACCOUNT}:table/platform-staging-orders`;
const TOPIC = `arn:aws:sns:${R}:${ACCOUNT}:platform-staging-events`;
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

describe("Search component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/search");
    let fnMod: typeof import("../../components/function");
    let search: import("../../components/search").Search;
    let base: import("../../components/search").SearchArgs;
    let fnArgs: import("../../components/function").FunctionArgs;

    const one = (type: string, name: string): Recorded => run.one(type, name);
    const policy = (name: string) => one("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy", name);

    before(async function () {
        run = installMocks();
        const alerting = await import("../../components/alerting");
        mod = await import("../../components/search");
        fnMod = await import("../../components/function");
        const ctx = testContext();
        const routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: KEY("messaging"), emails: ["a@example.com"], escalationMinutes: 30 })
            .routing;
        base = { context: ctx, kmsKeyArn: KEY("data"), routing, writerRoleArns: [role("search-indexer")] };
        // The api's role comes from outside this program here; the writer is a function the search grants to.
        search = new mod.Search("search", {
            context: ctx,
            kmsKeyArn: KEY("data"),
            routing,
            readerRoleArns: [role("api")],
            availabilityZones: 2,
            natGateways: "OnePerAz",
            vpcCidr: "10.20.0.0/16",
            protect: true,
        });
        fnArgs = functionTestArgs(ctx, routing);
        const indexer = new fnMod.Function("search-indexer", {
            ...fnArgs,
            environment: { SEARCH_ENDPOINT: search.collectionEndpoint, SEARCH_INDEX: search.indexName },
            vpc: search.functionVpc,
        });
        search.grantWrite(indexer);
        search.grantWrite(indexer);
        // A stack whose functions in the VPC use DynamoDB and SNS, as the api does.
        const svc = new mod.Search("svc", { ...base, context: testContext("staging"), availabilityZones: 3, serviceEndpoints: ["dynamodb", "sns"] });
        const inVpc = new fnMod.Function("svc-api", {
            ...functionTestArgs(testContext("staging"), routing),
            vpc: svc.functionVpc,
            grants: [{ sid: "Orders", actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: [TABLE] }],
        });
        inVpc.addGrant({ sid: "OrdersByCustomer", actions: ["dynamodb:Query"], resources: [`${TABLE}/index/gsi1`] });
        inVpc.addGrant({ sid: "PublishEvents", actions: ["sns:Publish"], resources: [TOPIC] });
        // Not in the VPC: its table statement must not widen the endpoint's policy.
        new fnMod.Function("svc-outside", {
            ...functionTestArgs(testContext("staging"), routing),
            grants: [{ sid: "Ledger", actions: ["dynamodb:PutItem"], resources: [`${TABLE}-ledger`] }],
        });
        await run.settle();
    });

    it("registers as platform:search:Search with every child parented to it", function () {
        const component = one("platform:search:Search", "search");
        const children = run.resources.filter((r) => r.parentUrn === component.urn).map((r) => r.type);
        for (const t of [
            "awsx:ec2:Vpc",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint",
            "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
            "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
            "aws:opensearch/serverlessCollection:ServerlessCollection",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
        ]) {
            assert.ok(children.includes(t), t);
        }
    });

    it("builds a multi-AZ awsx VPC from the arguments", function () {
        const vpc = one("awsx:ec2:Vpc", "search-vpc");
        assert.equal(vpc.inputs.numberOfAvailabilityZones, 2);
        assert.deepEqual(vpc.inputs.natGateways, { strategy: "OnePerAz" });
        assert.equal(vpc.inputs.cidrBlock, "10.20.0.0/16");
        assert.equal(vpc.inputs.enableDnsHostnames, true, "the endpoint's private DNS needs DNS hostnames");
    });

    it("a SEARCH collection with the standby setting, protected when asked", function () {
        const c = one("aws:opensearch/serverlessCollection:ServerlessCollection", "search-collection");
        assert.equal(c.inputs.name, COLLECTION);
        assert.equal(c.inputs.type, "SEARCH");
        assert.equal(c.inputs.standbyReplicas, "DISABLED");
        assert.equal(c.protect, true);
    });

    it("the encryption policy covers the collection with the customer key, never an AWS-owned key", function () {
        const p = policy("search-encryption");
        assert.equal(p.inputs.type, "encryption");
        assert.equal(p.inputs.name, `${COLLECTION}-enc`);
        assert.deepEqual(json(p.inputs.policy), {
            Rules: [{ ResourceType: "collection", Resource: [`collection/${COLLECTION}`] }],
            AWSOwnedKey: false,
            KmsARN: KEY("data"),
        });
    });

    it("the network policy allows the VPC endpoint only, nothing public", function () {
        const p = policy("search-network");
        assert.equal(p.inputs.type, "network");
        assert.deepEqual(json(p.inputs.policy), [
            {
                Description: "VPC endpoint only",
                Rules: [{ ResourceType: "collection", Resource: [`collection/${COLLECTION}`] }],
                AllowFromPublic: false,
                SourceVPCEs: ["search-vpc-endpoint-id"],
            },
        ]);
        assert.deepEqual(p.propertyDependencies.policy, [one("aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint", "search-vpc-endpoint").urn]);
    });

    it("the data access policy names exactly the granted writer and the listed reader, once each, with exact index permissions on the one index", function () {
        const p = one("aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy", "search-data-access");
        assert.equal(p.inputs.type, "data");
        const index = [`index/${COLLECTION}/orders`];
        assert.deepEqual(json(p.inputs.policy), [
            {
                Description: "Search indexer: keep the index and write documents",
                Rules: [
                    {
                        ResourceType: "index",
                        Resource: index,
                        Permission: ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument"],
                    },
                ],
                Principal: [role("search-indexer")],
            },
            {
                Description: "API: query documents",
                Rules: [{ ResourceType: "index", Resource: index, Permission: ["aoss:ReadDocument"] }],
                Principal: [role("api")],
            },
        ]);
        assert.ok(!JSON.stringify(json(p.inputs.policy)).includes("aoss:*"));
    });

    it("the VPC endpoint sits in the private subnets behind a group that admits HTTPS from the clients only", function () {
        const ep = one("aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint", "search-vpc-endpoint");
        const vpc = one("awsx:ec2:Vpc", "search-vpc");
        assert.deepEqual(ep.inputs.subnetIds, ["subnet-private-0", "subnet-private-1"]);
        assert.equal(ep.inputs.vpcId, "vpc-search-vpc");
        assert.deepEqual(ep.propertyDependencies.subnetIds, [vpc.urn]);
        const endpointSg = one("aws:ec2/securityGroup:SecurityGroup", "search-endpoint");
        const clientsSg = one("aws:ec2/securityGroup:SecurityGroup", "search-clients");
        assert.deepEqual(ep.propertyDependencies.securityGroupIds, [endpointSg.urn]);
        assert.equal(endpointSg.inputs.ingress.length, 1);
        assert.deepEqual(endpointSg.inputs.ingress[0], {
            description: "HTTPS from the search clients",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            securityGroups: ["search-clients-id"],
        });
        assert.equal(endpointSg.inputs.egress, undefined, "the endpoint opens no connections");
        assert.equal(clientsSg.inputs.ingress, undefined, "nothing connects to the functions");
        assert.deepEqual(
            clientsSg.inputs.egress.map((e: { fromPort: number; toPort: number }) => [e.fromPort, e.toPort]),
            [[443, 443]],
        );
    });

    it("alarms on failed searches and failed ingestion, routed to warning", function () {
        const warning = one("aws:sns/topic:Topic", "alerts-warning").urn;
        const collection = one("aws:opensearch/serverlessCollection:ServerlessCollection", "search-collection");
        for (const [name, metric] of [
            ["search-search-request-errors", "SearchRequestErrors"],
            ["search-ingestion-request-errors", "IngestionRequestErrors"],
        ]) {
            const a = one("aws:cloudwatch/metricAlarm:MetricAlarm", name);
            assert.equal(a.inputs.namespace, "AWS/AOSS");
            assert.equal(a.inputs.metricName, metric);
            assert.deepEqual(a.inputs.dimensions, { ClientId: ACCOUNT, CollectionId: "search-collection-id", CollectionName: COLLECTION });
            assert.deepEqual(a.propertyDependencies.dimensions, [collection.urn]);
            assert.deepEqual(a.propertyDependencies.alarmActions, [warning]);
            one("aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-escalated`);
        }
    });

    it("outputs the endpoint, the VPC and what a function needs to join it", async function () {
        assert.equal(await valueOf(search.collectionEndpoint), `https://search-collection-id.${R}.aoss.amazonaws.com`);
        assert.equal(await valueOf(search.vpcId), "vpc-search-vpc");
        assert.equal(search.indexName, "orders");
        assert.deepEqual(search.accessGrant.actions, ["aoss:APIAccessAll"]);
    });

    it("Function vpc: runs in the private subnets with the client group and gets exactly the ENI actions AWS requires on *", function () {
        const fn = one("aws:lambda/function:Function", "search-indexer-function");
        assert.deepEqual(fn.inputs.vpcConfig, { subnetIds: ["subnet-private-0", "subnet-private-1"], securityGroupIds: ["search-clients-id"] });
        assert.equal(fn.inputs.environment.variables.SEARCH_ENDPOINT, `https://search-collection-id.${R}.aoss.amazonaws.com`);
        assert.equal(fn.inputs.environment.variables.SEARCH_INDEX, "orders");
        const s = statementsBySid(one("aws:iam/rolePolicy:RolePolicy", "search-indexer-policy").inputs.policy);
        assert.deepEqual(list(s.VpcNetworkInterfaces.Action), ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]);
        assert.deepEqual(list(s.VpcNetworkInterfaces.Resource), ["*"]);
        assert.deepEqual(list(s.SearchCollection.Action), ["aoss:APIAccessAll"]);
        assert.deepEqual(list(s.SearchCollection.Resource), [COLLECTION_ARN]);
    });

    describe("AWS service endpoints (serviceEndpoints)", function () {
        it("none without serviceEndpoints: the collection's endpoint is the VPC's only one", function () {
            const component = one("platform:search:Search", "search");
            assert.deepEqual(
                run.ofType(ENDPOINT).filter((e) => e.parentUrn === component.urn),
                [],
            );
            assert.equal(run.ofType("aws:ec2/securityGroup:SecurityGroup").filter((g) => g.name === "search-service-endpoints").length, 0);
        });

        it("DynamoDB: a gateway endpoint (no charge) on the private subnets' route tables only, parented to the component", function () {
            const ep = one(ENDPOINT, "svc-dynamodb-endpoint");
            assert.equal(ep.parentUrn, one("platform:search:Search", "svc").urn);
            assert.equal(ep.inputs.vpcEndpointType, "Gateway");
            assert.equal(ep.inputs.serviceName, `com.amazonaws.${R}.dynamodb`);
            assert.equal(ep.inputs.vpcId, "vpc-svc-vpc");
            // One table per private subnet (three AZs); the public subnets' tables route to the internet gateway and need none.
            assert.deepEqual(ep.inputs.routeTableIds, ["rtb-private-0", "rtb-private-1", "rtb-private-2"]);
            assert.deepEqual(ep.propertyDependencies.routeTableIds, [one("awsx:ec2:Vpc", "svc-vpc").urn]);
            assert.equal(ep.inputs.subnetIds, undefined);
            assert.equal(ep.inputs.privateDnsEnabled, undefined);
        });

        it("DynamoDB's endpoint policy allows exactly the table statements of the functions in the VPC, to this account's principals", function () {
            const doc = json(one(ENDPOINT, "svc-dynamodb-endpoint").inputs.policy);
            const account = { StringEquals: { "aws:PrincipalAccount": ACCOUNT } };
            assert.deepEqual(doc.Statement, [
                { Sid: "Orders", Effect: "Allow", Principal: "*", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: [TABLE], Condition: account },
                { Sid: "OrdersByCustomer", Effect: "Allow", Principal: "*", Action: ["dynamodb:Query"], Resource: [`${TABLE}/index/gsi1`], Condition: account },
            ]);
        });

        it("SNS: an interface endpoint with private DNS in every private subnet, behind a group admitting HTTPS from the clients only", function () {
            const ep = one(ENDPOINT, "svc-sns-endpoint");
            assert.equal(ep.inputs.vpcEndpointType, "Interface");
            assert.equal(ep.inputs.serviceName, `com.amazonaws.${R}.sns`);
            assert.equal(ep.inputs.privateDnsEnabled, true, "the SDK's default sns.<region>.amazonaws.com resolves to the endpoint");
            assert.deepEqual(ep.inputs.subnetIds, ["subnet-private-0", "subnet-private-1", "subnet-private-2"]);
            const sg = one("aws:ec2/securityGroup:SecurityGroup", "svc-service-endpoints");
            assert.deepEqual(ep.propertyDependencies.securityGroupIds, [sg.urn]);
            assert.deepEqual(sg.inputs.ingress, [
                { description: "HTTPS from the functions in the VPC", protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: ["svc-clients-id"] },
            ]);
            assert.deepEqual(sg.propertyDependencies.ingress, [one("aws:ec2/securityGroup:SecurityGroup", "svc-clients").urn]);
            assert.equal(sg.inputs.egress, undefined, "the endpoint opens no connections");
            assert.deepEqual(json(ep.inputs.policy).Statement, [
                {
                    Sid: "PublishEvents",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["sns:Publish"],
                    Resource: [TOPIC],
                    Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
                },
            ]);
        });

        it("picks the private subnets' route tables from awsx's associations, once each, and refuses to route nothing", function () {
            assert.deepEqual(
                mod.selectPrivateRouteTables(
                    [
                        ["subnet-a", "rtb-a"],
                        ["subnet-p", "rtb-pub"],
                        ["subnet-b", "rtb-a"],
                        [undefined, "rtb-main"],
                    ],
                    ["subnet-a", "subnet-b"],
                ),
                ["rtb-a"],
            );
            assert.throws(
                () => mod.selectPrivateRouteTables([["subnet-p", "rtb-pub"]], ["subnet-a"]),
                /Search: the VPC reported no route table for its private subnets \(subnet-a\); the DynamoDB gateway endpoint would route nothing/,
            );
        });

        it("rejects endpoints and statements the endpoint policy cannot scope, naming what was wrong", function () {
            assert.throws(
                () => new mod.Search("badsvc0", { ...base, serviceEndpoints: ["s3" as never] }),
                /Search: argument "serviceEndpoints" is "s3"; allowed: dynamodb, sns/,
            );
            assert.throws(
                () => new mod.Search("badsvc1", { ...base, serviceEndpoints: ["sns", "sns"] }),
                /Search: argument "serviceEndpoints" is \["sns","sns"\]; allowed: each service once/,
            );
            const vpc = new mod.Search("badsvc2", { ...base, serviceEndpoints: ["dynamodb"] }).functionVpc;
            const fn = new fnMod.Function("badsvc2-fn", {
                ...fnArgs,
                vpc,
                grants: [{ sid: "Orders", actions: ["dynamodb:GetItem"], resources: [TABLE] }],
            });
            // Both would otherwise reach the endpoint: a statement on "*" through it, or one it covers only in part.
            assert.throws(
                () => fn.addGrant({ sid: "Anything", actions: ["dynamodb:GetItem"], resources: ["*"], anyResourceReason: "because" }),
                /Search: argument "serviceEndpoints" is "Function \\"badsvc2-fn\\" Anything \\"\*\\""; allowed: exact ARNs/,
            );
            assert.throws(
                () => fn.addGrant({ sid: "Mixed", actions: ["dynamodb:GetItem", "sns:Publish"], resources: [TABLE, TOPIC] }),
                /Search: argument "serviceEndpoints" is "Function \\"badsvc2-fn\\" Mixed"; allowed: statements on one service each; dynamodb has an endpoint/,
            );
        });
    });

    it("keeps the clients' access to the previous index while a rebuild moves them to a new one", async function () {
        new mod.Search("rebuild", { ...base, context: testContext("prod"), indexName: "orders-v2", previousIndexNames: ["orders"] });
        await run.settle();
        const rules = (
            json(one("aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy", "rebuild-data-access").inputs.policy) as Array<{
                Rules: Array<{ Resource: string[] }>;
            }>
        ).flatMap((statement) => statement.Rules);
        assert.deepEqual(
            rules.map((r) => r.Resource),
            [["index/platform-prod-search/orders-v2", "index/platform-prod-search/orders"]],
        );
    });

    it("rejects bad arguments, naming them", function () {
        const bad: [Partial<import("../../components/search").SearchArgs>, RegExp][] = [
            [{ readerRoleArns: ["*"] }, /Search: argument "readerRoleArns" is "\*"; allowed: exact IAM role ARNs/],
            [{ availabilityZones: 1 }, /Search: argument "availabilityZones" is 1; allowed: a whole number from 2 to 3/],
            [{ natGateways: "None" as never }, /Search: argument "natGateways" is "None"; allowed: Single, OnePerAz/],
            [{ vpcCidr: "10.0.0.0/8" }, /Search: argument "vpcCidr" is "10.0.0.0\/8"; has a \/8 prefix/],
            [{ vpcCidr: "10.0.4.0/16" }, /Search: argument "vpcCidr" is "10.0.4.0\/16"; is not the start of a \/16 block/],
            [{ indexName: "Orders" }, /Search: argument "indexName" is "Orders"/],
            [{ previousIndexNames: ["orders"] }, /Search: argument "previousIndexNames" is "orders"; allowed: index names .* other than indexName "orders"/],
            [
                { indexName: "orders-v3", previousIndexNames: ["orders-v2", "orders-v2"] },
                /Search: argument "previousIndexNames" is "orders-v2"; allowed: .*each once/,
            ],
            [{ context: { ...testContext(), namePrefix: "platform-a-very-long-stack-name" } }, /Search: argument "context.namePrefix"/],
        ];
        bad.forEach(([over, message], i) => assert.throws(() => new mod.Search(`bad${i}`, { ...base, ...over }), message));
        assert.throws(
            () => new fnMod.Function("novpc", { ...fnArgs, vpc: { subnetIds: [], securityGroupIds: ["sg-1"] } }),
            /Function: argument "vpc.subnetIds" is \[\]; allowed: at least one id/,
        );
        assert.throws(
            () =>
                new fnMod.Function("nosid", {
                    ...fnArgs,
                    grants: [{ sid: "VpcNetworkInterfaces", actions: ["ec2:CreateNetworkInterface"], resources: ["arn:aws:ec2:::x"] }],
                }),
            /Function: argument "grants"/,
        );
    });
});
