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

export function decodeCursor(cursor: string): CursorPosition {
    const invalid = () => badRequest("invalid_cursor", "The cursor is not one this API returned.");
    if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
    let parsed: unknown;
    try {
        parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    } catch {
        throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== "string" || !ISO_INSTANT.test(createdAt) || typeof id !== "string" || !isOrderId(id)) throw invalid();
    return { createdAt, id };
}
