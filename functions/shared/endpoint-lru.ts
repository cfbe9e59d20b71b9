/**
 * Stands in for `mnemonist/lru-cache` inside the bundles (components/bundle-options.ts). The DynamoDB client
 * always builds an endpoint-discovery cache (`@aws-sdk/endpoint-cache`) with it, although endpoint
 * discovery stays off for our tables; mnemonist's typed-array LRU and its iterator helpers cost
 * about 6.5 KB of every bundle with a DynamoDB client. This is the same least-recently-used cache,
 * for the methods the endpoint cache calls, on a Map (which keeps insertion order).
 */
export default class LRUCache<K, V> {
    private readonly items = new Map<K, V>();

    constructor(readonly capacity: number) {}

    get size(): number {
        return this.items.size;
    }

    set(key: K, value: V): this {
        this.items.delete(key);
        this.items.set(key, value);
        if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
        return this;
    }

    /** Reading makes the entry the most recently used one. */
    get(key: K): V | undefined {
        if (!this.items.has(key)) return undefined;
        const value = this.items.get(key) as V;
        this.items.delete(key);
        this.items.set(key, value);
        return value;
    }

    /** Reads without touching the order. */
    peek(key: K): V | undefined {
        return this.items.get(key);
    }

    has(key: K): boolean {
        return this.items.has(key);
    }

    clear(): void {
        this.items.clear();
    }
}
