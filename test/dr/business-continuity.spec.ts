import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNBOOK, businessContinuity, stackRecovery, stacksIn } from "../../tools/dr/cli";
import { FAILURE_MODES } from "../../tools/dr/model";
import { PLAYBOOK, ROLES } from "../../tools/dr/playbook";

const REPO = path.resolve(__dirname, "..", "..");

describe("docs/runbooks/business-continuity.md", () => {
    const text = fs.readFileSync(path.join(REPO, RUNBOOK), "utf8");

    it("is what `npm run dr -- --runbook` generates from the stacks' configuration today (not stale)", () => {
        assert.ok(text === businessContinuity(REPO), `${RUNBOOK} is stale: run \`npm run dr -- --runbook\` and commit it`);
    });

    it("has a section per failure mode with its trigger and numbered actions, each with an owner the plan defines", () => {
        for (const mode of FAILURE_MODES) {
            const section = text.split(`\n## ${mode}\n`)[1]?.split("\n## ")[0];
            assert.ok(section, `no section for ${mode}`);
            assert.match(section, /\*\*Trigger:\*\*/, mode);
            const owners = [...section.matchAll(/^\d+\. \*\*([a-z -]+)\*\*:/gm)].map((m) => m[1]!);
            assert.ok(owners.length > 0, `${mode}: no ordered actions`);
            for (const o of owners) assert.ok(o in ROLES, `${mode}: ${o} is not a role of the plan`);
            // Every stack's achieved RPO and RTO for the mode, with the figures they add up from.
            for (const stack of stacksIn(REPO)) assert.match(section, new RegExp(`^\\| ${stack} \\| (yes|no) \\| `, "m"), `${mode}: ${stack}`);
        }
    });

    it("names each stack's owners from its config, and the objectives table shows what config achieves", () => {
        const prod = stackRecovery(REPO, "prod");
        const row = text.split("\n").find((l) => l.startsWith("| incident commander |"))!;
        for (const mailbox of prod.mailboxes.escalation) assert.ok(row.includes(mailbox), mailbox);
        const objectives = text.split("\n").find((l) => l.startsWith("| prod |"))!;
        const regionLoss = prod.table.modes.find((m) => m.mode === "region-loss")!;
        assert.ok(objectives.includes(`${regionLoss.rpo.minutes} / ${regionLoss.rto.minutes} (met)`), objectives);
    });

    it("shows only the recovery commands and the runbooks the playbook defines, with the flags those commands take", () => {
        const commands = [...text.matchAll(/`(npm run [a-z-]+ -- [^`]*)`/g)].map((m) => m[1]!);
        assert.ok(commands.length > 5);
        const allowed: Record<string, string[]> = {
            restore: ["--stack", "--to", "--from-recovery-point", "--dry-run"],
            reindex: ["--stack", "--from-table"],
            "export-users": ["--stack", "--to"],
            dr: ["--stack", "--runbook", "--json", "--check", "--cwd"],
        };
        for (const c of commands) {
            const [, name, rest] = /^npm run ([a-z-]+) -- (.*)$/.exec(c)!;
            assert.ok(name! in allowed, `${c}: not a command of the plan`);
            for (const flag of rest!.match(/--[a-z-]+/g) ?? []) assert.ok(allowed[name!]!.includes(flag), `${c}: ${flag}`);
        }
        const runbooks = new Set(
            Object.values(PLAYBOOK).flatMap((p) =>
                [true, false].flatMap((pilotLight) => p.actions({ pilotLight, standby: "s" }).flatMap((a) => (a.runbook ? [a.runbook] : []))),
            ),
        );
        const linked = new Set([...text.matchAll(/\]\(([a-z-]+\.md)\)/g)].map((m) => m[1]!));
        assert.deepEqual([...linked].sort(), [...runbooks].sort());
    });
});
