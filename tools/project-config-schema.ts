import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_KEYS } from "../config";

/** The `config:` block of Pulumi.yaml as it follows from config.ts's key table. */
export function projectConfigSchema(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, spec] of Object.entries(CONFIG_KEYS)) {
        const entry: Record<string, unknown> = { type: spec.type, description: spec.description };
        if (spec.type === "array") {
            entry.items = { type: "string" };
        }
        if ("default" in spec && spec.default !== undefined) {
            entry.default = spec.default;
        }
        out[name] = entry;
    }
    return out;
}

/** Rewrites the project keys of Pulumi.yaml's `config:` block, keeping provider entries such as aws:region. */
export function writeProjectConfigSchema(file: string): void {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    const current = (doc.get("config") as YAML.YAMLMap | undefined)?.toJSON() as Record<string, unknown> | undefined;
    const providerKeys = Object.fromEntries(Object.entries(current ?? {}).filter(([k]) => k.includes(":")));
    doc.set("config", { ...projectConfigSchema(), ...providerKeys });
    fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
}

if (require.main === module) {
    const file = path.join(__dirname, "..", "Pulumi.yaml");
    writeProjectConfigSchema(file);
    console.log(`updated the config schema in ${file}`);
}
