/**
 * What `JSON.parse` accepts but a request body must not carry. `JSON.parse` keeps the last of two equal
 * keys and passes lone UTF-16 surrogates through, so two readers of one body (this API, a proxy, a
 * log pipeline, the client's own retry) can disagree on what it said. Nothing installed reports
 * either: `secure-json-parse` guards `__proto__` only, and `yaml`'s unique-keys mode parses more than
 * JSON and would take far more than the few KB left in the API bundle's size budget. Hence this scanner.
 */
export type JsonTextProblem = { kind: "duplicate_key"; key: string; path: string } | { kind: "lone_surrogate"; path: string };

type Frame = { kind: "object"; keys: Set<string>; key: string | undefined } | { kind: "array"; index: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Without the `u` flag a regex sees UTF-16 code units, which is what a lone surrogate is made of. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Paths in the form validation issues use ("items.0.sku", "" for the body itself), so clients read both alike. */
function pathOf(frames: readonly Frame[], count: number, last?: string): string {
    const segments: string[] = [];
    for (let i = 0; i < count; i++) {
        const frame = frames[i]!;
        segments.push(frame.kind === "array" ? String(frame.index) : (frame.key ?? ""));
    }
    if (last !== undefined) segments.push(last);
    return segments.join(".");
}

/**
 * The first duplicate key or lone surrogate in `text`, which must already be valid JSON (`JSON.parse`
 * has accepted it): the scanner only tracks structure and does not check the grammar again. One pass,
 * each character looked at a constant number of times, one key set per object, and paths built only for
 * the problem reported, so a deeply nested or key-heavy body costs linear time.
 */
export function jsonTextProblem(text: string): JsonTextProblem | undefined {
    const stack: Frame[] = [];
    // True right after "{" or an object's ",": the next string is a key, not a value.
    let expectingKey = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === QUOTE) {
            let end = i + 1;
            let escaped = false;
            while (end < text.length && text.charCodeAt(end) !== QUOTE) {
                if (text.charCodeAt(end) === BACKSLASH) {
                    escaped = true;
                    end++;
                }
                end++;
            }
            // Keys compare by their decoded value: "a" and "\u0061" are the same key.
            const value = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
            const top = stack[stack.length - 1];
            if (expectingKey && top?.kind === "object") {
                if (LONE_SURROGATE.test(value)) return { kind: "lone_surrogate", path: pathOf(stack, stack.length - 1, value) };
                if (top.keys.has(value)) return { kind: "duplicate_key", key: value, path: pathOf(stack, stack.length - 1) };
                top.keys.add(value);
                top.key = value;
                expectingKey = false;
            } else if (LONE_SURROGATE.test(value)) {
                return { kind: "lone_surrogate", path: pathOf(stack, stack.length) };
            }
            i = end;
        } else if (c === OPEN_OBJECT) {
            stack.push({ kind: "object", keys: new Set(), key: undefined });
            expectingKey = true;
        } else if (c === OPEN_ARRAY) {
            stack.push({ kind: "array", index: 0 });
            expectingKey = false;
        } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
            stack.pop();
            expectingKey = false;
        } else if (c === COMMA) {
            const top = stack[stack.length - 1];
            if (top?.kind === "array") top.index++;
            else expectingKey = true;
        }
        // Anything else is whitespace, ":", or a number or literal, none of which can hide a key or a surrogate.
    }
    return undefined;
}
