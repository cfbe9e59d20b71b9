// How a rule of this pack is declared: its metadata (id, service, what it checks and why, anchors,
// default level), its configuration properties, and a validate function that reports findings. The
// helpers here turn that into a @pulumi/policy ResourceValidationPolicy or StackValidationPolicy with
// uniform violation messages, config validation and exemptions.

import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "./policy-api";
import { COMMON_CONFIG, ConfigProperties, resolveConfig, toConfigSchema } from "./config";
import { StackGraph, Node, nodeFromResource } from "./graph";
import { asRecord, Deferrals, isUnknown, show, unwrap } from "./values";

export type Level = "advisory" | "mandatory" | "disabled";

/** Rules 1 to this number are the shared rule set's (../shared/POLICY_RULES.md); later numbers are the pack's own. */
export const RULE_SET_RULES = 58;

export interface RuleMeta {
    /** Stable policy name: the rule's id in the rule set. */
    id: string;
    /** The rule's number: 1 to RULE_SET_RULES as in ../shared/POLICY_RULES.md; above that, the pack's own rules. */
    no: number;
    /** Service column of the rule set. */
    service: string;
    /** R: one resource's inputs; S: relations between resources. */
    kind: "R" | "S";
    /** What it checks, one line (the README table). */
    checks: string;
    /** Why it matters. */
    why: string;
    /** Anchors: the public rule sets with the same check. */
    anchors: string;
    /** The pack's built-in level: the dev profile. */
    defaultLevel: Level;
    /** Rule-specific configuration properties. */
    config?: ConfigProperties;
}

/** A resource a finding is about. */
export interface Subject {
    urn: string;
    name: string;
    type: string;
    props: Record<string, unknown>;
}

export interface Finding {
    /** The input property (dotted path) the finding is about. */
    property: string;
    /** The value found (rendered for the message). */
    found?: unknown;
    /** What is expected instead; rendered as "expected ...". */
    expected?: string;
    /** Free text replacing "is <found>, expected <expected>". */
    problem?: string;
    /** How to fix it. */
    fix: string;
    /** Report as advisory even when the rule is mandatory (a sub-check the rule set calls advisory). */
    advisoryOnly?: boolean;
}

export interface RuleContext<C> {
    readonly config: C;
    /** Report a finding about a resource (exemptions are applied here). */
    report(subject: Subject, finding: Finding): void;
    /** Note that a value the rule must compare is unknown in this preview. */
    defer(where: string): void;
}

export type CommonConfig = { exemptResources: string[]; allowTagExemptions: boolean };

export const EXEMPT_TAG_PREFIX = "policy-exempt:";

/** Everything the README generator and the tests need to know about a rule. */
export interface RuleInfo {
    meta: RuleMeta;
    configProperties: ConfigProperties;
}

type ObjectViolation = (v: { message: string; urn?: string; enforcementLevel?: "advisory" }) => void;

function shortType(type: string): string {
    // aws:lambda/function:Function -> aws.lambda.Function
    const m = /^([^:]+):([^/:]+)\/[^:]*:(.+)$/.exec(type);
    return m ? `${m[1]}.${m[2]}.${m[3]}` : type;
}

export function describeFinding(subject: Subject, f: Finding): string {
    const what = f.problem ?? `is ${show(f.found)}${f.expected ? `, expected ${f.expected}` : ""}`;
    return `${shortType(subject.type)} "${subject.name}": ${f.property} ${what}. Fix: ${f.fix}`;
}

function description(meta: RuleMeta): string {
    return `${meta.checks} Why: ${meta.why} Anchors: ${meta.anchors}.`;
}

function allConfigProperties(meta: RuleMeta): ConfigProperties {
    return {
        ...(meta.config ?? {}),
        exemptResources: COMMON_CONFIG.exemptResources,
        allowTagExemptions: { ...COMMON_CONFIG.allowTagExemptions, default: meta.defaultLevel === "advisory" },
    };
}

function tagsOf(props: Record<string, unknown>): Record<string, unknown> {
    return asRecord(props.tags) ?? {};
}

function configExempt(subject: Subject, list: string[]): boolean {
    return list.some((e) => e === subject.name || e === subject.urn || subject.urn.endsWith(`::${e}`) || subject.urn.endsWith(`$${e}`));
}

class Context<C extends CommonConfig> implements RuleContext<C> {
    readonly deferrals = new Deferrals();
    private readonly tagNotices = new Set<string>();

    constructor(
        private readonly meta: RuleMeta,
        readonly config: C,
        private readonly emit: (message: string, urn: string, advisoryOnly: boolean) => void,
    ) {}

    /** Reports `policy-exempt:<id>` tags that this environment does not allow (the rule is mandatory here). */
    checkExemptionTag(subject: Subject): void {
        const tag = `${EXEMPT_TAG_PREFIX}${this.meta.id}`;
        const tags = tagsOf(subject.props);
        if (!(tag in tags) || this.tagNotices.has(subject.urn)) {
            return;
        }
        this.tagNotices.add(subject.urn);
        if (!this.config.allowTagExemptions) {
            this.emit(
                describeFinding(subject, {
                    property: `tags["${tag}"]`,
                    problem: `tries to exempt the resource from a rule that cannot be waived by tag in this environment`,
                    fix: `remove the tag; a reviewed exemption goes in policies/config/<env>.json under "${this.meta.id}".exemptResources`,
                }),
                subject.urn,
                false,
            );
        }
    }

    report(subject: Subject, finding: Finding): void {
        if (configExempt(subject, this.config.exemptResources)) {
            return;
        }
        this.checkExemptionTag(subject);
        const tag = `${EXEMPT_TAG_PREFIX}${this.meta.id}`;
        const reason = tagsOf(subject.props)[tag];
        if (this.config.allowTagExemptions && reason !== undefined) {
            if (typeof reason === "string" && (reason.trim() !== "" || isUnknown(reason))) {
                return; // waived by a tag with a reason
            }
            this.emit(
                describeFinding(subject, {
                    property: `tags["${tag}"]`,
                    found: reason,
                    problem: `is empty, so it does not waive the finding below`,
                    fix: `give the reason as the tag's value`,
                }),
                subject.urn,
                false,
            );
        }
        this.emit(describeFinding(subject, finding), subject.urn, finding.advisoryOnly === true);
    }

    defer(where: string): void {
        this.deferrals.add(where);
    }
}

function makeEmitter(meta: RuleMeta, report: ReportViolation, stack: boolean) {
    const prefix = description(meta);
    return (message: string, urn: string, advisoryOnly: boolean) => {
        if (advisoryOnly) {
            (report as unknown as ObjectViolation)({ message: `${prefix}\n${message}`, urn: stack ? urn : undefined, enforcementLevel: "advisory" });
        } else {
            report(message, stack ? urn : undefined);
        }
    };
}

function readConfig<C>(meta: RuleMeta, props: ConfigProperties, raw: Record<string, unknown>): C {
    return resolveConfig<C>(meta.id, props, raw);
}

export type ResourceCheck<C> = (res: Subject, ctx: RuleContext<C & CommonConfig>, args: ResourceValidationArgs) => void;

export interface ResourceRule<C> {
    types: string[];
    validate: ResourceCheck<C>;
    /**
     * Optional stack-level part of a resource rule (same name and level), for the one relation a resource
     * rule needs; reported against the resources it names.
     */
    stack?: { subjectTypes: string[]; validate: StackCheck<C> };
}

const registry = new Map<string, RuleInfo>();

/** Metadata of every rule built so far (call allPolicies() first), in rule-set order. */
export function ruleInfos(): RuleInfo[] {
    return [...registry.values()].sort((a, b) => a.meta.no - b.meta.no);
}

function basePolicy(meta: RuleMeta, props: ConfigProperties) {
    registry.set(meta.id, { meta, configProperties: props });
    return {
        name: meta.id,
        description: description(meta),
        enforcementLevel: meta.defaultLevel,
        configSchema: toConfigSchema(props),
        tags: [meta.service, meta.kind === "S" ? "stack" : "resource"],
        remediationSteps: undefined as string | undefined,
    };
}

export function resourceRule<C extends object = object>(meta: RuleMeta, rule: ResourceRule<C>): ResourceValidationPolicy {
    const props = allConfigProperties(meta);
    const types = new Set(rule.types);
    const validate = (args: ResourceValidationArgs, report: ReportViolation): void => {
        if (!types.has(args.type)) {
            return;
        }
        const config = readConfig<C & CommonConfig>(meta, props, args.getConfig<Record<string, unknown>>());
        const ctx = new Context<C & CommonConfig>(meta, config, makeEmitter(meta, report, false));
        const subject: Subject = { urn: args.urn, name: args.name, type: args.type, props: unwrap(args.props) };
        if (configExempt(subject, config.exemptResources)) {
            return;
        }
        ctx.checkExemptionTag(subject);
        rule.validate(subject, ctx, args);
        ctx.deferrals.flush();
    };
    if (rule.types.length === 1) {
        // Lets the @pulumi/policy server skip other types without deserializing their inputs.
        (validate as unknown as { __pulumiType: string }).__pulumiType = rule.types[0];
    }
    const { remediationSteps: _r, ...base } = basePolicy(meta, props);
    const policy: ResourceValidationPolicy = { ...base, validateResource: validate };
    if (rule.stack) {
        const extra = makeStackValidation<C>(meta, props, rule.stack.subjectTypes, rule.stack.validate);
        return Object.assign(policy, { validateStack: extra });
    }
    return policy;
}

export type StackCheck<C> = (stack: StackGraph, ctx: RuleContext<C & CommonConfig>) => void;

export interface StackRule<C> {
    /** If set, the rule only runs when the stack has a resource of this type. */
    primaryType?: string;
    /** Resource types whose exemption tags this rule looks at. */
    subjectTypes: string[];
    validate: StackCheck<C>;
}

function makeStackValidation<C>(meta: RuleMeta, props: ConfigProperties, types: string[], check: StackCheck<C>) {
    const subjectTypes = new Set(types);
    return (args: StackValidationArgs, report: ReportViolation): void => {
        const config = readConfig<C & CommonConfig>(meta, props, args.getConfig<Record<string, unknown>>());
        const ctx = new Context<C & CommonConfig>(meta, config, makeEmitter(meta, report, true));
        const graph = new StackGraph(args.resources);
        for (const n of graph.nodes) {
            if (subjectTypes.has(n.type) && !configExempt(n, config.exemptResources)) {
                ctx.checkExemptionTag(n);
            }
        }
        check(graph, ctx);
        ctx.deferrals.flush();
    };
}

export function stackRule<C extends object = object>(meta: RuleMeta, rule: StackRule<C>): StackValidationPolicy {
    const props = allConfigProperties(meta);
    const validate = makeStackValidation<C>(meta, props, rule.subjectTypes, rule.validate);
    if (rule.primaryType) {
        (validate as unknown as { __pulumiType: string }).__pulumiType = rule.primaryType;
    }
    const { remediationSteps: _r, ...base } = basePolicy(meta, props);
    return { ...base, validateStack: validate };
}

export type { Node, PolicyResource };
export { nodeFromResource };
