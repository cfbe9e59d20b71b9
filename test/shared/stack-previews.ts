// The update-mode previews of dev, staging and prod (no policy pack), made once per mocha process and
// shared by the specs that read them (the drill catalogue and the deployment view): each preview costs
// seconds, and test/stack-views.spec.ts runs both in one file so they share one set.
import * as path from "path";
import { runPreview, type PreviewReport } from "../../tools/preview";

const REPO = path.resolve(__dirname, "..", "..");
export const PREVIEWED_STACKS = ["dev", "staging", "prod"] as const;

let reports: Promise<PreviewReport[]> | undefined;

export function stackPreviews(): Promise<PreviewReport[]> {
    reports ??= Promise.all(PREVIEWED_STACKS.map((stack) => runPreview({ cwd: REPO, stack, mode: "update", policyPacks: [] })));
    return reports;
}
