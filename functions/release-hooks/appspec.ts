import { parse as parseYaml } from "yaml";

/** What a Lambda deployment shifts: one function's alias from one version to another. */
export interface LambdaRevision {
    functionName: string;
    alias: string;
    currentVersion: string;
    targetVersion: string;
}

const VERSION = /^[1-9][0-9]*$/;

/**
 * Reads the one `AWS::Lambda::Function` resource of a Lambda AppSpec (JSON, as tools/ops/release.sh
 * writes it, or YAML, as the console and the CLI docs show it). Throws an Error naming what is
 * missing: a hook must never approve a deployment it could not read.
 */
export function lambdaRevision(content: string): LambdaRevision {
    let doc: unknown;
    try {
        doc = content.trimStart().startsWith("{") ? JSON.parse(content) : parseYaml(content);
    } catch (error) {
        throw new Error(`the deployment's AppSpec is neither JSON nor YAML: ${(error as Error).message}`);
    }
    const resources = (doc as { Resources?: unknown } | null)?.Resources;
    if (!Array.isArray(resources) || resources.length !== 1) {
        throw new Error("the deployment's AppSpec must have exactly one entry under Resources (one Lambda function per deployment)");
    }
    const entry = resources[0] as Record<string, unknown>;
    const spec = Object.values(entry ?? {})[0] as { Type?: unknown; Properties?: Record<string, unknown> } | undefined;
    if (spec?.Type !== "AWS::Lambda::Function") {
        throw new Error(`the deployment's AppSpec resource has Type ${JSON.stringify(spec?.Type)}; expected "AWS::Lambda::Function"`);
    }
    const props = spec.Properties ?? {};
    const text = (key: string): string => {
        const value = props[key];
        const s = typeof value === "number" ? String(value) : value;
        if (typeof s !== "string" || s.trim() === "") throw new Error(`the deployment's AppSpec has no Properties.${key}`);
        return s.trim();
    };
    const revision = { functionName: text("Name"), alias: text("Alias"), currentVersion: text("CurrentVersion"), targetVersion: text("TargetVersion") };
    for (const key of ["currentVersion", "targetVersion"] as const) {
        if (!VERSION.test(revision[key])) {
            throw new Error(
                `the deployment's AppSpec ${key === "currentVersion" ? "CurrentVersion" : "TargetVersion"} is ${JSON.stringify(revision[key])}; expected a published version number`,
            );
        }
    }
    return revision;
}
