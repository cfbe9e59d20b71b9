/**
 * What the delivery chain needs of a Bitbucket branch, as branch restrictions and default reviewers,
 * and the changes that bring a repository's existing settings there. Pure: no I/O, so the plan a
 * `--dry-run` prints is the one a real run applies.
 */

/** The branch restriction kinds this tool manages (Bitbucket Cloud REST API 2.0, branch-restrictions). */
export type ManagedKind =
    "push" | "force" | "delete" | "require_approvals_to_merge" | "require_passing_builds_to_merge" | "require_default_reviewer_approvals_to_merge";

/** A branch restriction as the API returns it (only the fields read here). */
export interface Restriction {
    id: number;
    kind: string;
    branch_match_kind?: string;
    pattern?: string;
    value?: number | null;
    users?: Array<{ uuid?: string; account_id?: string; display_name?: string }>;
    groups?: Array<{ slug?: string; name?: string }>;
}

/** The body of a create or an update. */
export interface RestrictionBody {
    kind: ManagedKind;
    branch_match_kind: "glob";
    pattern: string;
    value?: number;
    users: [];
    groups: [];
}

export interface Rule {
    kind: ManagedKind;
    /** The number the kind takes (approvals, successful builds); none for push, force, delete. */
    value?: number;
    /** What the rule means for the delivery chain, for the plan's output. */
    means: string;
}

export interface ProtectionSpec {
    branch: string;
    /** Approvals a pull request needs before it merges. */
    approvals: number;
    /** Default reviewers: account UUIDs (`{...}`) or account ids. */
    defaultReviewers: readonly string[];
}

/** The rules for a branch: no direct or force pushes, no deletion, N approvals, a green build, default reviewers' approval. */
export function rulesFor(spec: ProtectionSpec): Rule[] {
    const { branch, approvals } = spec;
    const rules: Rule[] = [
        { kind: "push", means: `nobody pushes to ${branch} directly: changes arrive through pull requests` },
        { kind: "force", means: `no force pushes (history rewrites) to ${branch}` },
        { kind: "delete", means: `${branch} cannot be deleted` },
        { kind: "require_approvals_to_merge", value: approvals, means: `a pull request needs ${approvals} approval${approvals === 1 ? "" : "s"} to merge` },
        { kind: "require_passing_builds_to_merge", value: 1, means: "a pull request merges only with its pipeline green (the tests and the policy gate)" },
    ];
    if (spec.defaultReviewers.length > 0)
        rules.push({ kind: "require_default_reviewer_approvals_to_merge", value: 1, means: "one of the default reviewers must approve" });
    return rules;
}

export type Change =
    | { action: "create"; rule: Rule; body: RestrictionBody }
    | { action: "update"; rule: Rule; body: RestrictionBody; id: number; was: string }
    | { action: "unchanged"; rule: Rule; id: number };

export function bodyOf(rule: Rule, branch: string): RestrictionBody {
    return { kind: rule.kind, branch_match_kind: "glob", pattern: branch, ...(rule.value !== undefined ? { value: rule.value } : {}), users: [], groups: [] };
}

/** How an existing restriction differs from the rule, in words; undefined when it does not. */
function difference(rule: Rule, existing: Restriction): string | undefined {
    const said: string[] = [];
    if (rule.value !== undefined && existing.value !== rule.value) said.push(`value ${existing.value ?? "none"}`);
    const exempt = [
        ...(existing.users ?? []).map((u) => u.display_name ?? u.account_id ?? u.uuid ?? "a user"),
        ...(existing.groups ?? []).map((g) => g.slug ?? g.name ?? "a group"),
    ];
    if (exempt.length > 0) said.push(`exempting ${exempt.join(", ")}`);
    return said.length > 0 ? said.join(", ") : undefined;
}

/** The changes to the branch restrictions; restrictions of other kinds or branches are left alone. */
export function planRestrictions(spec: ProtectionSpec, existing: readonly Restriction[]): Change[] {
    return rulesFor(spec).map((rule): Change => {
        const match = existing.find((r) => r.kind === rule.kind && (r.branch_match_kind ?? "glob") === "glob" && r.pattern === spec.branch);
        if (!match) return { action: "create", rule, body: bodyOf(rule, spec.branch) };
        const was = difference(rule, match);
        return was === undefined ? { action: "unchanged", rule, id: match.id } : { action: "update", rule, body: bodyOf(rule, spec.branch), id: match.id, was };
    });
}

/** A default reviewer as the API lists them. */
export interface Reviewer {
    uuid?: string;
    account_id?: string;
    nickname?: string;
    display_name?: string;
}

export interface ReviewerChange {
    action: "add" | "unchanged";
    reviewer: string;
}

/** The default reviewers to add; those already there (by UUID, account id or nickname) are kept, and so are any others. */
export function planReviewers(wanted: readonly string[], existing: readonly Reviewer[]): ReviewerChange[] {
    const known = new Set(existing.flatMap((r) => [r.uuid, r.account_id, r.nickname].filter((v): v is string => typeof v === "string")));
    return wanted.map((reviewer) => ({ action: known.has(reviewer) ? "unchanged" : "add", reviewer }));
}
