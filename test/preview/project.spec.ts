import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadProgram, SECRET_PLACEHOLDER } from "../../tools/preview/project";
import { renderPolicyDocument } from "../../tools/preview/mock-invokes";

function program(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-project-"));
    for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

const PROJECT =
    "name: shop\nruntime: nodejs\nmain: index.ts\nconfig:\n  size:\n    type: integer\n    default: 2\n  tags:\n    type: array\n  aws:region:\n    value: us-east-1\n";

describe("offline preview: reading a program's project and stack files", () => {
    it("merges project defaults, namespaced values and stack values as the CLI hands them to the program", () => {
        const dir = program({
            "Pulumi.yaml": PROJECT,
            "index.ts": "",
            "Pulumi.dev.yaml":
                "config:\n  shop:tags: [a, b]\n  aws:region: eu-west-1\n  shop:config:legacy: yes\n  shop:db:\n    user: app\n    password:\n      secure: v1:abc\n",
        });
        const spec = loadProgram(dir, "dev", "create");
        assert.equal(spec.config["shop:size"], "2", "project default");
        assert.equal(spec.config["shop:tags"], '["a","b"]', "structured values as JSON");
        assert.equal(spec.config["aws:region"], "eu-west-1", "the stack wins over the project's value");
        assert.equal(spec.config["shop:legacy"], "yes", "ns:config:key is the legacy spelling of ns:key");
        assert.deepEqual(JSON.parse(spec.config["shop:db"]), { user: "app", password: SECRET_PLACEHOLDER });
        assert.deepEqual(spec.secretKeys, ["shop:db"], "a value holding a secure leaf is a secret, never decrypted");
        assert.equal(spec.main, "index.ts");
        assert.equal(spec.typescript, true);
    });

    it("names a key without a namespace and tells how to spell it", () => {
        const dir = program({ "Pulumi.yaml": PROJECT, "index.ts": "", "Pulumi.dev.yaml": "config:\n  shop:tags: []\n  size: 3\n" });
        assert.throws(() => loadProgram(dir, "dev", "create"), /configuration key 'size' should be of the form <namespace>:<name>, for example shop:size/);
    });

    it("refuses what it cannot do offline: ESC environments and other runtimes", () => {
        const esc = program({ "Pulumi.yaml": PROJECT, "index.ts": "", "Pulumi.dev.yaml": "environment:\n  - prod-secrets\nconfig:\n  shop:tags: []\n" });
        assert.throws(() => loadProgram(esc, "dev", "create"), /imports a Pulumi ESC environment/);
        const py = program({ "Pulumi.yaml": "name: p\nruntime: python\n", "Pulumi.dev.yaml": "config: {}\n" });
        assert.throws(() => loadProgram(py, "dev", "create"), /runtime 'python' is not supported; the offline preview runs nodejs programs/);
    });

    it("reports a main file that does not exist", () => {
        const dir = program({ "Pulumi.yaml": "name: p\nruntime: nodejs\nmain: src/index.ts\n", "Pulumi.dev.yaml": "config: {}\n" });
        assert.throws(() => loadProgram(dir, "dev", "create"), /main 'src\/index.ts' does not exist/);
    });
});

describe("offline preview: aws.iam.getPolicyDocument", () => {
    it("renders principals, conditions and single values as the provider does", () => {
        const { json } = renderPolicyDocument({
            statements: [
                {
                    sid: "DenyInsecure",
                    effect: "Deny",
                    actions: ["sqs:*"],
                    resources: ["arn:aws:sqs:eu-west-1:123456789012:q"],
                    principals: [{ type: "*", identifiers: ["*"] }],
                    conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
                },
                { actions: ["sns:Publish"], principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }], resources: ["*"] },
            ],
        });
        assert.deepEqual(JSON.parse(json), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecure",
                    Effect: "Deny",
                    Action: "sqs:*",
                    Resource: "arn:aws:sqs:eu-west-1:123456789012:q",
                    Principal: "*",
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                { Effect: "Allow", Action: "sns:Publish", Resource: "*", Principal: { Service: "events.amazonaws.com" } },
            ],
        });
    });
});
