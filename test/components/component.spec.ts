import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { MockRun, installMocks, testContext, testKeyArn } from "./harness";

/**
 * The components' common base (components/component.ts): a team changes one property of one child
 * without forking the component, sees every child in `nodes`, and gets argument errors that name the
 * component, the argument, the value and what is allowed, as ResourceErrors printed without a stack.
 */
describe("Component base: transforms, nodes, argument errors", function () {
    let run: MockRun;
    let store: import("../../components/data-store").DataStore;
    let mod: typeof import("../../components/data-store");
    let routing: import("../../components/alarms").AlarmRouting;
    const seen: string[] = [];

    before(async function () {
        run = installMocks();
        mod = await import("../../components/data-store");
        const alerting = await import("../../components/alerting");
        routing = new alerting.Alerting("alerts", {
            context: testContext(),
            kmsKeyArn: testKeyArn("messaging"),
            emails: ["a@example.com"],
            escalationMinutes: 30,
        }).routing;
        store = new mod.DataStore("orders", {
            context: testContext(),
            kmsKey: testKeyArn("data"),
            routing,
            transform: {
                table: (args, opts, name) => {
                    seen.push(name);
                    args.billingMode = "PROVISIONED";
                    args.readCapacity = 5;
                    args.writeCapacity = 5;
                    opts.ignoreChanges = ["readCapacity"];
                },
                metricAlarm: (args) => {
                    args.treatMissingData = "breaching";
                },
            },
        });
        await run.settle();
    });

    it("a transform changes the one child it names, arguments and options, and sees its name", function () {
        assert.deepEqual(seen, ["orders-table"]);
        const table = run.one("aws:dynamodb/table:Table", "orders-table");
        assert.equal(table.inputs.billingMode, "PROVISIONED");
        assert.equal(table.inputs.readCapacity, 5);
        // Everything else stays the component's: encryption, PITR, the stream.
        assert.equal(table.inputs.pointInTimeRecovery.enabled, true);
        assert.equal(table.inputs.serverSideEncryption.kmsKeyArn, testKeyArn("data"));
        assert.equal(table.inputs.streamViewType, "NEW_AND_OLD_IMAGES");
        assert.equal(table.parentUrn.split("::").pop(), "orders", "still the component's child");
    });

    it("a kind with several children (every alarm) gets each of them, and other components are untouched", function () {
        const mine = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.parentUrn.endsWith("::orders"));
        assert.ok(mine.length >= 2);
        for (const a of mine) assert.equal(a.inputs.treatMissingData, "breaching", a.name);
        const others = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.parentUrn.endsWith("::alerts"));
        assert.ok(others.length > 0 && others.every((a) => a.inputs.treatMissingData === "notBreaching"));
    });

    it("nodes lists every child by kind, the ones shared helpers create included", function () {
        assert.equal(store.nodes.table?.length, 1);
        assert.ok(store.nodes.table?.[0] instanceof pulumi.CustomResource);
        assert.equal(
            store.nodes.metricAlarm?.length,
            run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.parentUrn.endsWith("::orders")).length,
        );
    });

    it("refuses a transform for a kind the component does not create, naming the kinds it does", function () {
        assert.throws(
            () => new mod.DataStore("bad1", { context: testContext(), kmsKey: testKeyArn("data"), routing, transform: { bucket: () => undefined } as never }),
            (e: Error) =>
                pulumi.ResourceError.isInstance(e) &&
                (e as unknown as { hideStack?: boolean }).hideStack === true &&
                e.message === 'DataStore: argument "transform" is "bucket"; allowed kinds of child: alias, key, metricAlarm, table',
        );
        assert.throws(
            () => new mod.DataStore("bad2", { context: testContext(), kmsKey: testKeyArn("data"), routing, transform: { table: "PROVISIONED" as never } }),
            /DataStore: argument "transform.table" is "string"; allowed: a function \(args, opts, name\) => void/,
        );
    });
});
