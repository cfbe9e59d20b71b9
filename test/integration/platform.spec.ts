/**
 * The Automation API suite: deploys the platform to a real AWS account with the policy pack, checks what
 * only AWS can (the provider's input validation, IAM evaluation, quotas, name clashes, perpetual diffs,
 * the deployed API and site), and destroys it. It is the part of the test plan the offline preview
 * cannot reach.
 *
 * Opt in with `PLATFORM_INTEGRATION_STACK=integration-<name>` (a throwaway stack: it creates real,
 * billed resources), AWS credentials the default provider chain finds, and the Pulumi CLI on PATH,
 * logged in to a backend. Without all of them every case skips, naming what is missing.
 * `PLATFORM_INTEGRATION_KEEP=1` keeps the stack afterwards for debugging.
 *
 *   PLATFORM_INTEGRATION_STACK=integration-alice npx mocha --no-config -r ts-node/register/transpile-only \
 *     --extension ts --timeout 0 test/integration/platform.spec.ts
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { validatePlatformOutputs } from "../../outputs";
import { main as publishSite } from "../../tools/ops/publish-site";
import { main as smoke, type SmokeSummary } from "../../tools/smoke";

const REPO = path.resolve(__dirname, "..", "..");
const STACK_NAME = /^integration-[a-z0-9][a-z0-9-]{0,39}$/;
/** The stack the integration stack copies its config from: the cheapest shape of the platform. */
const TEMPLATE_STACK = "dev";

/** What keeps the suite from running here, each with what to do about it; empty when it can run. */
export async function missingPrerequisites(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
    const name = env.PLATFORM_INTEGRATION_STACK;
    if (!name) {
        // Checked first: probing for credentials can wait on the instance metadata service.
        return ["set PLATFORM_INTEGRATION_STACK=integration-<name> to opt in (it deploys real, billed resources)"];
    }
    const missing: string[] = [];
    if (!STACK_NAME.test(name)) {
        missing.push(`PLATFORM_INTEGRATION_STACK=${name} is not allowed: use integration-<name>, lower-case letters, digits and dashes, at most 52 characters`);
    }
    try {
        execFileSync("pulumi", ["version"], { stdio: "ignore" });
    } catch {
        missing.push("the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)");
    }
    try {
        const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
        await defaultProvider({ timeout: 2000, maxRetries: 0 })();
    } catch (err) {
        missing.push(`no AWS credentials: ${(err as Error).message}`);
    }
    return missing;
}

describe("platform on AWS (Automation API)", function () {
    // A first deployment of CloudFront and OpenSearch Serverless takes tens of minutes.
    this.timeout(90 * 60 * 1000);
    const stackName = process.env.PLATFORM_INTEGRATION_STACK ?? "";
    const stackFile = path.join(REPO, `Pulumi.${stackName}.yaml`);
    const policyPacks = { policyPacks: [path.join(REPO, "policies")], policyPackConfigs: [path.join(REPO, "policies", "config", `${TEMPLATE_STACK}.json`)] };
    const log = (line: string) => process.stdout.write(`      ${line}`);
    let stack: Stack | undefined;
    let outputs: Record<string, unknown> = {};

    before(async function () {
        const missing = await missingPrerequisites();
        if (missing.length > 0) {
            console.log(`      skipped, AWS not reachable from here: ${missing.join("; ")}`);
            this.skip();
        }
        // The integration stack is dev under another name: same values, its own resources.
        fs.copyFileSync(path.join(REPO, `Pulumi.${TEMPLATE_STACK}.yaml`), stackFile);
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: REPO });
    });

    after(async function () {
        if (!stack) {
            return;
        }
        if (process.env.PLATFORM_INTEGRATION_KEEP === "1") {
            console.log(`      kept stack ${stackName}: pulumi destroy --stack ${stackName} when done`);
            return;
        }
        await stack.destroy({ onOutput: log });
        await stack.workspace.removeStack(stackName);
        fs.rmSync(stackFile, { force: true });
    });

    it("previews with the policy pack and no mandatory violation", async () => {
        // A mandatory violation fails the CLI, and with it this call.
        const result = await stack!.preview({ ...policyPacks, onOutput: log });
        assert.ok((result.changeSummary.create ?? 0) > 0 || (result.changeSummary.same ?? 0) > 0, "the preview planned the stack");
    });

    it("deploys with the policy pack", async () => {
        const result = await stack!.up({ ...policyPacks, onOutput: log });
        assert.equal(result.summary.result, "succeeded");
        outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        // What consumer stacks will read: every output of the contract, with real AWS values.
        validatePlatformOutputs(stackName, outputs);
    });

    it("publishes the site, then answers every smoke check: health, anonymous rejections, the machine client's read, the landing page", async () => {
        assert.ok(outputs.apiUrl, "deployed");
        const logLine = (line: string) => log(`${line}\n`);
        assert.equal(await publishSite(["--stack", stackName], { out: logLine, err: logLine }), 0, "the site is published");
        const lines: string[] = [];
        const code = await smoke(["--stack", stackName, "--json"], { out: (line) => lines.push(line), err: logLine });
        assert.ok(lines.length > 0, "the smoke command read the stack");
        const summary = JSON.parse(lines.join("\n")) as SmokeSummary;
        const notPassed = summary.checks.filter((c) => !c.ok);
        assert.deepEqual(notPassed, [], notPassed.map((c) => `${c.name}: ${c.detail}`).join("\n"));
        assert.equal(code, 0);
    });

    it("has no perpetual diff: a second preview plans no change", async () => {
        assert.ok(outputs.apiUrl, "deployed");
        await stack!.preview({ ...policyPacks, expectNoChanges: true, onOutput: log });
    });
});

describe("Automation API suite prerequisites", () => {
    it("runs nothing against AWS unless a throwaway stack is named", async () => {
        assert.deepEqual(await missingPrerequisites({}), ["set PLATFORM_INTEGRATION_STACK=integration-<name> to opt in (it deploys real, billed resources)"]);
    });

    it("refuses a stack name that could be a real environment's", async () => {
        const missing = await missingPrerequisites({ PLATFORM_INTEGRATION_STACK: "prod" });
        assert.match(missing[0], /^PLATFORM_INTEGRATION_STACK=prod is not allowed: use integration-<name>/);
    });
});
