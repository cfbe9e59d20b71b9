// A StackView built from a handful of resource records, for the capacity and cost models' specs: the
// report holds only what a spec gives it, the config only what the model reads.
import type { StackView } from "../../tools/capacity/stack";
import type { PreviewReport, ResourceRecord } from "../../tools/preview/types";

/** A custom resource record with just its type, name and inputs. */
export function record(type: string, name: string, inputs: Record<string, unknown>): ResourceRecord {
    return {
        urn: `urn:${name}`,
        type,
        name,
        parent: undefined,
        custom: true,
        remote: false,
        provider: undefined,
        protect: false,
        external: false,
        inputs,
        dependencies: [],
        propertyDependencies: {},
    };
}

/** An update-mode view of stack `t` in eu-west-1 with these resources and config values. */
export function fakeStackView(resources: ResourceRecord[], config: Record<string, unknown>): StackView {
    const report = {
        project: "platform",
        stack: "t",
        mode: "update",
        resources,
        outputs: {},
        diagnostics: [],
        logs: [],
        policyPacks: [],
        timings: {},
        summary: {},
    } as unknown as PreviewReport;
    return { stack: "t", region: "eu-west-1", config: config as unknown as StackView["config"], report };
}
