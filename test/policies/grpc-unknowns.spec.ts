// Through the real gRPC path: the pack runs as its own process (as the Pulumi CLI starts it), is
// configured with policies/config/prod.json, and receives AnalyzeStack requests whose related values
// are unknown. @pulumi/policy downgrades a policy that read an unknown value to advisory; these
// scenarios prove every stack rule still reports at its configured level.
import * as fs from "fs";
import * as path from "path";
import { PolicyPackProcess, AnalyzerInput, stackEntry } from "../../tools/preview/policy-pack";
import type { Diagnostic } from "../../tools/preview/types";
import { ruleInfos } from "../../policies/lib/rule";
import { allPolicies } from "../../policies/rules";
import { expect, POLICIES_DIR, Res, urnOf, U } from "./helpers";
import { UNKNOWN_SCENARIOS } from "./unknown-scenarios";

const PROD = path.join(POLICIES_DIR, "config", "prod.json");
const prodLevels = JSON.parse(fs.readFileSync(PROD, "utf8")) as Record<string, { enforcementLevel: string }>;

export function toAnalyzerInputs(resources: Res[]): AnalyzerInput[] {
    const urn = (n: string) => {
        const r = resources.find((x) => x.name === n);
        if (!r) {
            throw new Error(`no resource ${n}`);
        }
        return urnOf(r.type, r.name);
    };
    return resources.map((r) => {
        const propertyDependencies = Object.fromEntries(Object.entries(r.deps ?? {}).map(([k, v]) => [k, v.map(urn)]));
        return {
            urn: urnOf(r.type, r.name),
            type: r.type,
            name: r.name,
            parent: "",
            properties: r.props ?? {},
            dependencies: [...new Set([...Object.values(propertyDependencies).flat(), ...(r.dependsOn ?? []).map(urn)])],
            propertyDependencies,
            protect: r.protect === true,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            deleteBeforeReplace: false,
            deleteBeforeReplaceDefined: false,
        };
    });
}

describe("policy pack over gRPC: stack rules with unknown values (prod config)", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;

    before(async () => {
        pack = await PolicyPackProcess.start(POLICIES_DIR);
        const info = await pack.info();
        await pack.configure(info.policies, PROD);
    });
    after(() => pack?.stop());

    it("covers every stack rule", () => {
        allPolicies();
        const stackRules = ruleInfos()
            .filter((i) => i.meta.kind === "S")
            .map((i) => i.meta.id);
        expect(UNKNOWN_SCENARIOS.map((s) => s.rule).sort()).to.deep.equal(stackRules.sort());
    });

    for (const s of UNKNOWN_SCENARIOS) {
        it(`${s.rule}: reports ${s.expect.join(", ")} at its prod level (${prodLevels[s.rule].enforcementLevel}) with every related value unknown`, async () => {
            const ds: Diagnostic[] = (await pack.analyzeStack(toAnalyzerInputs(s.resources).map(stackEntry))).filter((d) => d.policyName === s.rule);
            expect(ds.filter((d) => d.message.includes("can't run")).map((d) => d.message)).to.deep.equal([]);
            const level = prodLevels[s.rule].enforcementLevel;
            const names = ds.filter((d) => d.enforcementLevel === level).map((d) => d.urn?.split("::").pop() ?? "(stack)");
            expect([...new Set(names)].sort()).to.deep.equal([...s.expect].sort());
        });
    }

    it("a resource rule that must compare an unknown value is reported advisory by @pulumi/policy, not silently passed", async () => {
        const [r] = toAnalyzerInputs([{ type: "aws:lambda/function:Function", name: "f", props: { runtime: U, role: U } }]);
        const ds = (await pack.analyze(r)).filter((d) => d.policyName === "lambda-supported-runtime");
        expect(ds.map((d) => d.enforcementLevel)).to.deep.equal(["advisory"]);
        expect(ds[0].message).to.contain("can't run policy 'lambda-supported-runtime'");
    });

    it("a mandatory resource rule reports its violation at mandatory over gRPC, with the resource, property, value and fix", async () => {
        const [r] = toAnalyzerInputs([
            { type: "aws:lambda/permission:Permission", name: "open", props: { principal: "*", function: U, action: "lambda:InvokeFunction" } },
        ]);
        const ds = (await pack.analyze(r)).filter((d) => d.policyName === "lambda-permission-scoped");
        expect(ds.map((d) => `${d.enforcementLevel} ${d.urn}`)).to.deep.equal([`mandatory ${r.urn}`]);
        expect(ds[0].message).to.contain('aws.lambda.Permission "open": principal is "*"').and.contain("Fix:");
    });
});
