/**
 * DynamoDB attribute values as a stream record carries them (JSON, one type key per value), read
 * strictly. `unmarshall` from `@aws-sdk/util-dynamodb` trusts its input: it gives `{ "S": 5 }` as the
 * number 5 and `{ "N": "abc" }` as NaN, so a malformed image could pass the order schema and be
 * indexed. Here a value must be what DynamoDB sends, or reading fails with the attribute's path.
 * Messages never quote a value: images hold customer data, and these reasons are logged.
 */

/** A value that is not a well-formed DynamoDB attribute value; the message names where it is. */
export class MalformedAttributeError extends Error {
    override readonly name = "MalformedAttributeError";
}

/** DynamoDB's number format (sent as a string to keep its precision); `Number()` alone also takes "", "0x1f" and " 1". */
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function number(value: unknown): number | undefined {
    if (typeof value !== "string" || !NUMBER.test(value)) return undefined;
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
}

/** Where a value sits, for messages: `NewImage.items[0].sku`. */
const at = (path: string, key: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * The plain value of one attribute value: strings, numbers, booleans, null, lists, maps; sets as
 * arrays and binaries as their base64 text (nothing indexed is either).
 * @throws MalformedAttributeError naming `path`: not an object with exactly one type key, a type
 * DynamoDB does not have, or a value of the wrong shape for its type (a non-numeric N, a non-string S, ...)
 */
export function nativeValue(value: unknown, path: string): unknown {
    if (!isRecord(value)) throw new MalformedAttributeError(`${path} is not a DynamoDB attribute value (an object with one type key)`);
    const types = Object.keys(value);
    if (types.length !== 1) {
        throw new MalformedAttributeError(
            `${path} has ${types.length === 0 ? "no type key" : `${types.length} type keys`}; a DynamoDB attribute value has exactly one`,
        );
    }
    const type = types[0]!;
    const inner = value[type];
    switch (type) {
        case "S":
        case "B":
            if (typeof inner === "string") return inner;
            break;
        case "N": {
            const n = number(inner);
            if (n !== undefined) return n;
            break;
        }
        case "BOOL":
            if (typeof inner === "boolean") return inner;
            break;
        case "NULL":
            if (inner === true) return null;
            break;
        case "L":
            if (Array.isArray(inner)) return inner.map((item: unknown, i) => nativeValue(item, `${path}[${i}]`));
            break;
        case "M":
            if (isRecord(inner)) return nativeImage(inner, path);
            break;
        case "SS":
        case "BS":
            if (Array.isArray(inner) && inner.length > 0 && inner.every((item) => typeof item === "string")) return [...(inner as string[])];
            break;
        case "NS":
            if (Array.isArray(inner) && inner.length > 0) {
                const numbers = inner.map(number);
                if (numbers.every((n) => n !== undefined)) return numbers;
            }
            break;
        default:
            throw new MalformedAttributeError(`${path} has the type key ${JSON.stringify(type.slice(0, 16))}, which DynamoDB does not have`);
    }
    throw new MalformedAttributeError(`${path} is a malformed ${type} value`);
}

/**
 * An item image (a map of attribute names to attribute values) as a plain object.
 * @throws MalformedAttributeError if the image is not a map or any attribute is malformed
 */
export function nativeImage(image: unknown, path: string): Record<string, unknown> {
    if (!isRecord(image)) throw new MalformedAttributeError(`${path} is not a map of attribute values`);
    // Object.fromEntries defines each key as an own property, so a "__proto__" attribute stays a plain key.
    return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, nativeValue(value, at(path, key))]));
}
