/**
 * EventBridge pattern matching as the EventBridge User Guide describes it (the examples of "Content
 * filtering in Amazon EventBridge event patterns"), and the platform's own finding rules held to it: every
 * GuardDuty severity reaches exactly one severity topic, Security Hub's labels likewise, and a finding
 * someone already worked on, or one Security Hub imported from GuardDuty, reaches none.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { findingRoutes, GUARDDUTY_BANDS } from "../../components/threat-detection";
import { checkEventPattern, EventPatternError, eventMatches } from "../../tools/drill/event-pattern";

const match = (pattern: Record<string, unknown>, event: Record<string, unknown>) => eventMatches(checkEventPattern(pattern), event);

describe("drill: EventBridge event patterns", () => {
    it("exact values: AND across fields, OR within a field's list, any element of an event array", () => {
        const p = { source: ["aws.ec2"], detail: { state: ["running", "stopped"] } };
        assert.equal(match(p, { source: "aws.ec2", detail: { state: "running" } }), true);
        assert.equal(match(p, { source: "aws.ec2", detail: { state: "pending" } }), false);
        assert.equal(match(p, { source: "aws.s3", detail: { state: "running" } }), false, "every field must match");
        assert.equal(match({ resources: ["arn:b"] }, { resources: ["arn:a", "arn:b"] }), true, "an event array matches when any element does");
        assert.equal(match({ detail: { n: [5] } }, { detail: { n: "5" } }), false, "a number matches a number, not its text");
        assert.equal(match({ detail: { x: [null] } }, { detail: { x: null } }), true, "null matches null");
        assert.equal(match({ detail: { x: [null] } }, { detail: {} }), false, "null is not absence");
        assert.equal(match({ detail: { state: ["running"] } }, { detail: { state: "RUNNING" } }), false, "case-sensitive");
    });

    it("prefix, suffix and equals-ignore-case (alone and inside prefix or suffix)", () => {
        assert.equal(match({ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-02T18:43:48Z" }), true);
        assert.equal(match({ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-03T00:00:00Z" }), false);
        assert.equal(match({ f: [{ suffix: ".png" }] }, { f: "a.PNG" }), false);
        assert.equal(match({ f: [{ suffix: { "equals-ignore-case": ".png" } }] }, { f: "a.PNG" }), true);
        assert.equal(match({ s: [{ prefix: { "equals-ignore-case": "EventB" } }] }, { s: "eventbridge" }), true);
        assert.equal(match({ s: [{ "equals-ignore-case": "alice" }] }, { s: "ALICE" }), true);
        assert.equal(match({ s: [{ prefix: "1" }] }, { s: 12 }), false, "prefix is for strings");
    });

    it("anything-but: a value, a list, a prefix; an absent field does not match", () => {
        assert.equal(match({ state: [{ "anything-but": "initializing" }] }, { state: "running" }), true);
        assert.equal(match({ state: [{ "anything-but": "initializing" }] }, { state: "initializing" }), false);
        assert.equal(match({ state: [{ "anything-but": ["stopped", "overloaded"] }] }, { state: "stopped" }), false);
        assert.equal(match({ n: [{ "anything-but": [100, 200] }] }, { n: 150 }), true);
        assert.equal(match({ state: [{ "anything-but": { prefix: "init" } }] }, { state: "initializing" }), false);
        assert.equal(match({ state: [{ "anything-but": { suffix: "ing" } }] }, { state: "stopped" }), true);
        assert.equal(match({ state: [{ "anything-but": "x" }] }, {}), false, "anything-but needs the field");
    });

    it("numeric ranges, exists, wildcard, cidr and $or", () => {
        const range = { c: [{ numeric: [">", 0, "<=", 5] }] };
        assert.deepEqual(
            [0, 0.5, 5, 5.01, -1].map((c) => match(range, { c })),
            [false, true, true, false, false],
        );
        assert.equal(match({ c: [{ numeric: ["=", 3] }] }, { c: "3" }), false, "numeric is for numbers");
        assert.equal(match({ d: { x: [{ exists: true }] } }, { d: { x: "" } }), true);
        assert.equal(match({ d: { x: [{ exists: true }] } }, { d: {} }), false);
        assert.equal(match({ d: { x: [{ exists: false }] } }, { d: {} }), true);
        assert.equal(match({ d: { x: [{ exists: false }] } }, { d: { x: 1 } }), false);
        assert.equal(match({ k: [{ wildcard: "dir/*.png" }] }, { k: "dir/a/b.png" }), true);
        assert.equal(match({ k: [{ wildcard: "dir/*.png" }] }, { k: "dir/a.jpg" }), false);
        assert.equal(match({ ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.0.255" }), true);
        assert.equal(match({ ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.1.0" }), false);
        const or = { detail: { $or: [{ c: [{ numeric: [">", 0, "<=", 5] }] }, { d: [{ numeric: ["<", 10] }] }] } };
        assert.equal(match(or, { detail: { c: 9, d: 4 } }), true);
        assert.equal(match(or, { detail: { c: 9, d: 40 } }), false);
    });

    it("refuses what EventBridge refuses, naming the field and the operator", () => {
        const refused = (pattern: unknown, text: RegExp) =>
            assert.throws(
                () => checkEventPattern(pattern),
                (e: unknown) => e instanceof EventPatternError && text.test(e.message),
            );
        refused({ detail: { severity: [{ greaterThan: 7 }] } }, /^detail\.severity: .*greaterThan.* allowed operators: prefix, suffix/);
        refused({ detail: { severity: [{ numeric: [">>", 7] }] } }, /^detail\.severity: numeric takes/);
        refused({ source: "aws.guardduty" }, /^source: a field's pattern is a list of matchers or an object/);
        refused({ source: [] }, /^source: an empty list matches nothing/);
        refused({}, /non-empty JSON object/);
        refused({ detail: { $or: [{ a: ["x"] }] } }, /\$or takes a list of two or more patterns/);
    });

    describe("the platform's finding rules (components/threat-detection.ts)", () => {
        const routes = findingRoutes("full", { region: "eu-west-1", partition: "aws" });
        const reached = (event: Record<string, unknown>) =>
            routes.filter((r) => eventMatches(checkEventPattern(r.pattern), event)).map((r) => `${r.source}-${r.severity}`);
        const guardDuty = (severity: number) => ({ source: "aws.guardduty", "detail-type": "GuardDuty Finding", detail: { severity } });
        const securityHub = (finding: Record<string, unknown>) => ({
            source: "aws.securityhub",
            "detail-type": "Security Hub Findings - Imported",
            detail: { findings: [{ ProductName: "Inspector", Workflow: { Status: "NEW" }, RecordState: "ACTIVE", Severity: { Label: "HIGH" }, ...finding }] },
        });

        it("every GuardDuty severity (1.0 to 10.0, any fraction) reaches exactly one topic, 7 and above the critical one", () => {
            fc.assert(
                fc.property(fc.double({ min: 1, max: 10, noNaN: true }), (severity) => {
                    const got = reached(guardDuty(severity));
                    const want = severity >= 7 ? "guardduty-critical" : severity >= 4 ? "guardduty-warning" : "guardduty-info";
                    assert.deepEqual(got, [want], `severity ${severity}`);
                }),
                { numRuns: 300 },
            );
            assert.deepEqual(GUARDDUTY_BANDS.critical, [">=", 7], "high (7.0-8.9) and critical (9.0-10.0) page");
        });

        it("a Security Hub label reaches one topic (INFORMATIONAL none); worked-on, archived and GuardDuty-imported findings reach none", () => {
            assert.deepEqual(
                ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"].map((Label) => reached(securityHub({ Severity: { Label } }))),
                [["securityhub-critical"], ["securityhub-critical"], ["securityhub-warning"], ["securityhub-info"], []],
            );
            for (const Status of ["NOTIFIED", "SUPPRESSED", "RESOLVED"]) assert.deepEqual(reached(securityHub({ Workflow: { Status } })), [], Status);
            assert.deepEqual(reached(securityHub({ RecordState: "ARCHIVED" })), []);
            assert.deepEqual(reached(securityHub({ ProductName: "GuardDuty" })), [], "GuardDuty's own rule already told them");
            assert.deepEqual(reached({ ...guardDuty(8), source: "aws.securityhub" }), [], "the source must agree");
        });
    });
});
