/**
 * What npm run capacity and npm run cost know of a stack: its offline preview (update mode, no policy pack:
 * the resources as `pulumi up` would create them) and its configuration, validated by config.ts exactly as
 * the program validates it. Both commands read the stack through here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, PROJECT, parseConfig, type RawConfig } from "../../config";
import { runPreview } from "../preview";
import type { PreviewOptions, PreviewReport, ResourceRecord } from "../preview/types";

/** The validated configuration, as the program sees it (pagerUrl stays as written). */
export type StackConfig = ReturnType<typeof parseConfig>;

export interface StackView {
    stack: string;
    region: string;
    config: StackConfig;
    report: PreviewReport;
}

/** Bad stack input (no stack file, a config the program would refuse): exit 2, nothing was computed. */
export class StackInputError extends Error {
    override readonly name = "StackInputError";
}

/** `Pulumi.<stack>.yaml`'s config as the CLI hands it to the program: strings, lists and objects as JSON. */
export function readStackConfig(cwd: string, stack: string): { raw: RawConfig; project: string; secretKeys: Set<string> } {
    const projectFile = path.join(cwd, "Pulumi.yaml");
    const stackFile = path.join(cwd, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const stacks = fs
            .readdirSync(cwd)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined);
        throw new StackInputError(`--stack ${stack}: no ${path.relative(process.cwd(), stackFile) || stackFile}; allowed: ${stacks.join(", ") || "none"}.`);
    }
    const project = fs.existsSync(projectFile) ? ((parse(fs.readFileSync(projectFile, "utf8")) as { name?: string })?.name ?? PROJECT) : PROJECT;
    const doc = (parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null) ?? {};
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
            // A secret the preview cannot decrypt: checked at `pulumi up`, where its value is known.
            raw[k] = "[secret]";
            secretKeys.add(k);
        } else {
            raw[k] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
    return { raw, project, secretKeys };
}

/** The stack's validated config; a ConfigError's problems become one StackInputError. */
export function loadStackConfig(cwd: string, stack: string): { config: StackConfig; region: string } {
    const { raw, project, secretKeys } = readStackConfig(cwd, stack);
    try {
        const config = parseConfig(raw, project, { secretKeys, skipSecretFormat: true });
        return { config, region: raw["aws:region"] as string };
    } catch (error) {
        if (error instanceof ConfigError) throw new StackInputError(`Pulumi.${stack}.yaml: ${error.message}`);
        throw error;
    }
}

/**
 * Config first (bad config is refused before a preview is spent), then the update-mode preview, with
 * the outputs of the stacks the program references (`--stack-reference`: a standby reads its primary's).
 */
export async function loadStack(
    cwd: string,
    stack: string,
    preview: (options: PreviewOptions) => Promise<PreviewReport> = runPreview,
    stackReferences: Record<string, string> = {},
): Promise<StackView> {
    const { config, region } = loadStackConfig(cwd, stack);
    const report = await preview({ cwd, stack, mode: "update", policyPacks: [], ...(Object.keys(stackReferences).length > 0 ? { stackReferences } : {}) });
    return { stack, region, config, report };
}

/** Resources of one type. */
export function ofType(report: PreviewReport, type: string): ResourceRecord[] {
    return report.resources.filter((r) => r.type === type);
}

/** The one resource of a type and logical name; a missing one is a stack this tool does not know. */
export function one(report: PreviewReport, type: string, name: string): ResourceRecord {
    const found = report.resources.find((r) => r.type === type && r.name === name);
    if (!found)
        throw new StackInputError(
            `the preview of stack ${report.stack} has no ${type} named ${name}: not this platform's program, or a component was renamed.`,
        );
    return found;
}

/** A number input, or undefined where the preview does not know it. */
export function num(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
    return undefined;
}

/** The region a resource is created in: its explicit provider's, else the stack's. */
export function regionOf(report: PreviewReport, r: ResourceRecord, stackRegion: string): string {
    if (!r.provider) return stackRegion;
    const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
    const provider = report.resources.find((p) => p.urn === urn);
    const region = provider?.inputs.region;
    return typeof region === "string" ? region : stackRegion;
}
