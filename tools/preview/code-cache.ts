/**
 * The code cache of the program runner and the policy packs, installed first thing in both
 * (`preload.ts`): Node's own compile cache (`module.enableCompileCache`, a public API since Node.js
 * 22.1). A preview compiles about 20 MB of JavaScript (the Pulumi SDK, the AWS provider, TypeScript)
 * before it does any work; with the cache, V8 deserializes that code instead. Node keys each entry by
 * the module's source and its own version, and dynamic `import()` works from cached code, so nothing a
 * module does changes.
 *
 * The cache directory is `OFFLINE_PREVIEW_CODE_CACHE`; without it this file does nothing.
 */
import * as module from "module";

const dir = process.env.OFFLINE_PREVIEW_CODE_CACHE;
if (dir) {
    // Not inherited: the program's own child processes are none of the cache's business.
    delete process.env.OFFLINE_PREVIEW_CODE_CACHE;
    // A cache that cannot be enabled (a read-only tree, a Node.js before 22.1) only makes the preview as
    // slow as without it.
    (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(dir);
}
