import { strict as assert } from "assert";
import * as path from "path";
import * as ts from "typescript";

const REPO = path.join(__dirname, "..", "..");

/**
 * Type-checks programs that publish the contract the way index.ts does (one object, `satisfies
 * ContractExports`), each a file beside outputs.ts that exists only in memory, and returns each
 * file's errors.
 */
function check(programs: Record<string, string>): Record<string, string[]> {
    const files = Object.fromEntries(Object.entries(programs).map(([name, text]) => [path.join(REPO, `${name}.contract-check.ts`), text]));
    const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        types: [],
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => f in files || fileExists(f);
    host.readFile = (f) => files[f] ?? readFile(f);
    host.getSourceFile = (f, lang, ...rest) => (f in files ? ts.createSourceFile(f, files[f], lang) : getSourceFile(f, lang, ...rest));
    const program = ts.createProgram(Object.keys(files), options, host);
    return Object.fromEntries(
        Object.entries(files).map(([file]) => [
            path.basename(file, ".contract-check.ts"),
            // Each error as tsc points at it: the word under its position, then the message.
            ts
                .getPreEmitDiagnostics(program, program.getSourceFile(file))
                .map((d) => `${/^\w*/.exec(files[file].slice(d.start ?? 0))?.[0]}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`),
        ]),
    );
}

const HEADER = `import * as pulumi from "@pulumi/pulumi";\nimport { ContractExports } from "./outputs";\nimport { sampleOutputs } from "./test/contract/sample";\nconst all = sampleOutputs();\n`;

describe("a program's exports checked against the output contract (satisfies ContractExports)", function () {
    this.timeout(60_000);
    let errors: Record<string, string[]>;
    before(() => {
        errors = check({
            complete: `${HEADER}export const o = { ...all, apiUrl: pulumi.output(all.apiUrl), dashboardUrls: all.dashboardUrls } satisfies ContractExports;\n`,
            missing: `${HEADER}const { backupPlanId, ...rest } = all;\nvoid backupPlanId;\nexport const o = { ...rest } satisfies ContractExports;\n`,
            extra: `${HEADER}export const o = { ...all, internalQueueUrl: "https://sqs" } satisfies ContractExports;\n`,
            retyped: `${HEADER}export const o = { ...all, vpcId: pulumi.output(42) } satisfies ContractExports;\n`,
            narrowedObject: `${HEADER}export const o = { ...all, releaseHooks: { beforeAllowTraffic: "pre" } } satisfies ContractExports;\n`,
        });
    });

    it("accepts every output as a value or a pulumi.Output of one", () => {
        assert.deepEqual(errors.complete, []);
    });

    it("names an output the program forgot", () => {
        assert.equal(errors.missing.length, 1, errors.missing.join("\n"));
        assert.match(errors.missing[0], /^satisfies: [\s\S]*Property 'backupPlanId' is missing/);
    });

    it("names an output the contract does not have", () => {
        assert.equal(errors.extra.length, 1, errors.extra.join("\n"));
        assert.match(errors.extra[0], /^internalQueueUrl: [\s\S]*does not exist in type 'ContractExports/);
    });

    it("names an output of another type, and a field missing from an object output", () => {
        assert.match(errors.retyped.join("\n"), /^vpcId: [\s\S]*'number' is not assignable to type 'string'/);
        assert.match(errors.narrowedObject.join("\n"), /^releaseHooks: Type '{ beforeAllowTraffic: string; }' is not assignable/);
    });
});
