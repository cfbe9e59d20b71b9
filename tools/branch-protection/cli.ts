/**
 * Branch protection as code for Bitbucket Cloud: the branch restrictions and merge checks the delivery
 * chain relies on (README, "Delivery"), applied through the REST API 2.0, idempotently.
 *
 *   npm run branch-protection -- --workspace W --repo R [--branch main] [--approvals 1] [--default-reviewer ID]... [--dry-run]
 *
 * Reads the branch's restrictions and the default reviewers, then creates or updates only what differs
 * from the plan (planRestrictions, planReviewers); a second run changes nothing and says so. Restrictions
 * of other kinds or branches, and other default reviewers, are left as they are.
 *
 * Credentials from the environment: BITBUCKET_TOKEN (bearer), or BITBUCKET_USERNAME and
 * BITBUCKET_APP_PASSWORD (basic); BITBUCKET_API_URL replaces https://api.bitbucket.org/2.0.
 * Exit code: 0 applied (or nothing to change, or a dry run), 1 an API call failed, 2 bad usage or no credentials.
 */
import { defineCommand, exitCodeOf, integer, matching, UsageError } from "../cli";
import { apiUrlFrom, authorizationFrom, BitbucketApi, BitbucketApiError, CredentialsError } from "./api";
import { planRestrictions, planReviewers, type Change, type ProtectionSpec } from "./plan";

const SLUG = /^(\{[0-9a-fA-F-]{36}\}|[A-Za-z0-9][A-Za-z0-9_.-]*)$/;

export const COMMAND = defineCommand({
    name: "branch-protection",
    synopsis: "--workspace <W> --repo <R> [--branch main] [--approvals 1] [--default-reviewer <ID>]... [--dry-run]",
    summary:
        "Applies the branch restrictions and merge checks the delivery chain relies on to a Bitbucket Cloud repository: no direct, force pushes or deletion of the branch, approvals, a green pull-request pipeline and default reviewers. Changes only what differs; a second run changes nothing.",
    flags: {
        workspace: {
            type: "string",
            value: "<W>",
            description: "required: the workspace ID (its slug in bitbucket.org/<W>/<R>) or {UUID}",
            parse: matching(SLUG, "a workspace ID such as acme, or its {UUID}"),
        },
        repo: {
            type: "string",
            value: "<R>",
            description: "required: the repository slug or {UUID}",
            parse: matching(SLUG, "a repository slug such as platform, or its {UUID}"),
        },
        branch: {
            type: "string",
            value: "<name>",
            description: "the branch the pipelines deploy from",
            default: "main",
            parse: matching(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "a branch name such as main"),
        },
        approvals: {
            type: "string",
            value: "<n>",
            description: "approvals a pull request needs to merge, 1 to 10",
            default: "1",
            parse: integer(1, 10, "approvals"),
        },
        "default-reviewer": {
            type: "string",
            multiple: true,
            value: "<ID>",
            description: "a default reviewer of every pull request, by account {UUID} or account id; one of them must approve",
            parse: matching(/^(\{[0-9a-fA-F-]{36}\}|[0-9A-Za-z][0-9A-Za-z:-]*)$/, "an account {UUID} or an account id such as 557058:0123abcd-..."),
        },
        "dry-run": { type: "boolean", description: "print the plan and change nothing (it still reads the repository's settings)" },
    },
    epilog: [
        "Environment: BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD;",
        "  BITBUCKET_API_URL replaces https://api.bitbucket.org/2.0.",
        "Exit code: 0 applied, nothing to change, or a dry run; 1 an API call failed; 2 bad usage or no credentials.",
    ].join("\n"),
});

export interface BranchProtectionIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** Where the credentials and BITBUCKET_API_URL come from. @default process.env */
    env?: NodeJS.ProcessEnv;
    fetch?: typeof fetch;
}

const LABEL: Record<Change["action"] | "add", string> = { create: "create", update: "update", unchanged: "ok", add: "add" };

async function run(argv: readonly string[], io: BranchProtectionIo, out: (line: string) => void): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { workspace, repo, branch, approvals, "default-reviewer": reviewers, "dry-run": dryRun } = parsed.values;
    if (workspace === undefined) throw new UsageError(`--workspace is required. ${COMMAND.seeHelp}`);
    if (repo === undefined) throw new UsageError(`--repo is required. ${COMMAND.seeHelp}`);
    const env = io.env ?? process.env;
    const api = new BitbucketApi(apiUrlFrom(env), authorizationFrom(env), io.fetch);
    const spec: ProtectionSpec = { branch, approvals, defaultReviewers: reviewers };

    const changes = planRestrictions(spec, await api.listRestrictions(workspace, repo, branch));
    const reviewerChanges = reviewers.length > 0 ? planReviewers(reviewers, await api.listDefaultReviewers(workspace, repo)) : [];
    const pending = changes.filter((c) => c.action !== "unchanged").length + reviewerChanges.filter((c) => c.action === "add").length;

    out(`Branch protection of ${workspace}/${repo}, branch ${branch}${dryRun ? " (dry run: nothing is changed)" : ""}:`);
    for (const change of changes) {
        const label = dryRun && change.action !== "unchanged" ? `would ${change.action}` : LABEL[change.action];
        out(`  ${label.padEnd(14)} ${change.rule.kind}: ${change.rule.means}${change.action === "update" ? ` (now ${change.was})` : ""}`);
        if (dryRun) continue;
        if (change.action === "create") await api.createRestriction(workspace, repo, change.body);
        else if (change.action === "update") await api.updateRestriction(workspace, repo, change.id, change.body);
    }
    for (const change of reviewerChanges) {
        const label = dryRun && change.action === "add" ? "would add" : LABEL[change.action];
        out(`  ${label.padEnd(14)} default reviewer ${change.reviewer}`);
        if (!dryRun && change.action === "add") await api.addDefaultReviewer(workspace, repo, change.reviewer);
    }
    if (pending === 0) out("Nothing to change: the branch is protected as planned.");
    else if (dryRun) out(`${pending} change${pending === 1 ? "" : "s"} planned; none applied (dry run).`);
    else out(`${pending} change${pending === 1 ? "" : "s"} applied.`);
    return 0;
}

/** The command; returns its exit code and never throws: a problem is one message on `err`. */
export async function main(argv: readonly string[], io: BranchProtectionIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    return exitCodeOf(
        "branch-protection",
        () => run(argv, io, out),
        err,
        (e) => e instanceof BitbucketApiError,
        (e) => e instanceof CredentialsError,
    );
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
