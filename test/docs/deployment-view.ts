/**
 * The deployment view (docs/architecture.md, docs/monitoring.md, docs/error-handling.md and the README's
 * diagram) is what `npm run docs` writes from the prod and dev previews and the drills now, and it draws
 * what the issue asks: the request path, the event path, grouped by component; every alarm with its
 * severity, topics and receivers; one sequence per drill scenario. (test/docs/diagrams-render.spec.ts
 * draws every diagram in a browser.)
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ARCHITECTURE_DOC, DRILLS_DIR, ERROR_HANDLING_DOC, MONITORING_DOC, README, STACKS, generateDocs, readmeWithDiagram } from "../../tools/architecture";
import { architectureGraph, splitPaths } from "../../tools/docs/architecture";
import { label, mermaidBlocks, message } from "../../tools/docs/mermaid";
import { monitoringView, rollbackDiagram, routingDiagram } from "../../tools/docs/monitoring";
import { sequenceDiagram, SequenceRun } from "../../tools/docs/sequences";
import type { MonitoringModel } from "../../tools/drill/types";
import type { PreviewReport } from "../../tools/preview";
import { stackPreviews } from "../shared/stack-previews";

const REPO = path.resolve(__dirname, "..", "..");

export function describeDeploymentView(): void {
    describe("the deployment view: docs/architecture.md, monitoring.md, error-handling.md and the README's diagram", function () {
        this.timeout(180_000);
        let reports: PreviewReport[];
        let fresh: Record<string, string>;
        before(async () => {
            const all = await stackPreviews();
            reports = STACKS.map((stack) => all.find((r) => r.stack === stack)!);
            fresh = await generateDocs(reports, all);
        });

        it("match what the program builds and the drills do (regenerate with npm run docs)", () => {
            assert.deepEqual(Object.keys(fresh).sort(), [ARCHITECTURE_DOC, ERROR_HANDLING_DOC, MONITORING_DOC, README].sort());
            for (const [file, text] of Object.entries(fresh)) {
                const name = path.relative(REPO, file);
                assert.ok(fs.existsSync(file), `${name} is missing: run npm run docs and commit the result`);
                assert.equal(fs.readFileSync(file, "utf8"), text, `${name} is stale: run npm run docs and commit the result`);
            }
        });

        it("draw the request path browser -> WAF -> CloudFront -> WAF -> API Gateway -> Lambda -> DynamoDB/OpenSearch, and the event path through SNS/SQS/SES", () => {
            const prod = reports[0];
            assert.equal(prod.stack, STACKS[0]);
            const graph = architectureGraph(prod);
            const type = (urn: string) =>
                prod.resources
                    .find((r) => r.urn === urn)
                    ?.type.split(":")
                    .pop() ?? urn;
            const { request, event } = splitPaths(graph);
            const arrows = (g: typeof request) => new Set(g.edges.map((e) => `${type(e.from)} -> ${type(e.to)}`));
            const req = arrows(request);
            for (const step of [
                "@browser -> WebAcl",
                "WebAcl -> Distribution",
                "Distribution -> WebAcl",
                "WebAcl -> RestApi",
                "Distribution -> Bucket",
                "RestApi -> Function",
                "RestApi -> UserPool",
                "Function -> Table",
                "Function -> ServerlessCollection",
                "Function -> Topic",
            ]) {
                assert.ok(req.has(step), `the request path has ${step}: ${[...req].join(", ")}`);
            }
            const evt = arrows(event);
            for (const step of [
                "Topic -> Queue",
                "Queue -> Function",
                "Function -> EmailIdentity",
                "EmailIdentity -> Topic",
                "Topic -> Function",
                "Table -> Function",
                "Queue -> Queue",
            ]) {
                assert.ok(evt.has(step), `the event path has ${step}: ${[...evt].join(", ")}`);
            }
            const doc = fresh[ARCHITECTURE_DOC];
            for (const component of [
                "edge (Edge)",
                "gateway (Api)",
                "api (Function)",
                "messaging (Messaging)",
                "orders (DataStore)",
                "search (Search)",
                "email (Email)",
            ]) {
                assert.match(doc, new RegExp(`subgraph \\w+\\["${component.replace(/[()]/g, "\\$&")}"\\]`), `grouped by component: ${component}`);
            }
            assert.match(doc, /\| GET \| `\/orders\/\{id\}` \| COGNITO_USER_POOLS/);
            // The README draws the same request path as the document.
            const block = (text: string) => mermaidBlocks(text)[0]?.text;
            assert.equal(block(fresh[README]), block(doc));
        });

        it("list every alarm of each stack with its severity and topics, every alert topic with its receivers, and the dashboards", () => {
            const doc = fresh[MONITORING_DOC];
            const prod = monitoringView(reports[0]);
            assert.ok(prod.alarms.length > 50);
            for (const a of prod.alarms) {
                const row = doc.split("\n").find((l) => l.includes(`| \`${a.resource.name}\` |`));
                assert.ok(row, `prod's table has ${a.resource.name}`);
                assert.ok(row.includes(`| ${a.severity}`), `${a.resource.name}: its severity`);
                for (const t of a.topics) assert.ok(row.includes(String(t.inputs.name)), `${a.resource.name}: notifies ${String(t.inputs.name)}`);
            }
            assert.ok(
                prod.alarms.every((a) => a.severity !== "untagged" && a.topics.length > 0),
                "every alarm has a severity and a topic",
            );
            for (const t of prod.topics) {
                assert.ok(t.receivers.length > 0, `${t.topic.name} reaches someone`);
                assert.ok(doc.includes(`| \`${String(t.topic.inputs.name)}\` | ${t.severity} |`), `${t.topic.name} in the receivers table`);
            }
            assert.ok(prod.dashboards.length >= 4 && prod.dashboards.every((d) => d.widgets.length > 0));
            assert.match(doc, /^## dev$/m);
            assert.match(doc, /^### Alarms that differ from prod$/m);
        });

        it("route each topic from one node counting what notifies it, and draw every rollback alarm into its CodeDeploy group", () => {
            const report = reports[0]!;
            const view = monitoringView(report);
            const routing = routingDiagram(report, view).join("\n");
            for (const t of view.topics) {
                const alarms = view.alarms.filter((a) => a.topics.includes(t.topic)).length;
                const rules = view.eventRules.filter((e) => e.topic === t.topic).length;
                const into = routing.split("\n").filter((l) => new RegExp(`^    \\S+_sources --> ${t.topic.name.replace(/-/g, "_")}$`).test(l));
                assert.equal(into.length, alarms + rules > 0 ? 1 : 0, `${t.topic.name}: one arrow from its sources`);
                if (alarms > 0)
                    assert.match(
                        routing,
                        new RegExp(`${t.topic.name.replace(/-/g, "_")}_sources\\["${alarms} alarms?[,<]`),
                        `${t.topic.name}: counts its ${alarms} alarms`,
                    );
            }
            const rollbacks = rollbackDiagram(report, view).join("\n");
            const groups = view.groups.filter((g) => g.alarms.length > 0);
            assert.ok(groups.length >= 4, "prod releases four functions with rollback alarms");
            for (const g of groups) {
                for (const a of g.alarms) assert.ok(rollbacks.includes(a.name), `${g.group.name}: ${a.name} drawn`);
                const drawn = [...rollbacks.matchAll(new RegExp(`-\\.->\\|"(\\d+) alarms?"\\| ${g.group.name.replace(/-/g, "_")}$`, "gm"))].reduce(
                    (n, m) => n + Number(m[1]),
                    0,
                );
                assert.equal(drawn, g.alarms.length, `${g.group.name}: its ${g.alarms.length} rollback alarms`);
            }
        });

        it("draw one sequence per drill scenario, in file order, on the first stack it applies to", () => {
            const doc = fresh[ERROR_HANDLING_DOC];
            const files = fs.existsSync(DRILLS_DIR) ? fs.readdirSync(DRILLS_DIR).filter((f) => f.endsWith(".json")) : [];
            const names = files.sort().map((f) => (JSON.parse(fs.readFileSync(path.join(DRILLS_DIR, f), "utf8")) as { name: string }).name);
            const sections = doc.split(/^## /m).slice(1);
            assert.deepEqual(
                sections.map((s) => s.split("\n")[0]),
                names,
            );
            for (const s of sections) {
                const drawn = mermaidBlocks(s).filter((b) => b.text.startsWith("sequenceDiagram")).length;
                assert.equal(drawn, s.includes("Skipped on every stack drawn") ? 0 : 1, `${s.split("\n")[0]}: its sequence`);
            }
        });

        it("refuse a README without its markers, naming them", () => {
            assert.throws(() => readmeWithDiagram("# A README\n", reports[0]), /README\.md has no architecture markers: put the lines <!-- architecture:start/);
        });
    });
}

describe("the error-handling sequence of a timeline", () => {
    const model: MonitoringModel = {
        stack: "prod",
        alarms: [
            {
                kind: "metric",
                urn: "urn:a",
                resourceName: "api-5xx-rate",
                alarmName: "api-5xx-rate-0a1b2c3",
                queries: [],
                periodSeconds: 60,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
                threshold: 0.01,
                comparisonOperator: "GreaterThanThreshold",
                treatMissingData: "notBreaching",
                alarmActions: ["arn:critical"],
                okActions: ["arn:critical"],
                insufficientDataActions: [],
                actionsEnabled: true,
                tags: { severity: "critical" },
            },
        ],
        topics: [],
        releaseGroups: [],
        logMetricFilters: [],
    };
    const oncall = { protocol: "email", endpoint: "oncall@example.com", pendingConfirmation: true };
    const pager = { protocol: "https", endpoint: "[secret]", pendingConfirmation: false };
    const run: SequenceRun = {
        name: "api 5xx; #1 <burst>",
        pass: false,
        failures: ["expected an escalation to someone new"],
        firstSignalMinute: 6,
        detectedAtMinute: 8,
        notifiedAtMinute: 8,
        escalatedAtMinute: 23,
        rolledBackAtMinute: 8,
        release: { function: "api", group: "platform-prod-api", startsAtMinute: 5, durationMinutes: 20, endsAtMinute: 25, how: "canary 10%" },
        timeline: [
            { minute: 5, kind: "release", function: "api", action: "start" },
            { minute: 8, kind: "state", alarm: "api-5xx-rate-0a1b2c3", from: "OK", to: "ALARM", value: 0.3, severity: "critical" },
            { minute: 8, kind: "notify", alarm: "api-5xx-rate-0a1b2c3", topic: "alerts-critical", endpoints: [oncall, pager] },
            { minute: 8, kind: "rollback", function: "api", group: "platform-prod-api", alarm: "api-5xx-rate-0a1b2c3" },
            { minute: 23, kind: "escalate", alarm: "api-5xx-rate-0a1b2c3", topic: "alerts-escalation", endpoints: [oncall] },
            { minute: 30, kind: "state", alarm: "api-5xx-rate-0a1b2c3", from: "ALARM", to: "OK", value: 0 },
            { minute: 30, kind: "notify", alarm: "api-5xx-rate-0a1b2c3", topic: "alerts-critical", endpoints: [oncall, pager] },
        ],
    };

    it("shows each step with its minute: release, ALARM with the value, notifications, rollback, escalation, recovery", () => {
        const text = sequenceDiagram(model, run).join("\n");
        assert.equal(
            text,
            [
                "sequenceDiagram",
                "    participant P0 as CloudWatch metrics",
                "    participant P1 as CodeDeploy api",
                "    participant P2 as api-5xx-rate",
                "    participant P3 as SNS alerts-critical",
                "    actor P4 as oncall@example.com",
                "    actor P5 as pager",
                "    participant P6 as SNS alerts-escalation",
                "    Note over P1: t+5m release of api starts (canary 10%, until t+25m)",
                "    P0->>P2: t+8m OK to ALARM (0.3 #gt; 0.01)",
                "    P2-)P3: notifies ALARM",
                "    P3-)P4: email, pending confirmation",
                "    P3-)P5: https",
                "    P2->>P1: t+8m stop and roll back api",
                "    rect rgba(255, 170, 0, 0.15)",
                "    P2-)P6: escalates ALARM",
                "    P6-)P4: email, pending confirmation",
                "    Note over P6: no one new: every receiver already had the alert",
                "    end",
                "    P0-->>P2: t+30m ALARM to OK (0 not #gt; 0.01)",
                "    P2--)P3: notifies OK",
                "    P3--)P4: email, pending confirmation",
                "    P3--)P5: https",
                "    Note over P0,P6: FAIL: from the first signal at t+6m, detected 2 min, notified 2 min, escalated 17 min, rolled back 2 min",
            ].join("\n"),
        );
    });

    it("says so when nothing happens", () => {
        const { release: _release, ...rest } = run;
        const quiet: SequenceRun = {
            ...rest,
            pass: true,
            failures: [],
            timeline: [],
            detectedAtMinute: null,
            notifiedAtMinute: null,
            escalatedAtMinute: null,
            rolledBackAtMinute: null,
        };
        assert.deepEqual(sequenceDiagram(model, quiet), [
            "sequenceDiagram",
            "    participant P0 as CloudWatch metrics",
            "    Note over P0: no alarm changes state",
            "    Note over P0: PASS: from the first signal at t+6m, detected never, notified never, escalated never",
        ]);
    });

    it("escapes what would end or change a label", () => {
        assert.equal(label('a "b" | c # <d>\ne'), "a #quot;b#quot; #124; c #35; #lt;d#gt;<br/>e");
        assert.equal(message("a; b # <c>"), "a#59; b #35; #lt;c#gt;");
    });
});
