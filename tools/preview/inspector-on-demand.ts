/**
 * The Pulumi SDK's hosts (`cmd/run` for programs, `cmd/run-policy-pack` for packs) open an inspector
 * session and enable V8's debugger before the program loads (`runtime/closure/v8Hooks.js`), only so that
 * function serialization can name the file of a function it cannot serialize. With the debugger on, V8
 * reports every script it parses to that session and compiles more slowly: about half a second of CPU of
 * a preview of the dev stack, in the runner and in the pack alike, most of which never serialize a function.
 *
 * This opens the session on first use instead. `Debugger.enable` reports every script already parsed
 * (synchronously, inside the call), so a listener attached before it hears every script that a session
 * opened at start would have heard, and also the scripts loaded before the host started. The SDK attaches
 * its listener after `enable` and so never hears those (Node's own `timers`, the SDK's entry modules), and
 * names their functions with no file; they are left out here too, so a serialization error reads the same.
 *
 * Optional: an SDK whose `v8Hooks.js` changed shape keeps its own session, and is only slower.
 */
import { createRequire } from "module";
import * as path from "path";
import { pathToFileURL } from "url";
import type { Session } from "inspector";

interface V8Hooks {
    isInitializedAsync(): Promise<void>;
    getSessionAsync(): Promise<Session>;
    getScriptUrl(id: string): string | undefined;
}

/** The module, as the SDK's package resolves it. */
export const V8_HOOKS = "./runtime/closure/v8Hooks.js";

/** Whether a loaded `v8Hooks.js` has the three functions this replaces. */
export function hasV8Hooks(hooks: unknown): hooks is V8Hooks {
    const h = hooks as Partial<Record<keyof V8Hooks, unknown>> | undefined;
    return typeof h?.isInitializedAsync === "function" && typeof h.getSessionAsync === "function" && typeof h.getScriptUrl === "function";
}

/** Defers the SDK's inspector session in `sdkDir` to its first use; false when its `v8Hooks.js` changed shape. */
export function deferInspectorSession(sdkDir: string): boolean {
    let hooks: unknown;
    try {
        hooks = createRequire(path.join(sdkDir, "package.json"))(V8_HOOKS);
    } catch {
        return false;
    }
    if (!hasV8Hooks(hooks)) {
        return false;
    }
    const urls = new Map<string, string>();
    /** What was loaded when the host asked for its session: the scripts its own listener never hears of. */
    let unheard: Set<string> | undefined;
    let session: Promise<Session> | undefined;
    const open = async (): Promise<Session> => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only by a program that serializes a function
        const inspector = require("inspector") as typeof import("inspector");
        const s = new inspector.Session();
        s.connect();
        let enabling = true;
        s.on("Debugger.scriptParsed", ({ params }) => {
            if (!(enabling && unheard?.has(params.url))) urls.set(params.scriptId, params.url);
        });
        const enabled = new Promise<void>((resolve, reject) => s.post("Debugger.enable", (err) => (err ? reject(err) : resolve())));
        enabling = false;
        await enabled;
        return s;
    };
    hooks.getSessionAsync = () => (session ??= open());
    hooks.isInitializedAsync = () => {
        unheard ??= loadedScripts();
        return Promise.resolve();
    };
    hooks.getScriptUrl = (id) => urls.get(id);
    return true;
}

/** The URLs V8 gives the scripts loaded so far: CommonJS modules and Node's own. */
function loadedScripts(): Set<string> {
    const urls = new Set(Object.keys(require.cache).map((file) => pathToFileURL(file).href));
    // Node lists its own modules as it loads them ("NativeModule internal/timers"); V8 names them node:….
    for (const entry of (process as { moduleLoadList?: string[] }).moduleLoadList ?? []) {
        if (entry.startsWith("NativeModule ")) urls.add(`node:${entry.slice("NativeModule ".length)}`);
    }
    return urls;
}
