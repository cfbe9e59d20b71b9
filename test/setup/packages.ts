/**
 * Mocha's global setup (`.mocharc.cjs` `require`), run once in the main process before the parallel
 * workers start: the packed tarballs in dist/packages and examples/consumer's install of them are brought
 * up to date with the sources, so the specs that install or preview the packages never meet a stale one.
 * After `npm ci` (whose postinstall packs) it only hashes the sources.
 */
import { ensurePackages } from "../../tools/pack";

export async function mochaGlobalSetup(): Promise<void> {
    await ensurePackages((line) => console.error(`[packages] ${line}`));
}
