import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "../../tools/cli";
import { StackInputError } from "../../tools/capacity/stack";
import { RUNBOOK, isBadInput, main } from "../../tools/dr/cli";

// `npm run dr` against a program directory of its own: a Pulumi.yaml and stack files the spec writes.
const STACK = (extra: string) =>
    [
        "config:",
        "  aws:region: eu-west-1",
        "  platform:environment: staging",
        "  platform:alertEmails: [ops@example.com]",
        "  platform:escalationEmails: [lead@example.com]",
        "  platform:emailDomain: orders.example.com",
        extra,
    ].join("\n");

describe("npm run dr", () => {
    let dir: string;
    const run = async (...argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(["--cwd", dir, ...argv], { out: (t) => out.push(t), err: (t) => err.push(t) });
        return { code, out: out.join("\n"), err: err.join("\n") };
    };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-cli-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
        fs.writeFileSync(path.join(dir, "Pulumi.ok.yaml"), STACK("  platform:rtoMinutes: 480\n  platform:rpoMinutes: 240"));
        fs.writeFileSync(path.join(dir, "Pulumi.short.yaml"), STACK("  platform:rtoMinutes: 30\n  platform:drClaims: [bad-data, az-loss]"));
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), STACK("  platform:drStrategy: warm\n  platform:tableSizeGb: 0"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("answers --help and exits 0", async () => {
        const r = await run("--help");
        assert.equal(r.code, 0);
        assert.match(r.out, /usage: npm run dr -- \[--stack dev\]/);
        assert.match(r.out, /--runbook/);
    });

    it("prints the table and exits 0 when every claimed mode meets the targets", async () => {
        const r = await run("--stack", "ok");
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^Recovery objectives of stack ok \(eu-west-1\): targets RPO 240 and RTO 480 minutes/);
        assert.match(r.out, /^bad-data +yes +5 +\d+ +met$/m);
        assert.match(r.out, /^region-loss +no +unbounded +unbounded +not claimed$/m);
        assert.match(r.out, /to claim it: set drCopies true and drRegion to another Region/);
        assert.equal(r.err, "");
    });

    it("exits 1 with config's own lines on stderr when a claimed mode misses its target, and still prints the table", async () => {
        const r = await run("--stack", "short");
        assert.equal(r.code, 1);
        assert.match(r.out, /^bad-data +yes +5 +\d+ +NOT MET$/m);
        assert.match(r.err, /^platform:rtoMinutes 30 cannot be met for bad-data \(claimed in platform:drClaims\)/);
        assert.equal(r.err.split("\n").length, 1, "one line per failing mode: az-loss meets 30 minutes");
    });

    it("prints JSON with unbounded objectives as null, and nothing else", async () => {
        const r = await run("--stack", "ok", "--json");
        const doc = JSON.parse(r.out) as { stack: string; modes: { mode: string; rpo: { minutes: number | null; unbounded: boolean } }[] };
        assert.equal(doc.stack, "ok");
        const region = doc.modes.find((m) => m.mode === "region-loss")!;
        assert.deepEqual([region.rpo.minutes, region.rpo.unbounded], [null, true]);
        assert.equal(doc.modes.length, 6);
    });

    it("refuses bad input with exit 2: an unknown stack, a refused config, bad flags, --check alone, --runbook with --json", async () => {
        await assert.rejects(
            run("--stack", "nope"),
            (e: Error) => e instanceof StackInputError && isBadInput(e) && /no .*Pulumi\.nope\.yaml; allowed: broken, ok, short/.test(e.message),
        );
        await assert.rejects(
            run("--stack", "broken"),
            (e: Error) =>
                e instanceof StackInputError &&
                /platform:drStrategy: "warm" is not one of backup-restore, pilot-light/.test(e.message) &&
                /platform:tableSizeGb: 0/.test(e.message),
        );
        await assert.rejects(run("--stack", "../x"), (e: Error) => e instanceof UsageError && /--stack "..\/x" is not a stack name/.test(e.message));
        await assert.rejects(run("--bogus"), (e: Error) => e instanceof UsageError && /Unknown flag --bogus/.test(e.message));
        await assert.rejects(run("--check"), (e: Error) => e instanceof UsageError && /--check goes with --runbook/.test(e.message));
        await assert.rejects(run("--runbook", "--json"), (e: Error) => e instanceof UsageError && /exclusive/.test(e.message));
        await assert.rejects(
            main(["--cwd", os.tmpdir(), "--stack", "ok"], { out: () => undefined, err: () => undefined }),
            (e: Error) => e instanceof UsageError && /no Pulumi program there/.test(e.message),
        );
    });

    it("--runbook writes the plan, --check finds it current, then stale after an edit or a config change", async () => {
        fs.rmSync(path.join(dir, "Pulumi.broken.yaml"));
        const file = path.join(dir, RUNBOOK);
        assert.equal((await run("--runbook", "--check")).code, 1, "missing");
        assert.equal((await run("--runbook")).code, 0);
        assert.match(fs.readFileSync(file, "utf8"), /^\| short \| backup-restore, no copies \| 60 \/ 30 \|/m);
        assert.equal((await run("--runbook", "--check")).code, 0);
        fs.appendFileSync(file, "\nhand edit\n");
        const stale = await run("--runbook", "--check");
        assert.equal(stale.code, 1);
        assert.match(stale.err, /business-continuity\.md is stale: run `npm run dr -- --runbook`/);
        assert.equal((await run("--runbook")).code, 0);
        fs.writeFileSync(path.join(dir, "Pulumi.ok.yaml"), STACK("  platform:rtoMinutes: 400\n  platform:rpoMinutes: 240"));
        assert.equal((await run("--runbook", "--check")).code, 1, "a changed target makes the plan stale");
    });
});
