import { strict as assert } from "node:assert";
import { ACCOUNT, list, statementsBySid } from "../components/harness";
import { StackRun, runProgram } from "./program";

const R = "eu-west-1";
const table = `arn:aws:dynamodb:${R}:${ACCOUNT}:table/platform-dev-orders`;
const topic = `arn:aws:sns:${R}:${ACCOUNT}:platform-dev-events`;
const key = (cls: string) => `arn:aws:kms:${R}:${ACCOUNT}:key/encryption-${cls}-key-key-id`;
const queue = (n: string) => `arn:aws:sqs:${R}:${ACCOUNT}:${n}`;
const collection = `arn:aws:aoss:${R}:${ACCOUNT}:collection/search-collection-id`;
// Lambda creates, finds and deletes a VPC function's network interfaces; AWS accepts only "*" here.
const eni: [string[], string[]] = [["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"], ["*"]];
const logs = (fn: string) => `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/lambda/platform-dev-${fn}:log-stream:*`;

/** Each workload role's statements: exact actions on exact resources, nothing else. */
const EXPECTED: Record<string, Record<string, [string[], string[]]>> = {
    api: {
        WriteOwnLogs: [["logs:CreateLogStream", "logs:PutLogEvents"], [logs("api")]],
        DeadLetter: [["sqs:SendMessage"], [queue("platform-dev-api-dlq")]],
        EncryptDeadLetters: [["kms:GenerateDataKey", "kms:Decrypt"], [key("messaging")]],
        WriteTraces: [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
        Orders: [["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"], [table]],
        OrdersByCustomer: [["dynamodb:Query"], [`${table}/index/gsi1`]],
        UseTableKey: [["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key("data")]],
        PublishEvents: [["sns:Publish"], [topic]],
        EncryptEvents: [["kms:GenerateDataKey", "kms:Decrypt"], [key("messaging")]],
        VpcNetworkInterfaces: eni,
        SearchCollection: [["aoss:APIAccessAll"], [collection]],
    },
    "email-worker": {
        WriteOwnLogs: [["logs:CreateLogStream", "logs:PutLogEvents"], [logs("email-worker")]],
        DeadLetter: [["sqs:SendMessage"], [queue("platform-dev-email-worker-dlq")]],
        EncryptDeadLetters: [["kms:GenerateDataKey", "kms:Decrypt"], [key("messaging")]],
        WriteTraces: [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
        ConsumeQueues: [["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], [queue("platform-dev-messaging-email")]],
        DecryptQueues: [["kms:Decrypt"], [key("messaging")]],
        DeliveryLedger: [["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table]],
        UseTableKey: [["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key("data")]],
        SendEmail: [
            ["ses:SendEmail"],
            [`arn:aws:ses:${R}:${ACCOUNT}:identity/dev.orders.example.com`, `arn:aws:ses:${R}:${ACCOUNT}:configuration-set/platform-dev-email`],
        ],
    },
    "search-indexer": {
        WriteOwnLogs: [["logs:CreateLogStream", "logs:PutLogEvents"], [logs("search-indexer")]],
        DeadLetter: [["sqs:SendMessage"], [queue("platform-dev-search-indexer-dlq")]],
        EncryptDeadLetters: [["kms:GenerateDataKey", "kms:Decrypt"], [key("messaging")]],
        WriteTraces: [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
        ReadStreams: [["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [`${table}/stream/2025-01-01T00:00:00.000`]],
        ListStreams: [["dynamodb:ListStreams"], [`${table}/stream/*`]],
        DecryptStreams: [["kms:Decrypt"], [key("data")]],
        VpcNetworkInterfaces: eni,
        SearchCollection: [["aoss:APIAccessAll"], [collection]],
    },
    "ses-feedback": {
        WriteOwnLogs: [["logs:CreateLogStream", "logs:PutLogEvents"], [logs("ses-feedback")]],
        DeadLetter: [["sqs:SendMessage"], [queue("platform-dev-ses-feedback-dlq")]],
        EncryptDeadLetters: [["kms:GenerateDataKey", "kms:Decrypt"], [key("messaging")]],
        WriteTraces: [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
        RecordFeedback: [["dynamodb:PutItem", "dynamodb:UpdateItem"], [table]],
        UseTableKey: [["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key("data")]],
    },
};

describe("workload roles in the dev stack: exact actions on exact resources", function () {
    this.timeout(120000);
    let dev: StackRun;

    before(async function () {
        dev = await runProgram("dev");
    });

    for (const [fn, statements] of Object.entries(EXPECTED)) {
        it(`${fn}: ${Object.keys(statements).join(", ")}`, function () {
            const s = statementsBySid(dev.run.one("aws:iam/rolePolicy:RolePolicy", `${fn}-policy`).inputs.policy);
            assert.deepEqual(Object.keys(s).sort(), Object.keys(statements).sort());
            for (const [sid, [actions, resources]] of Object.entries(statements)) {
                assert.deepEqual(list(s[sid].Action), actions, `${fn} ${sid} actions`);
                assert.deepEqual(list(s[sid].Resource), resources, `${fn} ${sid} resources`);
            }
            // Table key use is limited to calls DynamoDB makes on the role's behalf.
            if (s.UseTableKey) {
                assert.deepEqual(s.UseTableKey.Condition, { StringEquals: { "kms:ViaService": `dynamodb.${R}.amazonaws.com` } });
            }
        });
    }

    it("the search data access policy names exactly the indexer (writes) and the api (reads), and the indexer's stream mapping is on", function () {
        const doc = JSON.parse(dev.run.one("aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy", "search-data-access").inputs.policy) as {
            Principal: string[];
            Rules: { Permission: string[] }[];
        }[];
        assert.deepEqual(
            doc.map((d) => [d.Principal, d.Rules.flatMap((r) => r.Permission)]),
            [
                [
                    [`arn:aws:iam::${ACCOUNT}:role/platform-dev-search-indexer`],
                    ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument"],
                ],
                [[`arn:aws:iam::${ACCOUNT}:role/platform-dev-api`], ["aoss:ReadDocument"]],
            ],
        );
        assert.equal(dev.run.one("aws:lambda/eventSourceMapping:EventSourceMapping", "search-indexer-orders-stream-source").inputs.enabled, true);
    });

    it("the data and messaging key policies name exactly these roles", function () {
        const roles = Object.keys(EXPECTED).map((fn) => `arn:aws:iam::${ACCOUNT}:role/platform-dev-${fn}`);
        // The data key also names the AWS Backup role: it encrypts the table's recovery points in the
        // vault with that key (components/backup.ts). The messaging key also names the release's roles:
        // CodeDeploy publishes release events to the encrypted warning topic, and each hook function
        // sends failed invocations to its encrypted DLQ.
        const backupRole = `arn:aws:iam::${ACCOUNT}:role/platform-dev-table-backup`;
        const releaseRoles = ["codedeploy", "release-pre-traffic", "release-post-traffic"].map((r) => `arn:aws:iam::${ACCOUNT}:role/platform-dev-${r}`);
        for (const [cls, expected] of [
            ["data", [...roles, backupRole]],
            ["messaging", [...roles, ...releaseRoles]],
        ] as const) {
            const s = statementsBySid(dev.run.one("aws:kms/key:Key", `encryption-${cls}-key`).inputs.policy);
            // Sorted: the key policy is the same whatever order the grants were made in.
            assert.deepEqual(s.AllowPlatformRoles.Condition, { ArnEquals: { "aws:PrincipalArn": [...expected].sort() } }, cls);
        }
        assert.equal(dev.run.one("aws:iam/role:Role", "table-backup-role").inputs.name, "platform-dev-table-backup", "role name matches the data key policy");
        for (const fn of [...Object.keys(EXPECTED), "release-pre-traffic", "release-post-traffic"]) {
            assert.equal(dev.run.one("aws:iam/role:Role", `${fn}-role`).inputs.name, `platform-dev-${fn}`, "role names match the key policies");
        }
        assert.equal(dev.run.one("aws:iam/role:Role", "release-role").inputs.name, "platform-dev-codedeploy", "role name matches the messaging key policy");
    });
});
