/**
 * The Jenkinsfile: npm-groovy-lint (CodeNarc with the recommended Jenkinsfile rules, .groovylintrc.json)
 * finds no error or warning in it, and it finds the parse error of a broken Jenkinsfile, in ONE run
 * over both (a JVM start costs seconds: this is the only one in npm test); then its structure, read
 * with the block parser of helpers/pipelines.ts: the stages in order, a timeout on every stage, a
 * lock per stack, credentials only where the cloud is reached, approvals between the stacks, the
 * reports kept, the failure reported, and every step an npm script or a tools/ops script.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "../preview/helpers";
import { commandOf, ownText, parseJenkinsfile, readJenkinsfile } from "./helpers/pipelines";

const BROKEN = path.join("test", "ci", "fixtures", "broken.Jenkinsfile");
const jenkinsfile = readJenkinsfile(REPO);
const scripts = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const stage = (name: string) => {
    const found = jenkinsfile.stages.find((s) => s.name === name);
    assert.ok(found, `a stage ${name}`);
    return found;
};
const own = (name: string) => ownText(jenkinsfile.text, stage(name).block);

interface LintReport {
    files: Record<string, { errors: Array<{ line: number | string; rule: string; severity: string; msg: string }> }>;
}

describe("Jenkinsfile", () => {
    it("passes npm-groovy-lint with the Jenkinsfile rules, which catches a Jenkinsfile that does not parse", function () {
        this.timeout(240_000);
        if (spawnSync("java", ["-version"]).status !== 0) throw new Error("npm-groovy-lint needs Java 17 or later on PATH (java); none was found");
        // The `lint:groovy` script's own command line, given the broken fixture too and asked for JSON.
        const [command, ...args] = scripts["lint:groovy"]!.split(" ");
        assert.equal(command, "npm-groovy-lint");
        const options = args.filter((a) => a !== "Jenkinsfile" && !a.startsWith("--failon"));
        assert.ok(options.includes("--noserver"), "no CodeNarc server left running");
        assert.ok(
            options.every((o) => o.startsWith("--")),
            `the script's options are --flag or --flag=value only: ${options.join(" ")}`,
        );
        const node = fs.existsSync(path.join(REPO, "node_modules", ".bin", "node")) ? path.join(REPO, "node_modules", ".bin", "node") : process.execPath;
        const r = spawnSync(
            node,
            [path.join(REPO, "node_modules", "npm-groovy-lint", "lib", "index.js"), ...options, "--failon", "none", "--output", "json", "Jenkinsfile", BROKEN],
            { cwd: REPO, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
        );
        assert.equal(r.status, 0, r.stderr || r.stdout);
        const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as LintReport;
        assert.equal(Object.keys(report.files).length, 2, `linted ${Object.keys(report.files).join(", ")}`);
        const of = (file: string) => Object.entries(report.files).find(([f]) => path.resolve(REPO, f) === path.resolve(REPO, file))?.[1].errors ?? [];
        const found = of("Jenkinsfile").filter((e) => e.severity !== "info");
        assert.deepEqual(
            found.map((e) => `Jenkinsfile:${e.line} ${e.severity} ${e.rule}: ${e.msg}`),
            [],
        );
        assert.ok(
            of(BROKEN).some((e) => e.rule === "NglParseError" && e.severity === "error"),
            `the broken Jenkinsfile's parse error is found: ${JSON.stringify(of(BROKEN))}`,
        );
    });

    it("is one declarative pipeline with the STACK and DRY_RUN parameters", () => {
        assert.deepEqual(
            jenkinsfile.root.children.map((b) => b.head),
            ["List stackCredentials(String environment)", "pipeline"],
        );
        const pipeline = jenkinsfile.root.children[1]!;
        const parameters = pipeline.children.find((b) => b.head === "parameters")!;
        const text = jenkinsfile.text.slice(parameters.start, parameters.end);
        assert.match(text, /choice\(name: 'STACK', choices: \['prod', 'staging', 'dev'\]/);
        assert.match(text, /booleanParam\(name: 'DRY_RUN', defaultValue: false/);
    });

    it("tests, gates and drills, previews, then deploys dev, staging and prod in turn with an approval before each of the last two", () => {
        assert.deepEqual(
            jenkinsfile.stages.filter((s) => s.leaf).map((s) => s.name),
            [
                "Install",
                "Test",
                "Policy gate",
                "Incident drill",
                "preview dev",
                "preview staging",
                "preview prod",
                ...["dev", "staging", "prod"].flatMap((s) => [
                    ...(s === "dev" ? [] : [`approve ${s}`]),
                    `${s}: pulumi up`,
                    `${s}: publish site`,
                    `${s}: smoke`,
                    `${s}: release`,
                ]),
            ],
        );
        const steps = (name: string) => jenkinsfile.sh.filter((s) => s.stage === name).map((s) => s.command);
        assert.deepEqual(steps("Test"), ["npm test -- --reporter xunit --reporter-option output=test-results/mocha/results.xml"]);
        assert.deepEqual(steps("Policy gate"), ["tools/ops/policy-gate.sh --stack dev,staging,prod --mode create,update"]);
        assert.deepEqual(
            steps("Incident drill"),
            ["dev", "staging", "prod"].map((s) => `npm run -s drill -- --stack ${s} --all`),
        );
        for (const s of ["dev", "staging", "prod"]) {
            assert.deepEqual(steps(`preview ${s}`), [`tools/ops/pulumi-stack.sh preview "$PULUMI_ORG/platform/${s}"`]);
            assert.deepEqual([`${s}: pulumi up`, `${s}: publish site`, `${s}: smoke`, `${s}: release`].flatMap(steps), [
                `tools/ops/pulumi-stack.sh up "$PULUMI_ORG/platform/${s}"`,
                `npm run site:publish -- --stack "$PULUMI_ORG/platform/${s}"`,
                `npm run smoke -- --stack "$PULUMI_ORG/platform/${s}" --json`,
                `tools/ops/release-and-verify.sh "$PULUMI_ORG/platform/${s}"`,
            ]);
        }
        assert.match(
            own("approve staging"),
            /input message: 'dev is deployed, released and smoke-checked\. Deploy staging\?',\s+ok: 'Deploy staging', submitter: 'platform-approvers'/,
        );
        assert.match(own("approve prod"), /input message: 'staging is deployed[^']*Deploy prod\?',\s+ok: 'Deploy prod', submitter: 'platform-approvers'/);
    });

    it("puts a timeout on every stage", () => {
        for (const { name } of jenkinsfile.stages) assert.match(own(name), /options \{[^}]*timeout\(time: \d+, unit: '(MINUTES|HOURS)'\)/, name);
    });

    it("deploys a stack under its lock, only from main and not in a dry run, as far as STACK says", () => {
        const expected: Record<string, string> = {
            dev: "expression { !params.DRY_RUN }",
            staging: "expression { !params.DRY_RUN && params.STACK in ['staging', 'prod'] }",
            prod: "expression { !params.DRY_RUN && params.STACK == 'prod' }",
        };
        for (const [s, when] of Object.entries(expected)) {
            const text = own(s).replace(/\s+/g, " ");
            assert.match(text, new RegExp(`options \\{ lock\\(resource: 'platform-${s}'\\)`), `${s}: lock`);
            assert.ok(text.includes(`when { branch 'main' ${when} }`), `${s}: ${text}`);
            if (s !== "dev") assert.ok(own(`approve ${s}`).replace(/\s+/g, " ").includes(`when { branch 'main' ${when} }`), `approve ${s}`);
        }
        assert.match(own("preview staging").replace(/\s+/g, " "), /when \{ expression \{ params\.STACK in \['staging', 'prod'\] \} \}/);
        assert.match(own("preview prod").replace(/\s+/g, " "), /when \{ expression \{ params\.STACK == 'prod' \} \}/);
        assert.match(own("Preview").replace(/\s+/g, " "), /when \{ branch 'main' \}/);
    });

    it("reaches the cloud only inside withCredentials, with the stack's own AWS credentials", () => {
        for (const step of jenkinsfile.sh) {
            const cloud = /pulumi-stack|site:publish|smoke|release-and-verify|notify-failure/.test(step.command);
            const credentials = step.within.find((h) => h.startsWith("withCredentials("));
            assert.equal(credentials !== undefined, cloud, `${step.stage}: ${step.command}`);
            const s = /platform\/(dev|staging|prod)"/.exec(step.command)?.[1];
            if (s) assert.equal(credentials, `withCredentials(stackCredentials('${s}'))`, `${step.stage} uses ${s}'s credentials`);
        }
        assert.match(
            jenkinsfile.text,
            /aws\(credentialsId: "platform-aws-\$\{environment\}",\s+accessKeyVariable: 'AWS_ACCESS_KEY_ID', secretKeyVariable: 'AWS_SECRET_ACCESS_KEY'\)/,
        );
        assert.match(jenkinsfile.text, /variable: env\.PULUMI_BACKEND_URL \? 'PULUMI_CONFIG_PASSPHRASE' : 'PULUMI_ACCESS_TOKEN'/);
    });

    it("shows the tests' JUnit report, keeps the reports, and reports a failure to the alert topic or the chat", () => {
        assert.match(own("Test"), /post \{\s+always \{ junit allowEmptyResults: true, testResults: 'test-results\/mocha\/\*\.xml' \}/);
        assert.match(own("Policy gate"), /archiveArtifacts artifacts: 'reports\/\*\.json'/);
        const pipeline = jenkinsfile.root.children[1]!;
        const post = pipeline.children.find((b) => b.head === "post")!;
        assert.deepEqual(
            post.children.map((b) => b.head),
            ["always", "failure"],
        );
        assert.match(jenkinsfile.text.slice(post.children[0]!.start, post.children[0]!.end), /archiveArtifacts artifacts: 'reports\/\*\*, test-results\/\*\*'/);
        const notify = jenkinsfile.sh.filter((s) => s.within.includes("failure"));
        assert.deepEqual(
            notify.map((s) => s.command),
            ['tools/ops/notify-failure.sh "Jenkins: $JOB_NAME #$BUILD_NUMBER failed" "$BUILD_URL (STACK=$STACK)"'],
        );
        assert.match(notify[0]!.within.at(-1)!, /^withCredentials\(\[ string\(credentialsId: 'platform-alert-target', variable: 'ALERT_TARGET'\), aws\(/);
    });

    it("holds no logic of its own: every sh step is an npm script or a tools/ops script", () => {
        assert.ok(jenkinsfile.sh.length >= 20);
        for (const step of jenkinsfile.sh) {
            const c = commandOf(step.command);
            assert.ok(c.kind === "npm" || c.kind === "ops", `${step.stage}: ${step.command}`);
            if (c.kind === "npm" && c.script !== "ci") assert.ok(c.script in scripts, `npm script ${c.script} is in package.json`);
            if (c.kind === "ops") assert.ok(fs.statSync(path.join(REPO, c.script)).mode & 0o100, `${c.script} is an executable script`);
        }
        assert.doesNotMatch(jenkinsfile.text, /^\s*sh\s+"/m, 'no Groovy-interpolated sh "...": the shell expands the variables');
    });

    it("the block parser refuses unbalanced braces and skips braces in strings and comments", () => {
        assert.throws(() => parseJenkinsfile("pipeline {\n stages {\n"), /block "stages" is never closed/);
        assert.throws(() => parseJenkinsfile("pipeline { } }"), /unbalanced \}/);
        const p = parseJenkinsfile("pipeline { // a { comment\n stages { stage('a') { steps { sh 'echo \"}\"' } } } }");
        assert.deepEqual(
            p.sh.map((s) => [s.stage, s.command]),
            [["a", 'echo "}"']],
        );
    });
});
