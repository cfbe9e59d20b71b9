/** `Single`: one NAT gateway (cheaper, one zone); `OnePerAz`: one per zone (survives a zone outage). */
export const NAT_GATEWAY_STRATEGIES = ["Single", "OnePerAz"] as const;
export type NatGatewayStrategy = (typeof NAT_GATEWAY_STRATEGIES)[number];
