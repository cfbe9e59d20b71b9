"use strict";
// The pack's entry point (package.json `main`). The Pulumi CLI starts a TypeScript pack through ts-node
// with a full type check, every time: seconds per preview. `npm install`/`npm ci` here compile the pack to
// bin/ (prepare; an install of the packed tarball, which holds bin/, runs nothing), and this starts that
// build when it is at least as new as every source file, so an edited rule is never served stale: with an
// out-of-date build, the TypeScript sources run instead.
const fs = require("fs");
const path = require("path");

function newestMtime(entry) {
    // An installed pack (npm pack) has its build only, not the repository's components/defaults.
    if (!fs.existsSync(entry)) {
        return 0;
    }
    const stat = fs.statSync(entry);
    if (!stat.isDirectory()) {
        return entry.endsWith(".ts") ? stat.mtimeMs : 0;
    }
    return Math.max(0, ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

function builtAt() {
    try {
        return fs.statSync(path.join(__dirname, "bin", "policies", "index.js")).mtimeMs;
    } catch {
        return -1;
    }
}

// The secure defaults the rules share with the components (components/defaults) are compiled in too:
// bin/ holds bin/policies/ and bin/components/defaults/.
const sources = Math.max(...["index.ts", "lib", "rules", path.join("..", "components", "defaults")].map((p) => newestMtime(path.join(__dirname, p))));
module.exports = builtAt() >= sources ? require("./bin/policies/index.js") : require("./index.ts");
