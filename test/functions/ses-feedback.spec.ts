/** The SES feedback handler against dynalite: what it records, what it suppresses, and redelivery. */
import { strict as assert } from "node:assert";
import type { SNSEvent } from "aws-lambda";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../functions/shared/clients";
import { SuppressionList } from "../../functions/shared/suppression";
import { createSesFeedbackHandler } from "../../functions/ses-feedback/feedback";
import { ensureBundles, loadBundle, skipUnlessLambdaNode } from "./helpers/bundles";
import { CREDENTIALS, REGION, createTables, dynamoClient, startDynamo, type Emulator } from "./helpers/emulators";
import { lambdaContext, quietObservability } from "./helpers/lambda";

const TABLE = "orders-feedback";

function snsEvent(...messages: unknown[]): SNSEvent {
    return {
        Records: messages.map((m, i) => ({
            EventSource: "aws:sns",
            EventVersion: "1.0",
            EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:ses-feedback:sub",
            Sns: {
                Type: "Notification",
                MessageId: `sns-${i}`,
                TopicArn: "arn:aws:sns:us-east-1:123456789012:ses-feedback",
                Subject: "",
                Message: typeof m === "string" ? m : JSON.stringify(m),
                Timestamp: "2025-03-01T00:00:00.000Z",
                SignatureVersion: "1",
                Signature: "",
                SigningCertUrl: "",
                UnsubscribeUrl: "",
                MessageAttributes: {},
            },
        })),
    };
}

const bounce = (email: string, bounceType: "Permanent" | "Transient", feedbackId: string) => ({
    eventType: "Bounce",
    mail: { messageId: "ses-1", destination: [email] },
    bounce: { bounceType, bounceSubType: "General", bouncedRecipients: [{ emailAddress: email }], timestamp: "2025-03-01T00:00:00.000Z", feedbackId },
});
const complaint = (email: string) => ({
    notificationType: "Complaint",
    mail: { messageId: "ses-2", destination: [email] },
    complaint: {
        complainedRecipients: [{ emailAddress: email }],
        complaintFeedbackType: "abuse",
        timestamp: "2025-03-02T00:00:00.000Z",
        feedbackId: "fb-complaint",
    },
});

describe("SES feedback handler against dynalite", function () {
    this.timeout(30_000);
    let dynamo: Emulator;
    let list: SuppressionList;
    let handler: ReturnType<typeof createSesFeedbackHandler>;
    let observability: ReturnType<typeof quietObservability>;

    before(async () => {
        dynamo = await startDynamo();
        const raw = dynamoClient(dynamo.endpoint);
        await createTables(raw, TABLE, TABLE);
        list = new SuppressionList(createDocumentClient(raw), TABLE);
        observability = quietObservability();
        handler = createSesFeedbackHandler({ db: createDocumentClient(raw), tableName: TABLE, observability });
    });

    after(() => dynamo.stop());

    it("suppresses permanent bounces and complaints, records transient bounces only", async () => {
        await handler(
            snsEvent(bounce("Hard@Example.com", "Permanent", "fb-1"), bounce("soft@example.com", "Transient", "fb-2"), complaint("angry@example.com")),
            lambdaContext(),
        );
        assert.equal(await list.isSuppressed("hard@example.com"), true, "case-insensitive address");
        assert.equal(await list.isSuppressed("angry@example.com"), true);
        assert.equal(await list.isSuppressed("soft@example.com"), false);
        const db = createDocumentClient(dynamoClient(dynamo.endpoint));
        const soft = await db.send(
            new QueryCommand({ TableName: TABLE, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "FEEDBACK#soft@example.com" } }),
        );
        assert.equal(soft.Items?.length, 1);
        assert.equal(soft.Items?.[0]?.subType, "Transient/General");
        assert.equal(observability.kpis.counts.ComplaintsRecorded, 1);
    });

    it("changes nothing when SNS delivers the same notification again", async () => {
        const db = createDocumentClient(dynamoClient(dynamo.endpoint));
        await handler(snsEvent(bounce("again@example.com", "Permanent", "fb-3")), lambdaContext());
        await handler(snsEvent(bounce("again@example.com", "Permanent", "fb-3")), lambdaContext());
        const feedback = await db.send(
            new QueryCommand({ TableName: TABLE, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "FEEDBACK#again@example.com" } }),
        );
        assert.equal(feedback.Items?.length, 1);
        const entry = await db.send(new GetCommand({ TableName: TABLE, Key: { pk: "SUPPRESSION#again@example.com", sk: "SUPPRESSION" } }));
        assert.equal(entry.Item?.reason, "bounce");
        assert.equal(entry.Item?.suppressedAt, "2025-03-01T00:00:00.000Z");
    });

    it("ignores deliveries and fails loudly on a message it cannot read, after processing the rest", async () => {
        await assert.rejects(
            handler(snsEvent({ eventType: "Delivery", mail: { messageId: "x" } }, "not json", complaint("later@example.com")), lambdaContext()),
            /sns-1/,
        );
        assert.equal(await list.isSuppressed("later@example.com"), true);
    });

    it("runs the same way from its bundle", async function () {
        skipUnlessLambdaNode(this);
        const bundles = await ensureBundles();
        const loaded = loadBundle<{ handler: typeof handler }>(bundles.get("ses-feedback")!.file, {
            TABLE_NAME: TABLE,
            AWS_REGION: REGION,
            AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            POWERTOOLS_SERVICE_NAME: "ses-feedback",
            POWERTOOLS_METRICS_NAMESPACE: "Test",
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
            APP_VERSION: "1.0.0",
        });
        try {
            await loaded.module.handler(snsEvent(complaint("bundled@example.com")), lambdaContext());
            assert.equal(await list.isSuppressed("bundled@example.com"), true);
        } finally {
            loaded.restore();
        }
    });
});
