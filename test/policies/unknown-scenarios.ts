// For every stack rule: a violating stack whose related values (ARNs, names, ids) are all unknown, as
// in a first `pulumi preview`. The resources are related only through propertyDependencies. `expect`
// names the resources the rule must report at its configured level (sub-checks the rule set calls
// advisory may add advisory lines).
import { Res, U } from "./helpers";

const t = {
    fn: "aws:lambda/function:Function",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    sub: "aws:sns/topicSubscription:TopicSubscription",
    queue: "aws:sqs/queue:Queue",
    esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
    bucket: "aws:s3/bucket:Bucket",
    stage: "aws:apigateway/stage:Stage",
    api: "aws:apigateway/restApi:RestApi",
};
const fn = (name: string, props: Record<string, unknown> = {}): Res => ({
    type: t.fn,
    name,
    props: { name: U, arn: U, role: U, runtime: "nodejs22.x", timeout: 10, ...props },
});
const plainTopic: Res = { type: t.topic, name: "plain", props: { arn: U, kmsMasterKeyId: U } };
const api: Res = { type: t.api, name: "api", props: { name: U } };
const stage: Res = { type: t.stage, name: "stage", props: { restApi: U, deployment: U, stageName: "v1", arn: U }, deps: { restApi: ["api"] } };
const bucket: Res = { type: t.bucket, name: "data", props: { bucket: U, arn: U } };
const collection: Res = { type: "aws:opensearch/serverlessCollection:ServerlessCollection", name: "search", props: { name: "orders", arn: U } };

export interface Scenario {
    rule: string;
    resources: Res[];
    expect: string[];
}

// Secrets Manager rotation and the OpenSearch Serverless account and dashboard rules (every related value
// unknown, resources related only through propertyDependencies): each reports at mandatory, nothing deferred.
const SECRETS_IDENTITY_UNKNOWN_SCENARIOS: Scenario[] = [
    {
        rule: "secrets-manager-rotation",
        resources: [
            { type: "aws:secretsmanager/secret:Secret", name: "db", props: { name: U, arn: U, kmsKeyId: U } },
            { type: "aws:secretsmanager/secret:Secret", name: "rotated", props: { name: U, arn: U, kmsKeyId: U } },
            {
                type: "aws:secretsmanager/secretRotation:SecretRotation",
                name: "rotation",
                props: { secretId: U, rotationLambdaArn: U, rotationRules: { automaticallyAfterDays: 30 } },
                deps: { secretId: ["rotated"] },
            },
        ],
        expect: ["db"],
    },
    {
        rule: "aoss-dashboards-private",
        resources: [
            { type: "aws:opensearch/serverlessCollection:ServerlessCollection", name: "search", props: { name: U, arn: U }, dependsOn: ["dash"] },
            {
                type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
                name: "dash",
                props: {
                    type: "network",
                    name: U,
                    policy: JSON.stringify([{ Rules: [{ ResourceType: "dashboard", Resource: ["collection/orders"] }], AllowFromPublic: true }]),
                },
            },
        ],
        expect: ["dash"],
    },
    {
        rule: "aoss-data-access-same-account",
        resources: [
            { type: "aws:iam/role:Role", name: "indexer", props: { name: "orders-indexer", arn: U, assumeRolePolicy: U } },
            {
                type: "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
                name: "data",
                props: {
                    type: "data",
                    name: U,
                    policy: JSON.stringify([
                        {
                            Rules: [{ ResourceType: "index", Resource: ["index/orders/*"], Permission: ["aoss:ReadDocument"] }],
                            Principal: ["arn:aws:iam::123456789012:role/orders-indexer", U, "arn:aws:iam::999988887777:role/partner"],
                        },
                    ]),
                },
            },
        ],
        expect: ["data"],
    },
];

export const UNKNOWN_SCENARIOS: Scenario[] = [
    {
        rule: "lambda-async-failure-destination",
        resources: [fn("worker"), { type: t.sub, name: "sub", props: { topic: U, protocol: "lambda", endpoint: U }, deps: { endpoint: ["worker"] } }],
        expect: ["worker"],
    },
    {
        rule: "lambda-sqs-visibility-timeout",
        resources: [
            fn("worker", { timeout: 30 }),
            { type: t.queue, name: "jobs", props: { arn: U, visibilityTimeoutSeconds: 60 } },
            { type: t.esm, name: "m", props: { eventSourceArn: U, functionName: U }, deps: { eventSourceArn: ["jobs"], functionName: ["worker"] } },
        ],
        expect: ["jobs"],
    },
    {
        rule: "lambda-sqs-maximum-concurrency",
        resources: [
            fn("worker", { reservedConcurrentExecutions: 5 }),
            { type: t.queue, name: "jobs", props: { arn: U } },
            { type: t.esm, name: "m", props: { eventSourceArn: U, functionName: U }, deps: { eventSourceArn: ["jobs"], functionName: ["worker"] } },
        ],
        expect: ["m"],
    },
    {
        rule: "lambda-provisioned-concurrency-scaled",
        resources: [
            fn("api"),
            { type: "aws:lambda/alias:Alias", name: "live", props: { name: "live", functionName: U, functionVersion: U }, deps: { functionName: ["api"] } },
            {
                type: "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
                name: "pc",
                props: { functionName: U, qualifier: U, provisionedConcurrentExecutions: 10 },
                deps: { functionName: ["api"], qualifier: ["live"] },
            },
            // A scalable target on another function: it scales nothing of this allocation.
            fn("other"),
            {
                type: "aws:appautoscaling/target:Target",
                name: "other-target",
                props: {
                    serviceNamespace: "lambda",
                    scalableDimension: "lambda:function:ProvisionedConcurrency",
                    resourceId: U,
                    minCapacity: 1,
                    maxCapacity: 5,
                },
                deps: { resourceId: ["other"] },
            },
        ],
        expect: ["pc"],
    },
    {
        rule: "cognito-custom-attribute-write",
        resources: [
            {
                type: "aws:cognito/userPool:UserPool",
                name: "users",
                props: { name: U, id: U, schemas: [{ name: "tenant_id", attributeDataType: "String", mutable: false }] },
            },
            { type: "aws:cognito/userPoolClient:UserPoolClient", name: "web", props: { userPoolId: U, name: U }, deps: { userPoolId: ["users"] } },
        ],
        expect: ["web"],
    },
    {
        rule: "lambda-log-group-managed",
        resources: [fn("worker"), { type: "aws:cloudwatch/logGroup:LogGroup", name: "other", props: { name: U } }],
        expect: ["worker"],
    },
    {
        rule: "lambda-errors-alarm",
        resources: [
            fn("worker"),
            plainTopic,
            {
                type: t.alarm,
                name: "errors",
                props: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: U }, alarmActions: [U] },
                deps: { dimensions: ["worker"], alarmActions: ["plain"] },
            },
        ],
        expect: ["worker"],
    },
    { rule: "lambda-throttles-alarm", resources: [fn("worker", { reservedConcurrentExecutions: 5 })], expect: ["worker"] },
    { rule: "apigw-execution-logging", resources: [api, stage], expect: ["stage"] },
    { rule: "apigw-waf", resources: [api, stage], expect: ["stage"] },
    { rule: "apigw-5xx-latency-alarm", resources: [api, stage], expect: ["stage"] },
    {
        rule: "cf-shield-and-5xx-alarm",
        resources: [{ type: "aws:cloudfront/distribution:Distribution", name: "cdn", props: { arn: U, id: U } }],
        expect: ["cdn"],
    },
    { rule: "s3-block-public-access", resources: [bucket], expect: ["data"] },
    { rule: "s3-tls-only-and-no-acls", resources: [bucket], expect: ["data"] },
    { rule: "s3-encryption-kms", resources: [bucket], expect: ["data"] },
    { rule: "s3-access-logging", resources: [bucket], expect: ["data"] },
    { rule: "s3-versioning-lifecycle", resources: [bucket], expect: ["data"] },
    { rule: "ddb-errors-alarm", resources: [{ type: "aws:dynamodb/table:Table", name: "orders", props: { name: U, arn: U } }], expect: ["orders"] },
    {
        rule: "sqs-has-dlq",
        resources: [
            fn("worker"),
            { type: t.queue, name: "jobs", props: { arn: U, url: U } },
            { type: t.esm, name: "m", props: { eventSourceArn: U, functionName: U }, deps: { eventSourceArn: ["jobs"], functionName: ["worker"] } },
        ],
        expect: ["jobs"],
    },
    {
        rule: "sqs-dlq-depth-alarm",
        resources: [
            { type: t.queue, name: "dlq", props: { arn: U } },
            { type: t.queue, name: "jobs", props: { arn: U, redrivePolicy: U }, deps: { redrivePolicy: ["dlq"] } },
        ],
        expect: ["dlq"],
    },
    {
        rule: "alarm-routes-to-severity-topic",
        resources: [
            plainTopic,
            { type: t.alarm, name: "alarm", props: { namespace: "AWS/Lambda", metricName: "Errors", alarmActions: [U] }, deps: { alarmActions: ["plain"] } },
        ],
        expect: ["alarm"],
    },
    {
        rule: "sns-subscription-redrive",
        resources: [plainTopic, { type: t.sub, name: "sub", props: { topic: U, protocol: "sqs", endpoint: U }, deps: { topic: ["plain"] } }],
        expect: ["plain", "sub"],
    },
    {
        rule: "ses-tls-and-reputation",
        resources: [
            {
                type: "aws:sesv2/configurationSet:ConfigurationSet",
                name: "mail",
                props: { configurationSetName: U, deliveryOptions: { tlsPolicy: "REQUIRE" } },
            },
        ],
        expect: ["mail"],
    },
    {
        rule: "aoss-encryption-cmk",
        resources: [
            collection,
            { type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy", name: "net", props: { type: "network", policy: U } },
        ],
        expect: ["search"],
    },
    {
        rule: "aoss-network-private",
        resources: [
            { ...collection, dependsOn: ["net"] },
            {
                type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
                name: "net",
                props: {
                    type: "network",
                    name: U,
                    policy: JSON.stringify([{ Rules: [{ ResourceType: "collection", Resource: ["collection/orders"] }], AllowFromPublic: true }]),
                },
            },
        ],
        expect: ["net"],
    },
    { rule: "waf-logging", resources: [{ type: "aws:wafv2/webAcl:WebAcl", name: "acl", props: { arn: U, scope: "REGIONAL" } }], expect: ["acl"] },
    {
        // A cached, authorized GET /orders/{id} whose integration keys by nothing; every id unknown.
        rule: "apigw-cache-key-isolation",
        resources: [
            { ...api, props: { name: U, rootResourceId: U } },
            stage,
            {
                type: "aws:apigateway/resource:Resource",
                name: "orders",
                props: { restApi: U, parentId: U, pathPart: "orders" },
                deps: { restApi: ["api"], parentId: ["api"] },
            },
            {
                type: "aws:apigateway/resource:Resource",
                name: "order",
                props: { restApi: U, parentId: U, pathPart: "{id}" },
                deps: { restApi: ["api"], parentId: ["orders"] },
            },
            {
                type: "aws:apigateway/authorizer:Authorizer",
                name: "cognito",
                props: { restApi: U, type: "COGNITO_USER_POOLS", providerArns: [U], identitySource: "method.request.header.Authorization" },
                deps: { restApi: ["api"] },
            },
            {
                type: "aws:apigateway/method:Method",
                name: "get-order",
                props: {
                    restApi: U,
                    resourceId: U,
                    httpMethod: "GET",
                    authorization: "COGNITO_USER_POOLS",
                    authorizerId: U,
                    requestParameters: { "method.request.path.id": true },
                },
                deps: { restApi: ["api"], resourceId: ["order"], authorizerId: ["cognito"] },
            },
            {
                type: "aws:apigateway/integration:Integration",
                name: "get-order-integration",
                props: { restApi: U, resourceId: U, httpMethod: U, type: "AWS_PROXY", uri: U },
                deps: { restApi: ["api"], resourceId: ["order"], httpMethod: ["get-order"] },
            },
            {
                type: "aws:apigateway/methodSettings:MethodSettings",
                name: "all",
                props: { restApi: U, stageName: U, methodPath: "*/*", settings: { cachingEnabled: true, cacheDataEncrypted: true } },
                deps: { restApi: ["api"], stageName: ["stage"] },
            },
        ],
        expect: ["get-order"],
    },
    {
        rule: "apigw-private-endpoint-policy",
        resources: [
            { type: "aws:apigateway/restApi:RestApi", name: "internal", props: { name: U, endpointConfiguration: { types: "PRIVATE" } } },
            {
                type: "aws:apigateway/restApiPolicy:RestApiPolicy",
                name: "internal-policy",
                props: {
                    restApiId: U,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" }],
                    }),
                },
                deps: { restApiId: ["internal"] },
            },
        ],
        expect: ["internal-policy"],
    },
    {
        // The stack's own account shows only in a condition; the partner's is literal.
        rule: "cross-account-access",
        resources: [
            {
                type: t.topic,
                name: "alerts",
                props: {
                    arn: U,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: "sns:Publish",
                                Resource: U,
                                Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
                            },
                        ],
                    }),
                },
            },
            {
                type: "aws:iam/role:Role",
                name: "partner-access",
                props: {
                    arn: U,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999988887777:root" }, Action: "sts:AssumeRole" }],
                    }),
                },
            },
        ],
        expect: ["partner-access"],
    },
    {
        rule: "iam-privilege-escalation",
        resources: [
            { type: "aws:iam/role:Role", name: "deployer", props: { name: U, arn: U, assumeRolePolicy: U } },
            {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "pass",
                props: { role: U, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] }) },
                deps: { role: ["deployer"] },
            },
            {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "create",
                props: {
                    role: U,
                    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "lambda:CreateFunction", Resource: U }] }),
                },
                deps: { role: ["deployer"] },
            },
        ],
        expect: ["pass"],
    },
    {
        rule: "ecr-image-scanning",
        resources: [{ type: "aws:ecr/repository:Repository", name: "images", props: { name: U, imageTagMutability: "IMMUTABLE" } }],
        expect: ["images"],
    },
    ...SECRETS_IDENTITY_UNKNOWN_SCENARIOS,
];
