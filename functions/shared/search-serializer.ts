import { stringify } from "node:querystring";
import type Serializer from "@opensearch-project/opensearch/lib/Serializer.js";
import { DeserializationError, SerializationError } from "@opensearch-project/opensearch/lib/errors.js";

/**
 * The Transport's serializer, without the library's long-numeral support (json11, 27 KB minified):
 * order documents hold no integers beyond 2^53. Prototype-poisoning keys are still rejected, as the
 * library's default serializer does.
 */
export class PlainJsonSerializer implements Pick<Serializer, "serialize" | "deserialize" | "ndserialize" | "qserialize"> {
    serialize(object: Record<string, unknown>): string {
        try {
            return JSON.stringify(object);
        } catch (error) {
            throw new SerializationError((error as Error).message, object);
        }
    }

    deserialize<T = unknown>(json: string): T {
        try {
            return JSON.parse(json, (key, value: unknown) => {
                if (key === "__proto__" || (key === "constructor" && typeof value === "object" && value !== null && "prototype" in value)) {
                    throw new Error("Object contains forbidden prototype property");
                }
                return value;
            }) as T;
        } catch (error) {
            throw new DeserializationError((error as Error).message, json);
        }
    }

    ndserialize(array: Array<Record<string, unknown> | string>): string {
        if (!Array.isArray(array)) throw new SerializationError("The argument provided is not an array", array);
        return array.map((entry) => (typeof entry === "string" ? entry : this.serialize(entry)) + "\n").join("");
    }

    qserialize(object?: Record<string, unknown> | string): string {
        if (object === null || object === undefined) return "";
        if (typeof object === "string") return object;
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(object)) {
            if (value === undefined) continue;
            flat[key] = Array.isArray(value) ? value.join(",") : String(value);
        }
        return stringify(flat);
    }
}
