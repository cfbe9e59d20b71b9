/**
 * The one error type every handler throws for a caller's mistake. It carries the HTTP status and
 * maps to the JSON body the API promises: `{ "error": { "code", "message", "details" } }`.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 500 | 503;

export interface ErrorBody {
    error: { code: string; message: string; details: Record<string, unknown> };
}

export class AppError extends Error {
    override readonly name = "AppError";

    constructor(
        readonly status: ErrorStatus,
        readonly code: string,
        message: string,
        readonly details: Record<string, unknown> = {},
        /** Response headers the status needs, e.g. `retry-after` on a 503. */
        readonly headers: Readonly<Record<string, string>> = {},
    ) {
        super(message);
    }

    toBody(): ErrorBody {
        return { error: { code: this.code, message: this.message, details: this.details } };
    }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>): AppError => new AppError(400, code, message, details);
export const unauthorized = (message: string): AppError => new AppError(401, "unauthorized", message);
export const forbidden = (message: string): AppError => new AppError(403, "forbidden", message);
export const notFound = (message: string): AppError => new AppError(404, "not_found", message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>): AppError => new AppError(409, code, message, details);

/** Turns zod (or any Standard Schema) issues into a stable, client-readable `details` object. */
export function issuesToDetails(issues: ReadonlyArray<{ path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>; message: string }>): Record<string, unknown> {
    return {
        issues: issues.slice(0, 20).map((issue) => ({
            path: (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
            message: issue.message,
        })),
    };
}
