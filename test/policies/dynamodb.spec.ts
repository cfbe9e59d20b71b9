import { check, checkResource, expect, Res, summary, U } from "./helpers";

const TABLE = "aws:dynamodb/table:Table";
const good = { hashKey: "pk", pointInTimeRecovery: { enabled: true }, serverSideEncryption: { enabled: true, kmsKeyArn: U }, deletionProtectionEnabled: true };
const table = (props: Record<string, unknown> = good, protect = false): Res => ({ type: TABLE, name: "orders", props, protect });

describe("policies: DynamoDB", () => {
    it("ddb-pitr reports a table without PITR and accepts one with it", () => {
        expect(checkResource("ddb-pitr", table({ hashKey: "pk" }))[0].message).to.contain("pointInTimeRecovery.enabled is not set, expected true");
        expect(checkResource("ddb-pitr", table())).to.deep.equal([]);
    });
    describe("ddb-cmk-and-protection", () => {
        it("reports AWS-owned encryption and no deletion protection", () => {
            const vs = checkResource("ddb-cmk-and-protection", table({ hashKey: "pk" }));
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal(["serverSideEncryption.enabled", "deletionProtectionEnabled"]);
        });
        it("accepts a CMK with deletion protection; requireProtect (prod) also demands the protect option", () => {
            expect(checkResource("ddb-cmk-and-protection", table())).to.deep.equal([]);
            expect(checkResource("ddb-cmk-and-protection", table(good), { config: { requireProtect: true } })[0].message).to.contain("opts.protect is false");
            expect(checkResource("ddb-cmk-and-protection", table(good, true), { config: { requireProtect: true } })).to.deep.equal([]);
        });
    });
    describe("ddb-errors-alarm (stack)", () => {
        const alarm: Res = {
            type: "aws:cloudwatch/metricAlarm:MetricAlarm",
            name: "sys",
            props: { namespace: "AWS/DynamoDB", metricName: "SystemErrors", dimensions: { TableName: U }, alarmActions: [U] },
            deps: { dimensions: ["orders"] },
        };
        it("is disabled in dev; when on, reports a table without an alarm at mandatory with an unknown table name", () => {
            expect(check("ddb-errors-alarm", [table()])).to.deep.equal([]);
            expect(summary(check("ddb-errors-alarm", [table()], { level: "mandatory" }))).to.deep.equal(["orders:mandatory"]);
        });
        it("accepts a SystemErrors alarm with an action", () => expect(check("ddb-errors-alarm", [table(), alarm], { level: "mandatory" })).to.deep.equal([]));
    });
});
