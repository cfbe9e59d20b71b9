/** `Single`: one NAT gateway (cheaper, one zone); `OnePerAz`: one per zone (survives a zone outage). */
export const NAT_GATEWAY_STRATEGIES = ["Single", "OnePerAz"] as const;
export type NatGatewayStrategy = (typeof NAT_GATEWAY_STRATEGIES)[number];

/**
 * The prefix lengths a VPC may have: /16 at most (the largest block AWS allows), /24 at least, so
 * that each of up to three zones still gets a public and a private subnet with room for the functions'
 * network interfaces and the endpoints.
 */
export const VPC_CIDR_PREFIX = { min: 16, max: 24 } as const;

/** Why `cidr` cannot be the VPC's block, or undefined when it can. */
export function vpcCidrProblem(cidr: string): string | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const allowed = `allowed: an IPv4 CIDR block from /${VPC_CIDR_PREFIX.min} to /${VPC_CIDR_PREFIX.max}, such as 10.0.0.0/16`;
    if (m === null || m.slice(1, 5).some((o) => Number(o) > 255)) return `is not an IPv4 CIDR block (${allowed})`;
    const prefix = Number(m[5]);
    if (prefix < VPC_CIDR_PREFIX.min || prefix > VPC_CIDR_PREFIX.max) {
        return `has a /${prefix} prefix, which a VPC with a public and a private subnet in each zone cannot use (${allowed})`;
    }
    const address = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
    if (address % 2 ** (32 - prefix) !== 0) return `is not the start of a /${prefix} block: its host bits are set (${allowed})`;
    return undefined;
}
