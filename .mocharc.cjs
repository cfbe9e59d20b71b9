// Mocha runs every spec in two parallel workers (the machines have two cores), the slowest files first:
// each worker takes the next file when it is done with one, so a minute-long file taken last holds the
// whole run up while the other worker idles. The list is from a run with `--reporter json` (files whose
// tests and before-hooks take 15 s or more); a file not listed runs after them, in name order.
const fs = require("node:fs");
const path = require("node:path");

const SLOWEST_FIRST = [
    "test/preview/preview.spec.ts",
    "test/stack-views.spec.ts",
    "test/preview/stacks.spec.ts",
    "test/policies/adversarial.spec.ts",
    "test/policies/grpc-fixtures.spec.ts",
    "test/tools/commands.spec.ts",
    "test/preview/fidelity.spec.ts",
    "test/outputs.spec.ts",
    "test/ci/jenkinsfile.spec.ts",
    "test/preview/stack-reference.spec.ts",
    "test/packaging/packages.spec.ts",
    "test/preview/runner-pool.spec.ts",
    "test/drill/cli.spec.ts",
];

function specs(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const file = path.posix.join(dir, e.name);
        return e.isDirectory() ? specs(file) : e.name.endsWith(".spec.ts") ? [file] : [];
    });
}

const all = specs("test").sort();
module.exports = {
    require: ["ts-node/register/transpile-only", "test/setup/packages.ts"],
    extension: ["ts"],
    spec: [...SLOWEST_FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !SLOWEST_FIRST.includes(f))],
    timeout: 60000,
    reporter: "spec",
    parallel: true,
    jobs: 2,
};
