import { badRequest } from "../shared/errors";
import { isOrderId } from "../shared/ids";

export interface CursorPosition {
    createdAt: string;
    id: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to clients: base64url of the last order's position. It is rebuilt into the caller's own partition. */
export function encodeCursor(position: CursorPosition): string {
    return Buffer.from(JSON.stringify([position.createdAt, position.id]), "utf8").toString("base64url");
}

/**
 * The pattern admits month 13 or February 30, which Date rolls over into another day: a forged cursor
 * would then page from a position no order has. Only an instant that prints back unchanged is real.
 */
function isRealInstant(text: string): boolean {
    if (!ISO_INSTANT.test(text)) return false;
    const time = Date.parse(text);
    return Number.isFinite(time) && new Date(time).toISOString() === text;
}

export function decodeCursor(cursor: string): CursorPosition {
    const invalid = (reason: string) =>
        badRequest("invalid_cursor", `The cursor is not one this API returned: ${reason}.`, {
            parameter: "cursor",
            reason,
            allowed: "the nextCursor of a previous page, unchanged",
        });
    if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid("it is not base64url of at most 200 characters");
    let parsed: unknown;
    try {
        parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    } catch {
        throw invalid("it does not decode to a position");
    }
    if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid("it does not decode to a position");
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== "string" || !isRealInstant(createdAt)) throw invalid("its timestamp is not a real UTC instant");
    if (typeof id !== "string" || !isOrderId(id)) throw invalid("its order id is malformed");
    return { createdAt, id };
}
