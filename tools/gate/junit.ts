/**
 * The gate's verdicts as JUnit XML, which Jenkins (`junit`), Bitbucket Pipelines (test-results/) and
 * GitHub (a test-report action) show natively: one test suite per stack and mode, one test case per policy
 * of each pack. A policy with a mandatory (or remediate) violation fails, with each violation's resource and
 * message; advisory violations are the case's output; a disabled policy is skipped. A preview that failed
 * (no policy answer) is one errored case naming why.
 */
import type { Diagnostic } from "../preview";
import type { GateReport, GateResult } from "./run";

/** Text for XML content and attributes: escaped, with the characters XML 1.0 cannot carry dropped. */
export function xmlText(text: string): string {
    return text
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function describeViolation(d: Diagnostic): string {
    return `[${d.enforcementLevel}] ${d.urn ?? "(stack)"}\n${d.message}`;
}

function suite(result: GateResult, packs: GateReport["policyPacks"]): { xml: string; tests: number; failures: number; errors: number; skipped: number } {
    const name = `policy gate ${result.stack} (${result.mode})`;
    const attrs = (tests: number, failures: number, errors: number, skipped: number) =>
        `name="${xmlText(name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(result.ms)}"`;
    if (!result.report) {
        const message = result.error?.message ?? "the preview failed";
        const xml = [
            `  <testsuite ${attrs(1, 0, 1, 0)}>`,
            `    <testcase classname="${xmlText(`gate.${result.stack}.${result.mode}`)}" name="preview" time="${seconds(result.ms)}">`,
            `      <error message="${xmlText(message.split("\n")[0])}">${xmlText([message, result.error?.detail].filter(Boolean).join("\n"))}</error>`,
            "    </testcase>",
            "  </testsuite>",
        ];
        return { xml: xml.join("\n"), tests: 1, failures: 0, errors: 1, skipped: 0 };
    }
    const report = result.report;
    const cases: string[] = [];
    let failures = 0;
    let skipped = 0;
    for (const pack of packs) {
        for (const policy of pack.policies) {
            const mine = report.diagnostics.filter((d) => d.policyPackName === pack.name && d.policyName === policy.name);
            const blocking = mine.filter((d) => d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate");
            const advisory = mine.filter((d) => d.enforcementLevel === "advisory");
            const head = `    <testcase classname="${xmlText(`${pack.name}.${report.stack}.${report.mode}`)}" name="${xmlText(policy.name)}" time="0">`;
            const body: string[] = [];
            if (blocking.length > 0) {
                failures++;
                body.push(
                    `      <failure message="${xmlText(`${blocking.length} mandatory violation${blocking.length === 1 ? "" : "s"} of ${policy.name}`)}" type="mandatory">` +
                        `${xmlText(blocking.map(describeViolation).join("\n\n"))}</failure>`,
                );
            } else if (mine.length === 0 && (result.levels?.[`${pack.name}/${policy.name}`] ?? policy.enforcementLevel) === "disabled") {
                skipped++;
                body.push(`      <skipped message="disabled"/>`);
            }
            if (advisory.length > 0) {
                body.push(`      <system-out>${xmlText(advisory.map(describeViolation).join("\n\n"))}</system-out>`);
            }
            cases.push(body.length === 0 ? head.replace(/>$/, "/>") : [head, ...body, "    </testcase>"].join("\n"));
        }
    }
    const tests = cases.length;
    return { xml: [`  <testsuite ${attrs(tests, failures, 0, skipped)}>`, ...cases, "  </testsuite>"].join("\n"), tests, failures, errors: 0, skipped };
}

/** The whole gate as one `<testsuites>` document. */
export function renderJUnit(report: GateReport): string {
    const suites = report.previews.map((r) => suite(r, report.policyPacks));
    const total = (k: "tests" | "failures" | "errors" | "skipped") => suites.reduce((n, s) => n + s[k], 0);
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="policy gate" tests="${total("tests")}" failures="${total("failures")}" errors="${total("errors")}" skipped="${total("skipped")}" time="${seconds(report.totalMs)}">`,
        ...suites.map((s) => s.xml),
        "</testsuites>",
        "",
    ].join("\n");
}
