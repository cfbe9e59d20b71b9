/** The preview command's flags and help, apart from its work, so its help costs nothing to load. */
import { defineCommand, stackName, oneOf } from "../cli";
import type { PreviewMode } from "./types";

/** `--stack-reference NAME=FILE`, repeatable: every command that previews a stack takes it. */
export const STACK_REFERENCE_FLAG = {
    type: "string",
    multiple: true,
    value: "NAME=FILE",
    description: "outputs of stack NAME for the program's StackReference to it: a --json report of that stack's preview, or a JSON object of its outputs",
} as const;

export const COMMAND = defineCommand({
    name: "preview",
    synopsis:
        "[--stack dev] [--cwd DIR] [--policy-pack DIR]... [--policy-pack-config FILE]... [--mode create|update] [--stack-reference NAME=FILE]... [--invoke TOKEN=FILE]... [--json]",
    summary:
        "Runs a Pulumi TypeScript program under Pulumi's mock runtime and checks it with policy packs over the Analyzer gRPC protocol, like `pulumi preview --policy-pack`, with no cloud credentials.",
    flags: {
        stack: {
            type: "string",
            short: "s",
            value: "NAME",
            description: "stack to preview; reads Pulumi.<NAME>.yaml",
            default: "dev",
            parse: stackName,
        },
        cwd: { type: "string", short: "C", value: "DIR", description: "program directory, holding Pulumi.yaml", defaultText: "the repository" },
        "policy-pack": { type: "string", multiple: true, value: "DIR", description: "policy pack to run", defaultText: "the repository's policies/" },
        "policy-pack-config": {
            type: "string",
            multiple: true,
            value: "FILE",
            description: "config for the pack at the same position",
            defaultText: "<pack>/config/<stack>.json if present",
        },
        mode: {
            type: "string",
            value: "create|update",
            description: "create: a first preview, computed values unknown; update: resources exist",
            default: "create",
            parse: oneOf<PreviewMode>(["create", "update"]),
        },
        "stack-reference": STACK_REFERENCE_FLAG,
        invoke: {
            type: "string",
            multiple: true,
            value: "TOKEN=FILE",
            description:
                'the result of provider function TOKEN (aws:ec2/getAmi:getAmi) for the program: FILE holds it as JSON, or a list of { "inputs", "result" } matched on the call\'s inputs',
        },
        json: { type: "boolean", description: "print the JSON report on stdout and nothing else" },
    },
    epilog: "Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 the program, its config, the flags or a pack failed; 130/143 stopped by SIGINT/SIGTERM (the program and the packs end with it).",
});
