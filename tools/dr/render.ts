/**
 * The recovery table as `npm run dr` prints it (text or JSON), and the business-continuity plan
 * (docs/runbooks/business-continuity.md) generated from every stack's table and the playbook.
 */
import { FAILURE_MODES, FIGURES, describeObjective, type ModeResult, type Objective, type RecoveryTable } from "./model";
import { PLAYBOOK, ROLES, type Role } from "./playbook";

/** One stack's table and what the plan needs of its config. */
export interface StackRecovery {
    stack: string;
    region: string;
    table: RecoveryTable;
    /** The stack this one stands by for (drStandbyOf), or "". */
    standbyOf: string;
    /** Mailboxes by role: the on-call engineer's (alertEmails) and the incident commander's (escalationEmails). */
    mailboxes: { alert: readonly string[]; escalation: readonly string[] };
}

const minutes = (o: Objective) => (Number.isFinite(o.minutes) ? String(o.minutes) : "unbounded");
const verdict = (m: ModeResult) => (!m.claimed ? "not claimed" : m.rpoMet && m.rtoMet ? "met" : "NOT MET");

function header(s: StackRecovery): string {
    const t = s.table;
    const where = t.drCopies ? `copied to ${t.drRegion} every ${t.drCopyIntervalHours} h` : "no copies outside the region";
    return (
        `Recovery objectives of stack ${s.stack} (${s.region}): targets RPO ${t.targets.rpoMinutes} and RTO ${t.targets.rtoMinutes} minutes; ` +
        `drStrategy ${t.strategy}, a recovery point every ${t.backupIntervalHours} h, ${where}` +
        (s.standbyOf === "" ? "" : `; the standby of ${s.standbyOf}`)
    );
}

/** The table as text: one row per failure mode, then each mode's steps and their sources. */
export function renderText(s: StackRecovery): string {
    const rows = [["failure mode", "claimed", "RPO (min)", "RTO (min)", "targets"]];
    for (const m of s.table.modes) rows.push([m.mode, m.claimed ? "yes" : "no", minutes(m.rpo), minutes(m.rto), verdict(m)]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = [
        header(s),
        "",
        ...rows.map((r) =>
            r
                .map((c, i) => c.padEnd(widths[i]!))
                .join("  ")
                .trimEnd(),
        ),
        "",
    ];
    for (const m of s.table.modes) {
        lines.push(`${m.mode} (${verdict(m)}): ${m.recovery}`);
        for (const [what, o] of [
            ["RPO", m.rpo],
            ["RTO", m.rto],
        ] as const) {
            lines.push(`  ${what} ${describeObjective(o)}`);
            for (const step of o.steps)
                lines.push(`    - ${step.label} ${Number.isFinite(step.minutes) ? `${step.minutes} min` : "(unbounded)"}: ${step.source}`);
        }
        for (const n of m.notes) lines.push(`  note: ${n}`);
        if (m.fixes.length > 0)
            lines.push(
                m.claimed
                    ? `  to meet the targets: ${[...m.fixes, `leave ${m.mode} out of drClaims`].join("; or ")}`
                    : `  to claim it: ${m.fixes.join("; or ")}`,
            );
        lines.push("");
    }
    return lines.join("\n");
}

/** Infinity is not JSON: an unbounded objective is `minutes: null, unbounded: true`. */
function jsonObjective(o: Objective): unknown {
    const finite = Number.isFinite(o.minutes);
    return {
        minutes: finite ? o.minutes : null,
        unbounded: !finite,
        steps: o.steps.map((s) => ({ label: s.label, minutes: Number.isFinite(s.minutes) ? s.minutes : null, source: s.source })),
    };
}

export function renderJson(s: StackRecovery): string {
    const t = s.table;
    return JSON.stringify(
        {
            stack: s.stack,
            region: s.region,
            standbyOf: s.standbyOf === "" ? null : s.standbyOf,
            targets: t.targets,
            strategy: t.strategy,
            drCopies: t.drCopies,
            drRegion: t.drRegion === "" ? null : t.drRegion,
            backupIntervalHours: t.backupIntervalHours,
            drCopyIntervalHours: t.drCopies ? t.drCopyIntervalHours : null,
            copyLagMinutes: t.copyLagMinutes,
            modes: t.modes.map((m) => ({
                mode: m.mode,
                claimed: m.claimed,
                met: m.rpoMet && m.rtoMet,
                rpoMet: m.rpoMet,
                rtoMet: m.rtoMet,
                recovery: m.recovery,
                rpo: jsonObjective(m.rpo),
                rto: jsonObjective(m.rto),
                notes: m.notes,
                fixes: m.fixes,
            })),
        },
        null,
        2,
    );
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

function owners(s: StackRecovery, role: Role): string {
    switch (role) {
        case "on-call engineer":
            return s.mailboxes.alert.join(", ");
        case "incident commander":
            return (s.mailboxes.escalation.length > 0 ? s.mailboxes.escalation : s.mailboxes.alert).join(", ");
        default:
            return "named in the team's on-call rota";
    }
}

/** The standby stack of a pilot-light primary (the stack whose drStandbyOf names it), or a placeholder. */
function standbyOf(stacks: readonly StackRecovery[], primary: StackRecovery): string {
    return stacks.find((s) => s.standbyOf === primary.stack)?.stack ?? "<standby stack>";
}

/** The business-continuity plan: roles, every stack's objectives, then each failure mode's plan. */
export function renderBusinessContinuity(stacks: readonly StackRecovery[]): string {
    const out: string[] = [];
    const push = (...lines: string[]) => out.push(...lines);
    push(
        "<!-- Generated by `npm run dr -- --runbook` from each stack's configuration (tools/dr/model.ts) and the playbook (tools/dr/playbook.ts): do not edit by hand. test/dr/business-continuity.spec.ts fails when it is stale. -->",
        "",
        "# Business continuity plan",
        "",
        "What each stack recovers from, how much data and time each failure costs as its configuration stands, who acts and in which order. Every figure is the sum of steps whose source is named under [Sources and assumptions](#sources-and-assumptions); `npm run dr -- --stack <stack>` prints one stack's table with them, and `config.ts` refuses a stack whose claimed failure modes (`drClaims`) cannot meet its `rpoMinutes` and `rtoMinutes`.",
        "",
        "## Objectives by stack",
        "",
        `| Stack | Strategy | Targets (RPO / RTO, min) | ${FAILURE_MODES.map((m) => `${m} (RPO / RTO)`).join(" | ")} |`,
        `| --- | --- | --- | ${FAILURE_MODES.map(() => "---").join(" | ")} |`,
    );
    for (const s of stacks) {
        const t = s.table;
        const strategy = `${t.strategy}${t.drCopies ? ` (${t.drRegion})` : ", no copies"}${s.standbyOf === "" ? "" : `, standby of ${s.standbyOf}`}`;
        const modes = t.modes.map(
            (m) => `${minutes(m.rpo)} / ${minutes(m.rto)}${m.claimed ? (m.rpoMet && m.rtoMet ? " (met)" : " (**not met**)") : " (not claimed)"}`,
        );
        push(`| ${s.stack} | ${strategy} | ${t.targets.rpoMinutes} / ${t.targets.rtoMinutes} | ${modes.join(" | ")} |`);
    }
    push(
        "",
        "## Roles",
        "",
        "| Role | Responsibility | " + stacks.map((s) => s.stack).join(" | ") + " |",
        "| --- | --- | " + stacks.map(() => "---").join(" | ") + " |",
    );
    for (const [role, duty] of Object.entries(ROLES) as [Role, string][]) {
        push(`| ${role} | ${cell(duty)} | ${stacks.map((s) => cell(owners(s, role))).join(" | ")} |`);
    }
    push(
        "",
        "Before any of this is needed: `npm run export-users -- --stack <stack> --to s3://BUCKET/users/` runs every day to a bucket in the stack's `drRegion` (Cognito keeps users in one Region and no password can be exported), and each restore's measured time goes into `drMeasuredRestoreMinutes`.",
    );

    for (const mode of FAILURE_MODES) {
        const play = PLAYBOOK[mode];
        push("", `## ${mode}`, "", `**Trigger:** ${play.trigger}`, "");
        // The order of actions differs only where the strategy does (region loss): one list per kind of stack.
        const actionsOf = (s: StackRecovery) => play.actions({ pilotLight: s.table.strategy === "pilot-light", standby: standbyOf(stacks, s) });
        const variants = new Map<string, StackRecovery[]>();
        for (const s of stacks) {
            const key = JSON.stringify(actionsOf(s));
            variants.set(key, [...(variants.get(key) ?? []), s]);
        }
        for (const group of variants.values()) {
            const actions = actionsOf(group[0]!);
            if (variants.size > 1) push(`${group.length === 1 ? "Stack" : "Stacks"} ${group.map((s) => s.stack).join(", ")}:`, "");
            // One stack: its own name in the commands; several: `<stack>`, each of them.
            const named = (command: string) => (group.length === 1 ? command.replace(/<stack>/g, group[0]!.stack) : command);
            actions.forEach((a, i) => {
                const command = a.command === undefined ? "" : ` \`${named(a.command)}\``;
                const runbook = a.runbook === undefined ? "" : ` ([${a.runbook}](${a.runbook}))`;
                push(`${i + 1}. **${a.who}**: ${a.what}${command}${runbook}`);
            });
            push("");
        }
        push("| Stack | Claimed | RPO | RTO | How it recovers |", "| --- | --- | --- | --- | --- |");
        for (const s of stacks) {
            const m = s.table.modes.find((x) => x.mode === mode)!;
            push(`| ${s.stack} | ${m.claimed ? "yes" : "no"} | ${cell(describeObjective(m.rpo))} | ${cell(describeObjective(m.rto))} | ${cell(m.recovery)} |`);
        }
        // A note every stack shares is said once; one that only some share names them.
        const byNote = new Map<string, string[]>();
        for (const s of stacks) for (const n of s.table.modes.find((x) => x.mode === mode)!.notes) byNote.set(n, [...(byNote.get(n) ?? []), s.stack]);
        const notes = [...byNote].map(([n, on]) => (on.length === stacks.length ? n : `${on.join(", ")}: ${n}`));
        const fixes = stacks.flatMap((s) => {
            const m = s.table.modes.find((x) => x.mode === mode)!;
            return m.fixes.length === 0 ? [] : [`${s.stack}: ${m.claimed ? "to meet its targets" : "to claim it"}, ${m.fixes.join(", or ")}.`];
        });
        if (notes.length > 0 || fixes.length > 0) push("");
        for (const n of notes) push(`- ${n}`);
        for (const f of fixes) push(`- ${f}`);
    }

    push("", "## Sources and assumptions", "", "| Figure | Minutes | Source |", "| --- | --- | --- |");
    for (const [name, f] of Object.entries(FIGURES)) {
        push(`| ${name} | ${"minutes" in f ? f.minutes : "measured"} | ${cell(f.source)} |`);
    }
    push(
        "",
        "Stack-specific figures (the backup interval, the copy lag for `tableSizeGb`, the release's duration) are computed from each stack's configuration and shown with their sources by `npm run dr -- --stack <stack>`.",
        "",
    );
    return out.join("\n");
}
