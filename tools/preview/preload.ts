/**
 * What the program runner and the policy packs load before anything else (the runner imports it, the
 * packs get it with `--require`): the code cache, the lifeline that ends them with the preview, and for a
 * pack, its SDK's inspector session opened on first use (`inspector-on-demand.ts`; the runner does that
 * itself once it has found the program's SDK).
 *
 * (The Pulumi SDK up to 3.248 loaded npm's Arborist, some 500 modules, as it started; this file deferred
 * it. From the SDK releases this project runs on, the SDK no longer loads it at all.)
 */
import "./code-cache";
import "./lifeline";
import { deferInspectorSession } from "./inspector-on-demand";

const packSdk = process.env.OFFLINE_PREVIEW_PACK_SDK;
if (packSdk) {
    delete process.env.OFFLINE_PREVIEW_PACK_SDK;
    deferInspectorSession(packSdk);
}
