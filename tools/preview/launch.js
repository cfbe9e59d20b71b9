"use strict";
/**
 * Runs a command of the offline preview (`preview`, `gate`) from one bundle of its sources under
 * node_modules/.cache/offline-preview, with Node's compile cache on, instead of transpiling every source
 * through ts-node at every start. The bundle is rebuilt (through ts-node, by tools/preview/child-scripts.ts)
 * when any file it was built from changes: its manifest lists them with the hash of their contents, which
 * this file checks the same way child-scripts.ts does. Plain JavaScript, so `node` starts it as it is.
 *
 *   node tools/preview/launch.js <command> [flags]
 */
const { createHash } = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "offline-preview");
const NAME = "commands";

/** The bundle a manifest names when it is up to date with every file it was built from, else undefined. */
function freshBundle(manifestFile = path.join(CACHE_DIR, `${NAME}.manifest.json`)) {
    try {
        const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
        if (!fs.existsSync(manifest.out)) return undefined;
        const h = createHash("sha256");
        for (const f of manifest.inputs) h.update(f).update(fs.readFileSync(f));
        return h.digest("hex").slice(0, 16) === manifest.hash ? manifest.out : undefined;
    } catch {
        return undefined;
    }
}

/** The bundle, rebuilt first when a source changed (the only time ts-node and esbuild load). */
async function bundle() {
    const fresh = freshBundle();
    if (fresh) return fresh;
    require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
    return require("./child-scripts.ts").commandsBundle();
}

function run(file, command, argv) {
    // The cache holds the bundle's code and its packages' (grpc-js, google-protobuf, yaml).
    require("module").enableCompileCache?.(path.join(CACHE_DIR, "code-cache", NAME));
    const commands = require(file);
    if (typeof commands[command] !== "function") {
        process.stderr.write(`error: launch.js knows no command ${JSON.stringify(command)}; commands: ${Object.keys(commands).join(", ")}\n`);
        process.exitCode = 2;
        return;
    }
    commands[command](argv);
}

/** Runs `command` with `argv`, as `npm run <command>` does. */
function launch(command, argv) {
    const fresh = freshBundle();
    if (fresh) {
        run(fresh, command, argv);
        return;
    }
    bundle().then(
        (file) => run(file, command, argv),
        (err) => {
            process.stderr.write(`error: could not build the offline preview's commands: ${err && err.stack ? err.stack : String(err)}\n`);
            process.exitCode = 2;
        },
    );
}

module.exports = { launch, freshBundle, NAME };

if (require.main === module) {
    launch(process.argv[2] ?? "", process.argv.slice(3));
}
