export type RouteName = "health" | "listOrders" | "createOrder" | "searchOrders" | "getOrder" | "cancelOrder";

export interface RouteMatch {
    route: RouteName;
    id?: string;
}

export type MatchResult = { kind: "match"; match: RouteMatch } | { kind: "method_not_allowed"; allowed: string[] } | { kind: "not_found" };

const TABLE: Array<{ pattern: RegExp; methods: Partial<Record<string, RouteName>> }> = [
    { pattern: /^\/health$/, methods: { GET: "health" } },
    { pattern: /^\/orders$/, methods: { GET: "listOrders", POST: "createOrder" } },
    // Before /orders/{id}: "search" is not an order id, but the literal route must win regardless.
    { pattern: /^\/orders\/search$/, methods: { GET: "searchOrders" } },
    { pattern: /^\/orders\/([^/]+)$/, methods: { GET: "getOrder" } },
    { pattern: /^\/orders\/([^/]+)\/cancel$/, methods: { POST: "cancelOrder" } },
];

/**
 * Matches on the request path, with or without the `/api` prefix CloudFront forwards, so the same
 * handler serves a proxy resource, explicit resources and the edge.
 */
export function matchRoute(method: string, rawPath: string): MatchResult {
    const path = rawPath.replace(/^\/api(?=\/)/, "").replace(/\/+$/, "") || "/";
    for (const { pattern, methods } of TABLE) {
        const found = pattern.exec(path);
        if (!found) continue;
        const route = methods[method.toUpperCase()];
        if (!route) return { kind: "method_not_allowed", allowed: Object.keys(methods) };
        let id: string | undefined;
        if (found[1] !== undefined) {
            try {
                id = decodeURIComponent(found[1]);
            } catch {
                id = found[1];
            }
        }
        return { kind: "match", match: { route, ...(id !== undefined ? { id } : {}) } };
    }
    return { kind: "not_found" };
}
