/**
 * The few Bitbucket Cloud REST API 2.0 calls branch protection needs, over plain `fetch`: branch
 * restrictions (list, create, update) and default reviewers (list, add) of one repository.
 * Paginated lists follow `next` only while it stays on the API's own origin, so the credentials never
 * go anywhere else.
 */
import type { Restriction, RestrictionBody, Reviewer } from "./plan";

export const DEFAULT_API_URL = "https://api.bitbucket.org/2.0";

/** A failed call: the message names the request, the status and what the API said. */
export class BitbucketApiError extends Error {
    override readonly name = "BitbucketApiError";
}

/** Missing or half-given credentials: nothing was sent. */
export class CredentialsError extends Error {
    override readonly name = "CredentialsError";
}

/** The Authorization header from the environment: BITBUCKET_TOKEN, or BITBUCKET_USERNAME with BITBUCKET_APP_PASSWORD. */
export function authorizationFrom(env: NodeJS.ProcessEnv): string {
    const token = env.BITBUCKET_TOKEN;
    if (token) return `Bearer ${token}`;
    const user = env.BITBUCKET_USERNAME;
    const password = env.BITBUCKET_APP_PASSWORD;
    if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    if (user || password)
        throw new CredentialsError(
            `${user ? "BITBUCKET_APP_PASSWORD" : "BITBUCKET_USERNAME"} is not set: basic authentication needs both BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD (or set BITBUCKET_TOKEN instead).`,
        );
    throw new CredentialsError(
        "No Bitbucket credentials: set BITBUCKET_TOKEN (an access token with the repository:admin and pullrequest scopes) or BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD (an app password with the Repositories: Admin and Pull requests permissions).",
    );
}

/** The API's base URL: BITBUCKET_API_URL when set (an http(s) URL), else Bitbucket Cloud's. */
export function apiUrlFrom(env: NodeJS.ProcessEnv): string {
    const url = env.BITBUCKET_API_URL;
    if (url === undefined || url === "") return DEFAULT_API_URL;
    if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url))
        throw new CredentialsError(`BITBUCKET_API_URL ${JSON.stringify(url)} is invalid: expected an http(s) URL such as ${DEFAULT_API_URL}.`);
    return url.replace(/\/+$/, "");
}

interface Page<T> {
    values?: T[];
    next?: string;
}

export class BitbucketApi {
    private readonly origin: string;

    constructor(
        private readonly base: string,
        private readonly authorization: string,
        private readonly fetchImpl: typeof fetch = fetch,
    ) {
        this.origin = new URL(base).origin;
    }

    private repo(workspace: string, repo: string): string {
        return `${this.base}/repositories/${encodeURIComponent(workspace)}/${encodeURIComponent(repo)}`;
    }

    private async call<T>(method: string, url: string, body?: unknown): Promise<T> {
        const shown = `${method} ${url.startsWith(this.base) ? url.slice(this.base.length) : url}`;
        let response: Response;
        try {
            response = await this.fetchImpl(url, {
                method,
                headers: {
                    Authorization: this.authorization,
                    Accept: "application/json",
                    ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
                },
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
                signal: AbortSignal.timeout(30_000),
            });
        } catch (error) {
            throw new BitbucketApiError(`${shown} could not reach ${this.origin}: ${(error as Error).message}`);
        }
        const text = await response.text();
        if (!response.ok) {
            let said = text.trim().slice(0, 300);
            try {
                const parsed = JSON.parse(text) as { error?: { message?: string; detail?: string } };
                if (parsed.error?.message) said = [parsed.error.message, parsed.error.detail].filter(Boolean).join(": ");
            } catch {
                // Not JSON: the text as it came.
            }
            const hint =
                response.status === 401
                    ? " (the credentials were refused)"
                    : response.status === 403
                      ? " (the credentials lack the repository:admin or pullrequest scope, or the user is not a repository admin)"
                      : response.status === 404
                        ? " (no such workspace or repository, or the credentials cannot see it)"
                        : "";
            throw new BitbucketApiError(`${shown} failed: HTTP ${response.status}${hint}${said ? `: ${said}` : ""}`);
        }
        if (text === "") return undefined as T;
        try {
            return JSON.parse(text) as T;
        } catch {
            throw new BitbucketApiError(`${shown} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
        }
    }

    private async all<T>(url: string): Promise<T[]> {
        const values: T[] = [];
        for (let next: string | undefined = url, pages = 0; next !== undefined; pages++) {
            if (pages >= 100) throw new BitbucketApiError(`GET ${url}: more than 100 pages; stopped`);
            if (new URL(next).origin !== this.origin) throw new BitbucketApiError(`GET ${url}: the next page is on another origin (${next}); not followed`);
            const page: Page<T> = await this.call<Page<T>>("GET", next);
            values.push(...(page.values ?? []));
            next = page.next;
        }
        return values;
    }

    /** The repository's branch restrictions on `pattern`. */
    listRestrictions(workspace: string, repo: string, pattern: string): Promise<Restriction[]> {
        return this.all<Restriction>(`${this.repo(workspace, repo)}/branch-restrictions?pattern=${encodeURIComponent(pattern)}&pagelen=100`);
    }

    createRestriction(workspace: string, repo: string, body: RestrictionBody): Promise<Restriction> {
        return this.call<Restriction>("POST", `${this.repo(workspace, repo)}/branch-restrictions`, body);
    }

    updateRestriction(workspace: string, repo: string, id: number, body: RestrictionBody): Promise<Restriction> {
        return this.call<Restriction>("PUT", `${this.repo(workspace, repo)}/branch-restrictions/${id}`, body);
    }

    listDefaultReviewers(workspace: string, repo: string): Promise<Reviewer[]> {
        return this.all<Reviewer>(`${this.repo(workspace, repo)}/default-reviewers?pagelen=100`);
    }

    /** `reviewer`: an account UUID (`{...}`) or an account id. */
    addDefaultReviewer(workspace: string, repo: string, reviewer: string): Promise<Reviewer> {
        return this.call<Reviewer>("PUT", `${this.repo(workspace, repo)}/default-reviewers/${encodeURIComponent(reviewer)}`);
    }
}
