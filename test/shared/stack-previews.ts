// The update-mode previews of dev, staging and prod (no policy pack), made once per mocha process and
// shared by the specs that read them (the drill catalogue and model, the deployment view): each preview costs
// seconds, and test/stack-views.spec.ts runs both in one file so they share one set.
import * as path from "path";
import { runPreview, type PreviewReport } from "../../tools/preview";

const REPO = path.resolve(__dirname, "..", "..");
export const PREVIEWED_STACKS = ["dev", "staging", "prod"] as const;

const reports = new Map<string, Promise<PreviewReport>>();

/** One stack's update-mode preview (no policy pack), made once per mocha process; read it, never change it. */
export function stackPreview(stack: string): Promise<PreviewReport> {
    let report = reports.get(stack);
    if (!report) {
        report = runPreview({ cwd: REPO, stack, mode: "update", policyPacks: [] });
        reports.set(stack, report);
    }
    return report;
}

export function stackPreviews(): Promise<PreviewReport[]> {
    return Promise.all(PREVIEWED_STACKS.map(stackPreview));
}
