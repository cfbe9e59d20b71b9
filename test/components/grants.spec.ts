import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, REGION, functionTestArgs, installMocks, json, list, statementsBySid, testContext, testKeyArn } from "./harness";

const role = (n: string) => `arn:aws:iam::${ACCOUNT}:role/platform-dev-${n}`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/platform-dev-orders`;
const dynamodb = { StringEquals: { "kms:ViaService": `dynamodb.${REGION}.amazonaws.com` } };
const sns = { StringEquals: { "kms:ViaService": `sns.${REGION}.amazonaws.com` } };

/**
 * Grants as methods of the resource that grants them: each adds exact statements to the grantee's
 * role policy and names the grantee's role in the key policy of every key it needs, so the
 * composition root keeps no list of statements or key users by hand.
 */
describe("grants: table, topic, queue, key and search grant to functions", function () {
    let run: MockRun;
    let fnMod: typeof import("../../components/function");
    let dsMod: typeof import("../../components/data-store");
    let routing: import("../../components/alarms").AlarmRouting;
    let table: import("../../components/data-store").DataStore;
    let external: import("../../components/data-store").DataStore;
    let early: import("../../components/function").Function;
    const policyOf = (fn: string) => statementsBySid(run.one("aws:iam/rolePolicy:RolePolicy", `${fn}-policy`).inputs.policy);
    const keyUsers = (cls: string): string[] | undefined => {
        const doc = json(run.one("aws:kms/key:Key", `encryption-${cls}-key`).inputs.policy) as { Statement: { Sid: string; Condition?: unknown }[] };
        const st = doc.Statement.find((s) => s.Sid === "AllowPlatformRoles") as { Condition: { ArnEquals: { "aws:PrincipalArn": string[] } } } | undefined;
        return st?.Condition.ArnEquals["aws:PrincipalArn"];
    };

    before(async function () {
        run = installMocks();
        const encMod = await import("../../components/encryption");
        const alertMod = await import("../../components/alerting");
        const msgMod = await import("../../components/messaging");
        dsMod = await import("../../components/data-store");
        fnMod = await import("../../components/function");
        const ctx = testContext();
        const encryption = new encMod.Encryption("encryption", { context: ctx, keyUsers: { data: [role("outside-reporting")] } });
        routing = new alertMod.Alerting("alerts", { context: ctx, kmsKeyArn: encryption.messagingKeyArn, emails: ["a@example.com"], escalationMinutes: 30 })
            .routing;
        table = new dsMod.DataStore("orders", { context: ctx, kmsKey: encryption.dataKey, routing });
        const messaging = new msgMod.Messaging("messaging", {
            context: ctx,
            kmsKey: encryption.messagingKey,
            routing,
            maxReceiveCount: 5,
            maxAgeSeconds: 600,
            queues: { jobs: { filterPolicy: { type: ["job"] }, consumerTimeoutSeconds: 30 } },
        });
        const fn = (name: string) =>
            new fnMod.Function(name, { ...functionTestArgs(ctx, routing), messagingKey: encryption.messagingKey, environmentKeyArn: encryption.dataKeyArn });

        const api = fn("api");
        table.grantReadWrite(api);
        table.grantQuery(api, { index: "gsi1" });
        // A second grant on the same table: the key statement is not repeated.
        table.grantWrite(api, { sid: "Archive", actions: ["DeleteItem"] });
        messaging.grantPublish(api);

        const feedback = fn("feedback");
        table.grantWrite(feedback, { sid: "RecordFeedback", actions: ["PutItem", "UpdateItem"], keySid: "UseTableKey" });

        const poller = fn("poller");
        messaging.queues.jobs.grantConsume(poller);
        encryption.dataKey.grantUse(poller, { via: "sqs", sid: "ReadArchive", actions: ["kms:Decrypt"] });

        // Its only use of a key is its dead-letter queue: no grant, yet the messaging key names it.
        fn("quiet");

        // A table encrypted with a key this program does not manage: statements still, no key policy to change.
        external = new dsMod.DataStore("ledger", { context: ctx, kmsKey: testKeyArn("external"), routing });
        early = fn("external-reader");
        external.grantReadWrite(early, { actions: ["GetItem", "Query"] });
        await run.settle();
    });

    it("table.grantReadWrite: the five item actions on the table, and the key through DynamoDB once", function () {
        const s = policyOf("api");
        assert.deepEqual(list(s.OrdersReadWrite.Action), [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        ]);
        assert.deepEqual(list(s.OrdersReadWrite.Resource), [TABLE]);
        assert.deepEqual(list(s.UseOrdersKey.Action), ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]);
        assert.deepEqual(list(s.UseOrdersKey.Resource), [run.one("aws:kms/key:Key", "encryption-data-key").outputs.arn]);
        assert.deepEqual(s.UseOrdersKey.Condition, dynamodb);
        const statements = json(run.one("aws:iam/rolePolicy:RolePolicy", "api-policy").inputs.policy).Statement as { Sid: string }[];
        assert.equal(statements.filter((st) => st.Sid.endsWith("Key") && st.Sid.startsWith("Use")).length, 1, "one key statement however many table grants");
    });

    it("table.grantQuery: Query on the index only; grantWrite narrows to the actions named, in the method's order", function () {
        const s = policyOf("api");
        assert.deepEqual(list(s.QueryOrdersGsi1.Action), ["dynamodb:Query"]);
        assert.deepEqual(list(s.QueryOrdersGsi1.Resource), [`${TABLE}/index/gsi1`]);
        assert.deepEqual(list(s.Archive.Action), ["dynamodb:DeleteItem"]);
        const f = policyOf("feedback");
        assert.deepEqual(list(f.RecordFeedback.Action), ["dynamodb:PutItem", "dynamodb:UpdateItem"]);
        assert.deepEqual(f.UseTableKey.Condition, dynamodb);
    });

    it("topic.grantPublish: sns:Publish on the topic, and the messaging key through SNS", function () {
        const s = policyOf("api");
        assert.deepEqual(list(s.PublishMessaging.Action), ["sns:Publish"]);
        assert.deepEqual(list(s.PublishMessaging.Resource), [`arn:aws:sns:${REGION}:${ACCOUNT}:platform-dev-events`]);
        assert.deepEqual(list(s.EncryptMessaging.Action), ["kms:GenerateDataKey", "kms:Decrypt"]);
        assert.deepEqual(s.EncryptMessaging.Condition, sns);
    });

    it("queue.grantConsume: receive, delete and attributes on the queue, and decrypt with its key; key.grantUse takes fewer actions when asked", function () {
        const s = policyOf("poller");
        assert.deepEqual(list(s.ConsumeMessagingJobs.Action), ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]);
        assert.deepEqual(list(s.ConsumeMessagingJobs.Resource), [`arn:aws:sqs:${REGION}:${ACCOUNT}:platform-dev-messaging-jobs`]);
        assert.deepEqual(list(s.ConsumeMessagingJobsKey.Action), ["kms:Decrypt"]);
        assert.deepEqual(list(s.ReadArchive.Action), ["kms:Decrypt"]);
        assert.deepEqual(s.ReadArchive.Condition, { StringEquals: { "kms:ViaService": `sqs.${REGION}.amazonaws.com` } });
    });

    it("key policies name exactly the roles granted each key, sorted, once each, with the roles from outside the program", function () {
        assert.deepEqual(keyUsers("data"), [role("api"), role("feedback"), role("outside-reporting"), role("poller")]);
        // Every function's dead-letter queue is encrypted with the messaging key: "quiet" is named with no grant of its own.
        assert.deepEqual(keyUsers("messaging"), [role("api"), role("external-reader"), role("feedback"), role("poller"), role("quiet")]);
        assert.equal(keyUsers("logs"), undefined, "a key nobody is granted has no statement for the platform's roles");
    });

    it("a key the program does not manage: the grantee still gets the key statement, and no key policy changes", function () {
        const s = policyOf("external-reader");
        assert.deepEqual(list(s.LedgerReadWrite.Action), ["dynamodb:GetItem", "dynamodb:Query"]);
        assert.deepEqual(list(s.UseLedgerKey.Resource), [testKeyArn("external")]);
        assert.ok(!keyUsers("data")?.includes(role("external-reader")));
    });

    it("refuses grants a policy cannot hold, naming the method, the value and what is allowed", function () {
        assert.throws(() => table.grantQuery(early, { index: "gsi9" }), /DataStore: argument "grantQuery.index" is "gsi9"; allowed: gsi1/);
        assert.throws(
            () => table.grantReadWrite(early, { actions: ["Scan" as never] }),
            /DataStore: argument "grantReadWrite.actions" is \["Scan"\]; allowed: a non-empty subset of GetItem, PutItem, UpdateItem, DeleteItem, Query/,
        );
        assert.throws(() => table.grantWrite(early, { actions: [] }), /argument "grantWrite.actions" is \[\]; allowed: a non-empty subset/);
        assert.throws(
            () => early.addGrant({ sid: "DeadLetter", actions: ["sqs:SendMessage"], resources: [TABLE] }),
            /Function: argument "addGrant" is "DeadLetter"/,
        );
    });

    it("a grant after the program's top-level code says the policy was already written, and changes nothing", function () {
        const before = run.one("aws:iam/rolePolicy:RolePolicy", "external-reader-policy").inputs.policy;
        assert.throws(
            () => external.grantWrite(early, { sid: "Late" }),
            (e: Error) =>
                e instanceof pulumi.RunError &&
                /the role policy of Function "external-reader" was already written: make every grant in the program's top-level code/.test(e.message),
        );
        assert.equal(run.one("aws:iam/rolePolicy:RolePolicy", "external-reader-policy").inputs.policy, before);
    });
});
