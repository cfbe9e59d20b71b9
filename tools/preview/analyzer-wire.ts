/**
 * The Analyzer requests a preview sends most (`Analyze` for every resource, one `AnalyzeStack` of them
 * all), written straight to protobuf bytes. Building them as google-protobuf messages (a `Struct` of
 * `Value`s per property, then `serializeBinary`) was most of the parent process's time; these bytes are
 * the same ones (test/preview/analyzer-wire.spec.ts encodes both ways and compares), field for field as
 * `proto/analyzer.proto` and `google/protobuf/struct.proto` number them. Responses, which are small, are
 * still read by the generated classes.
 */

/** Wire types. */
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;

/** A growing buffer of protobuf fields. */
export class ProtoWriter {
    private buf = Buffer.allocUnsafe(4096);
    private pos = 0;

    private ensure(n: number): void {
        if (this.pos + n > this.buf.length) {
            const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
            this.buf.copy(next, 0, 0, this.pos);
            this.buf = next;
        }
    }

    private varint(v: number): void {
        this.ensure(10);
        while (v > 127) {
            this.buf[this.pos++] = (v & 127) | 128;
            v = Math.floor(v / 128);
        }
        this.buf[this.pos++] = v;
    }

    private tag(field: number, wire: number): void {
        this.varint(field * 8 + wire);
    }

    /** A string field, always written (map keys, repeated elements, oneof members). */
    stringAlways(field: number, s: string): void {
        this.tag(field, BYTES);
        const len = Buffer.byteLength(s);
        this.varint(len);
        this.ensure(len);
        this.buf.write(s, this.pos, len, "utf8");
        this.pos += len;
    }

    /** A proto3 string field: the empty default is left out. */
    string(field: number, s: string): void {
        if (s !== "") this.stringAlways(field, s);
    }

    strings(field: number, list: readonly string[]): void {
        for (const s of list) this.stringAlways(field, s);
    }

    /** A proto3 bool field: false is left out. */
    bool(field: number, b: boolean): void {
        if (b) {
            this.tag(field, VARINT);
            this.varint(1);
        }
    }

    boolAlways(field: number, b: boolean): void {
        this.tag(field, VARINT);
        this.varint(b ? 1 : 0);
    }

    enumAlways(field: number, v: number): void {
        this.tag(field, VARINT);
        this.varint(v);
    }

    double(field: number, d: number): void {
        this.tag(field, FIXED64);
        this.ensure(8);
        this.buf.writeDoubleLE(d, this.pos);
        this.pos += 8;
    }

    /** Already-encoded message bytes as a field. */
    bytes(field: number, b: Uint8Array): void {
        this.tag(field, BYTES);
        this.varint(b.length);
        this.ensure(b.length);
        this.buf.set(b, this.pos);
        this.pos += b.length;
    }

    /** A nested message written by `body`; its length prefix is fixed up once its size is known. */
    message(field: number, body: () => void): void {
        this.tag(field, BYTES);
        // One byte reserved for the length: most messages are shorter than 128 bytes.
        this.ensure(1);
        const at = this.pos++;
        body();
        const len = this.pos - at - 1;
        if (len < 128) {
            this.buf[at] = len;
            return;
        }
        let extra = 0;
        for (let v = len; v > 127; v = Math.floor(v / 128)) extra++;
        this.ensure(extra);
        this.buf.copy(this.buf, at + 1 + extra, at + 1, this.pos);
        this.pos += extra;
        let v = len;
        let i = at;
        while (v > 127) {
            this.buf[i++] = (v & 127) | 128;
            v = Math.floor(v / 128);
        }
        this.buf[i] = v;
    }

    finish(): Buffer {
        return Buffer.from(this.buf.subarray(0, this.pos));
    }
}

/** `google.protobuf.Value`, as `Value.fromJavaScript` makes it. */
function value(w: ProtoWriter, v: unknown): void {
    switch (typeof v) {
        case "string":
            w.stringAlways(3, v);
            return;
        case "number":
            w.double(2, v);
            return;
        case "boolean":
            w.boolAlways(4, v);
            return;
        case "object":
            if (v === null) {
                w.enumAlways(1, 0);
            } else if (Array.isArray(v)) {
                w.message(6, () => {
                    for (const item of v) w.message(1, () => value(w, item));
                });
            } else {
                w.message(5, () => struct(w, v as Record<string, unknown>));
            }
            return;
        default:
            // As google-protobuf's Value.fromJavaScript: undefined, functions and symbols have no Value.
            throw new Error("Unexpected struct type.");
    }
}

/** The body of a `google.protobuf.Struct`: its `fields` map, one entry per key in key order, as jspb writes maps. */
export function struct(w: ProtoWriter, obj: Record<string, unknown>): void {
    for (const key of Object.keys(obj).sort()) {
        w.message(1, () => {
            w.stringAlways(1, key);
            w.message(2, () => value(w, obj[key]));
        });
    }
}

/** A resource as the engine sends it to an analyzer (`AnalyzeRequest` and `AnalyzerResource` share these). */
export interface WireResource {
    type: string;
    name: string;
    urn: string;
    parent: string;
    properties: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    ignoreChanges: string[];
    aliases: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    deleteBeforeReplaceDefined: boolean;
    provider?: { type: string; name: string; urn: string; properties: Record<string, unknown> };
}

function options(w: ProtoWriter, r: WireResource): void {
    w.message(5, () => {
        w.bool(1, r.protect);
        w.strings(2, r.ignoreChanges);
        w.bool(3, r.deleteBeforeReplace);
        w.bool(4, r.deleteBeforeReplaceDefined);
        w.strings(5, r.additionalSecretOutputs);
        w.strings(6, r.aliases);
        w.string(8, r.parent);
    });
}

function provider(w: ProtoWriter, r: WireResource): void {
    const p = r.provider;
    if (!p) return;
    w.message(6, () => {
        w.string(1, p.type);
        w.message(2, () => struct(w, p.properties));
        w.string(3, p.urn);
        w.string(4, p.name);
    });
}

/** `pulumirpc.AnalyzeRequest`: one resource's inputs, for `Analyze`. */
export function encodeAnalyzeRequest(r: WireResource): Buffer {
    const w = new ProtoWriter();
    w.string(1, r.type);
    w.message(2, () => struct(w, r.properties));
    w.string(3, r.urn);
    w.string(4, r.name);
    options(w, r);
    provider(w, r);
    return w.finish();
}

/** `pulumirpc.AnalyzerResource`: one resource of `AnalyzeStack`. */
export function encodeAnalyzerResource(r: WireResource): Buffer {
    const w = new ProtoWriter();
    w.string(1, r.type);
    w.message(2, () => struct(w, r.properties));
    w.string(3, r.urn);
    w.string(4, r.name);
    options(w, r);
    provider(w, r);
    w.string(7, r.parent);
    w.strings(8, r.dependencies);
    for (const key of Object.keys(r.propertyDependencies).sort()) {
        w.message(9, () => {
            w.stringAlways(1, key);
            w.message(2, () => w.strings(1, r.propertyDependencies[key]));
        });
    }
    return w.finish();
}

/** `pulumirpc.AnalyzeStackRequest` from resources encoded by {@link encodeAnalyzerResource}. */
export function encodeAnalyzeStackRequest(resources: readonly Uint8Array[]): Buffer {
    const w = new ProtoWriter();
    for (const r of resources) w.bytes(1, r);
    return w.finish();
}
