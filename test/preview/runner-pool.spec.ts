import { strict as assert } from "assert";
import { PreviewError, RunnerPool, runPreview, type PreviewReport } from "../../tools/preview";
import { runProgram } from "../../tools/preview/program";
import { loadProgram } from "../../tools/preview/project";
import { fixture } from "./helpers";

const withoutTimings = (r: PreviewReport) => ({ ...r, timings: undefined });

/**
 * A runner reused for the next preview of the same program (the gate's, the specs') must give the report a
 * fresh runner gives, and fail where a fresh one fails.
 */
describe("offline preview: program runners reused across previews", function () {
    this.timeout(120_000);
    const runners = new RunnerPool();
    after(() => runners.close());

    it("the next preview of the same program runs in the same runner, with the report a fresh runner gives", async () => {
        const spec = (mode: "create" | "update") => loadProgram(fixture("programs", "flat"), "test", mode);
        const first = await runProgram(spec("create"), undefined, undefined, runners);
        assert.equal(first.reusable, true, "a CommonJS program that succeeded keeps its runner");
        const flat = fixture("programs", "flat");
        const warm = await runPreview({ cwd: flat, stack: "test", mode: "update", policyPacks: [], runners });
        const fresh = await runPreview({ cwd: flat, stack: "test", mode: "update", policyPacks: [] });
        assert.deepEqual(withoutTimings(warm), withoutTimings(fresh));
        assert.match(
            String(warm.outputs.functionArn),
            /^arn:aws:lambda:us-west-2:123456789012:function:fn-[0-9a-f]{7}$/,
            "update mode's values, not the first run's",
        );
        const again = await runProgram(spec("create"), undefined, undefined, runners);
        assert.equal(again.runnerPid, first.runnerPid, "one runner served every run");
        assert.deepEqual(
            again.resources.map((r) => r.urn),
            first.resources.map((r) => r.urn),
        );
    });

    it("a reused runner names a registration that never completes, as a fresh one does, and is not reused after", async () => {
        const dir = fixture("foreign", "stuck-on-stack");
        const passed = await runProgram(loadProgram(dir, "test", "create"), undefined, undefined, runners);
        assert.equal(passed.ok, true);
        await assert.rejects(
            runPreview({ cwd: dir, stack: "stuck", policyPacks: [], runners }),
            (e: Error) => e instanceof PreviewError && /never completed: aws:sqs\/queue:Queue 'waits'/.test(e.message),
        );
        const after = await runProgram(loadProgram(dir, "test", "create"), undefined, undefined, runners);
        assert.notEqual(after.runnerPid, passed.runnerPid, "a runner whose run failed is not reused");
    });
});
