import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as url from "node:url";
import {
    ALLOW_UNVERIFIED_ENV,
    checkVerifiedVersion,
    configSecretReader,
    describeSdkInternals,
    PULUMI_SDK_VERIFIED,
    sdkDirFrom,
    sdkInternals,
    sdkVersion,
    UnverifiedDependencyError,
} from "../../tools/preview/sdk-internals";
import { deferInspectorSession } from "../../tools/preview/inspector-on-demand";
import { REPO } from "./helpers";

/**
 * The Pulumi SDK's private code the preview, config.ts and the specs rely on (tools/preview/sdk-internals.ts).
 * The first spec is the one an SDK upgrade must pass: it names each internal that changed shape.
 */
describe("Pulumi SDK internals (the one seam)", () => {
    const installed = sdkDirFrom(path.join(REPO, "index.ts"));
    const pack = sdkDirFrom(path.join(REPO, "policies", "index.ts"));

    it("the installed SDKs (the program's and the pack's) are verified releases with every internal in the expected shape", () => {
        for (const dir of [installed, pack]) {
            const broken = describeSdkInternals(dir)
                .filter((c) => !c.ok)
                .map((c) => c.name);
            assert.deepEqual(broken, [], `${dir} (${sdkVersion(dir)})`);
            assert.equal(checkVerifiedVersion("@pulumi/pulumi", sdkVersion(dir), PULUMI_SDK_VERIFIED, "the spec"), true);
        }
    });

    describe("another release", () => {
        let dir: string;
        const fakeSdk = (version: string, files: Record<string, string>) => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sdk-"));
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version }));
            for (const [file, text] of Object.entries(files)) {
                fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                fs.writeFileSync(path.join(dir, file), text);
            }
            return dir;
        };
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("outside the verified range stops with the package, the installed version and the range", () => {
            fakeSdk("3.300.0", {});
            assert.throws(
                () => sdkInternals(dir, "the offline preview", () => undefined),
                (e: Error) =>
                    e instanceof UnverifiedDependencyError &&
                    e.message.startsWith(`@pulumi/pulumi 3.300.0 is outside the range the offline preview was verified on (${PULUMI_SDK_VERIFIED})`) &&
                    e.message.includes(`${ALLOW_UNVERIFIED_ENV}=1 tries it anyway`),
            );
        });

        it(`with ${ALLOW_UNVERIFIED_ENV}=1 it says so and goes on to check each internal, naming what changed`, () => {
            fakeSdk("3.300.0", {
                "cmd/run/index.js": "",
                "cmd/run-policy-pack/index.js": "",
                "runtime/settings.js": "exports.getMonitor = () => undefined; exports.waitForRPCs = async () => {};",
            });
            const notices: string[] = [];
            process.env[ALLOW_UNVERIFIED_ENV] = "1";
            try {
                assert.throws(
                    () => sdkInternals(dir, "the offline preview", (l) => notices.push(l)),
                    (e: Error) =>
                        e instanceof UnverifiedDependencyError &&
                        /no longer has what the offline preview relies on: runtime\/rpc\.js serializeProperties\(\) and deserializeProperties\(\); proto\/resource_pb\.js/.test(
                            e.message,
                        ),
                );
            } finally {
                delete process.env[ALLOW_UNVERIFIED_ENV];
            }
            assert.equal(notices.length, 1);
            assert.match(notices[0], /^notice: @pulumi\/pulumi 3\.300\.0 is outside the range/);
        });

        it("a verified release missing only an optional shortcut still runs, slower, and says so", () => {
            // The installed SDK, but resource.js without callsites: linked, not copied, except that file; under
            // the repository's node_modules, so the SDK's own dependencies (google-protobuf) still resolve.
            const cache = path.join(REPO, "node_modules", ".cache");
            fs.mkdirSync(cache, { recursive: true });
            dir = fs.mkdtempSync(path.join(cache, "fake-sdk-"));
            for (const entry of fs.readdirSync(installed)) {
                if (entry !== "resource.js") fs.symlinkSync(path.join(installed, entry), path.join(dir, entry));
            }
            fs.writeFileSync(path.join(dir, "resource.js"), "exports.Resource = class Resource {};");
            const checks = describeSdkInternals(dir);
            assert.deepEqual(
                checks.filter((c) => !c.ok).map((c) => [c.name, c.optional]),
                [["resource.js Resource.callsites()", true]],
            );
            const notices: string[] = [];
            const internals = sdkInternals(dir, "the offline preview", (l) => notices.push(l));
            assert.equal(internals.skipStackTraces(), false);
            assert.match(notices[0], /the stack-trace shortcut does not apply, so the offline preview runs slower/);
        });
    });

    describe("checkVerifiedVersion", () => {
        it("accepts the range's ends and refuses what is beyond or not a version", () => {
            assert.equal(checkVerifiedVersion("p", "3.248.0", PULUMI_SDK_VERIFIED, "x"), true);
            assert.equal(checkVerifiedVersion("p", "3.276.0", PULUMI_SDK_VERIFIED, "x"), true);
            assert.throws(() => checkVerifiedVersion("p", "3.247.9", PULUMI_SDK_VERIFIED, "x"), /p 3\.247\.9 is outside the range x was verified on/);
            assert.throws(() => checkVerifiedVersion("p", "3.277.0", PULUMI_SDK_VERIFIED, "x"), UnverifiedDependencyError);
            assert.throws(() => checkVerifiedVersion("p", "latest", PULUMI_SDK_VERIFIED, "x"), /p latest is outside/);
        });
    });

    describe("the SDK's inspector session, opened on first use (inspector-on-demand.ts)", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "v8-hooks-"));
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version: "3.276.0" }));
            fs.mkdirSync(path.join(dir, "runtime", "closure"), { recursive: true });
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const hooksFile = () => path.join(dir, "runtime", "closure", "v8Hooks.js");
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- each script is loaded at a set point of the host's start
        const load = <T>(file: string) => require(file) as T;
        const module = (name: string) => {
            const file = path.join(dir, `${name}.js`);
            fs.writeFileSync(file, `module.exports = function ${name}() { return 1; };`);
            return file;
        };
        /** The scriptId V8 gives `fn`'s script, as the SDK's closure code (runtime/closure/v8.js) asks for it. */
        const scriptIdOf = async (session: import("inspector").Session, fn: () => unknown) => {
            const post = <T>(method: string, params: object) =>
                new Promise<T>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
            (globalThis as { __fn?: unknown }).__fn = fn;
            const { result } = await post<{ result: { objectId: string } }>("Runtime.evaluate", { expression: "globalThis.__fn" });
            const { internalProperties } = await post<{ internalProperties: { name: string; value: { value: { scriptId: string } } }[] }>(
                "Runtime.getProperties",
                { objectId: result.objectId, ownProperties: false },
            );
            delete (globalThis as { __fn?: unknown }).__fn;
            return internalProperties.find((p) => p.name === "[[FunctionLocation]]")?.value.value.scriptId ?? "";
        };

        it("a v8Hooks.js of another shape keeps its own session: the preview is only slower", () => {
            fs.writeFileSync(hooksFile(), "exports.isInitializedAsync = () => 'original'; exports.getSessionAsync = async () => ({});");
            assert.equal(deferInspectorSession(dir), false);
            assert.equal(load<{ isInitializedAsync(): unknown }>(hooksFile()).isInitializedAsync(), "original");
        });

        it("opens no session as the host starts; on first use opens one, knowing the scripts the SDK's own session would", async () => {
            fs.writeFileSync(
                hooksFile(),
                ["isInitializedAsync", "getSessionAsync", "getScriptUrl"]
                    .map((f) => `exports.${f} = () => { throw new Error("the SDK's own ${f}"); };`)
                    .join("\n"),
            );
            assert.equal(deferInspectorSession(dir), true);
            const hooks = load<{
                isInitializedAsync(): Promise<void>;
                getSessionAsync(): Promise<import("inspector").Session>;
                getScriptUrl(id: string): string | undefined;
            }>(hooksFile());
            const before = load<() => number>(module("before"));
            await hooks.isInitializedAsync();
            const after = load<() => number>(module("after"));
            const session = await hooks.getSessionAsync();
            try {
                assert.equal(await hooks.getSessionAsync(), session, "one session");
                const later = load<() => number>(module("later"));
                assert.equal(hooks.getScriptUrl(await scriptIdOf(session, after)), url.pathToFileURL(path.join(dir, "after.js")).href);
                assert.equal(hooks.getScriptUrl(await scriptIdOf(session, later)), url.pathToFileURL(path.join(dir, "later.js")).href);
                // The SDK's listener, attached after Debugger.enable, never hears of a script loaded before it started.
                assert.equal(hooks.getScriptUrl(await scriptIdOf(session, before)), undefined);
            } finally {
                // The debugger stays on while a session is connected, slowing every spec after this one.
                session.disconnect();
            }
        });
    });

    describe("configSecretReader", () => {
        it("uses the SDK's isConfigSecret on a verified release", () => {
            const reader = configSecretReader({ isConfigSecret: (k: string) => k === "platform:pagerUrl" }, () => assert.fail("no notice"));
            assert.equal(reader("platform:pagerUrl"), true);
            assert.equal(reader("platform:environment"), false);
        });

        it("without it, reads the language host's PULUMI_CONFIG_SECRET_KEYS and says so", () => {
            const saved = process.env.PULUMI_CONFIG_SECRET_KEYS;
            process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(["platform:pagerUrl"]);
            const notices: string[] = [];
            try {
                const reader = configSecretReader({}, (l) => notices.push(l));
                assert.equal(reader("platform:pagerUrl"), true);
                assert.equal(reader("platform:alertEmails"), false);
            } finally {
                if (saved === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
                else process.env.PULUMI_CONFIG_SECRET_KEYS = saved;
            }
            assert.match(notices[0], /config\.ts reads secret keys from PULUMI_CONFIG_SECRET_KEYS/);
        });

        it("treats a malformed PULUMI_CONFIG_SECRET_KEYS as no secret keys rather than failing", () => {
            const saved = process.env.PULUMI_CONFIG_SECRET_KEYS;
            process.env.PULUMI_CONFIG_SECRET_KEYS = "{not json";
            try {
                assert.equal(configSecretReader({}, () => undefined)("platform:pagerUrl"), false);
            } finally {
                if (saved === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
                else process.env.PULUMI_CONFIG_SECRET_KEYS = saved;
            }
        });
    });
});
