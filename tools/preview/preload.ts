/**
 * What the program runner and the policy packs load before anything else (the runner imports it, the
 * packs get it with `--require`): the code cache, and the lifeline that ends them with the preview.
 *
 * (The Pulumi SDK up to 3.248 loaded npm's Arborist, some 500 modules, as it started; this file deferred
 * it. From the SDK releases this project runs on, the SDK no longer loads it at all.)
 */
import "./code-cache";
import "./lifeline";
