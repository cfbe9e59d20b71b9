// Security groups (66): no administrative port open to the whole internet, in any of the forms a
// program can give an ingress rule (inline `ingress` of a security group or the default security group,
// aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule).

import type { Policies } from "../lib/policy-api";
import { resourceRule, RuleContext, Subject } from "../lib/rule";
import { asArray, asNumber, asRecord, asString, isUnknown } from "../lib/values";

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/**
 * Remote administration, database, cache, search, container-daemon and desktop-sharing ports: none of
 * them is ever meant to answer the whole internet.
 */
export const DEFAULT_ADMIN_PORTS = [
    20, // FTP data
    21, // FTP
    22, // SSH
    23, // Telnet
    135, // Microsoft RPC
    445, // SMB
    1433, // SQL Server
    1434, // SQL Server browser
    1521, // Oracle
    2375, // Docker API (plain)
    2376, // Docker API (TLS)
    2379, // etcd client
    3306, // MySQL / Aurora MySQL / MariaDB
    3389, // RDP
    5432, // PostgreSQL / Aurora PostgreSQL / Redshift-compatible tools
    5601, // Kibana / OpenSearch Dashboards
    5900, // VNC
    5985, // WinRM (HTTP)
    5986, // WinRM (HTTPS)
    6379, // Redis / Valkey
    9200, // Elasticsearch / OpenSearch REST
    9300, // Elasticsearch / OpenSearch transport
    11211, // Memcached
    27017, // MongoDB / DocumentDB
];

/** What an ingress entry opens: every port, a port range, nothing with ports (ICMP...), or unknown. */
type Ports = { kind: "all" } | { kind: "range"; from: number; to: number; protocol: string } | { kind: "none" } | { kind: "unknown"; what: string };

const PORT_PROTOCOLS: Record<string, string> = { tcp: "tcp", "6": "tcp", udp: "udp", "17": "udp" };

function portsOf(protocol: unknown, fromPort: unknown, toPort: unknown, where: string): Ports {
    if (isUnknown(protocol)) {
        return { kind: "unknown", what: `${where}protocol` };
    }
    const p = protocol === undefined || protocol === null ? undefined : String(protocol).trim().toLowerCase();
    if (p === "-1" || p === "all") {
        return { kind: "all" }; // all protocols, all ports (fromPort/toPort are ignored or 0)
    }
    const named = p === undefined ? undefined : PORT_PROTOCOLS[p];
    if (!named) {
        return { kind: "none" }; // ICMP, ICMPv6, ESP...: no ports
    }
    if (isUnknown(fromPort) || isUnknown(toPort)) {
        return { kind: "unknown", what: `${where}${isUnknown(fromPort) ? "fromPort" : "toPort"}` };
    }
    const from = asNumber(fromPort);
    const to = asNumber(toPort) ?? from;
    if (from === undefined || to === undefined) {
        return { kind: "none" };
    }
    if (from === -1 && to === -1) {
        return { kind: "all" };
    }
    return { kind: "range", from: Math.min(from, to), to: Math.max(from, to), protocol: named };
}

function describePorts(p: Ports): string {
    if (p.kind === "all") {
        return "all protocols and ports";
    }
    if (p.kind === "range") {
        return p.from === p.to ? `${p.protocol} port ${p.from}` : `${p.protocol} ports ${p.from}-${p.to}`;
    }
    return "";
}

function coveredAdminPorts(p: Ports, adminPorts: number[]): number[] {
    if (p.kind === "all") {
        return [...adminPorts];
    }
    if (p.kind === "range") {
        return adminPorts.filter((a) => a >= p.from && a <= p.to);
    }
    return [];
}

/**
 * A CIDR that stands for the internet at large: IPv4 /0 to /7 (wider than any private range and any
 * single allocation: 0.0.0.0/1 plus 128.0.0.0/1 is 0.0.0.0/0 split in two), IPv6 /0 to /15 outside the
 * unique-local fc00::/7 and link-local fe80::/10 ranges. Returns how much it covers, or undefined.
 */
export function worldCidr(cidr: string): string | undefined {
    const m = /^\s*([0-9a-fA-F:.]+)\/(\d{1,3})\s*$/.exec(cidr);
    if (!m) {
        return undefined;
    }
    const prefix = Number(m[2]);
    if (m[1].includes(":")) {
        if (prefix > 15) {
            return undefined;
        }
        const first = parseInt(m[1].split(":")[0] || "0", 16);
        if ((prefix >= 7 && (first & 0xfe00) === 0xfc00) || (prefix >= 10 && (first & 0xffc0) === 0xfe80)) {
            return undefined;
        }
        return prefix === 0 ? "every IPv6 address" : `1/${2 ** prefix} of all IPv6 addresses`;
    }
    if (prefix > 7) {
        return undefined;
    }
    return prefix === 0 ? "every IPv4 address" : `1/${2 ** prefix} of all IPv4 addresses`;
}

interface Source {
    /** Property path of the CIDR (e.g. `ingress[0].cidrBlocks[1]`). */
    property: string;
    value: unknown;
    v6: boolean;
}

function cidrSources(list: unknown, path: string, v6: boolean, out: Source[]): void {
    if (isUnknown(list)) {
        out.push({ property: path, value: list, v6 });
        return;
    }
    asArray(list).forEach((value, i) => out.push({ property: `${path}[${i}]`, value, v6 }));
}

type Config = { adminPorts: number[] };

/** Judges one ingress permission: its ports and its CIDR sources. */
function checkIngress(subject: Subject, ctx: RuleContext<Config>, ports: Ports, sources: Source[]): void {
    const admin = ctx.config.adminPorts;
    const known = sources.filter((s) => !isUnknown(s.value));
    const open = known.map((s) => ({ s, world: typeof s.value === "string" ? worldCidr(s.value) : undefined })).filter((x) => x.world !== undefined);
    const unknownSources = sources.filter((s) => isUnknown(s.value));
    if (ports.kind === "unknown") {
        if (open.length > 0) {
            ctx.defer(ports.what);
        }
        return;
    }
    const covered = coveredAdminPorts(ports, admin);
    if (covered.length === 0) {
        return;
    }
    for (const s of unknownSources) {
        ctx.defer(s.property);
    }
    const shown = covered.length > 8 ? `${covered.slice(0, 8).join(", ")}, ... (${covered.length} in all)` : covered.join(", ");
    for (const { s, world } of open) {
        const example = s.v6 ? '"2001:db8:1234::/48"' : '"203.0.113.10/32"';
        ctx.report(subject, {
            property: s.property,
            found: s.value,
            problem: `is ${JSON.stringify(s.value)} (${world}) on ${describePorts(ports)}, which include${covered.length === 1 ? "s" : ""} administrative port${covered.length === 1 ? "" : "s"} ${shown}; expected no internet-wide source on an administrative port`,
            fix: `narrow the source to the office or VPN range (e.g. ${example}), a security group or a prefix list, or reach the hosts through SSM Session Manager; open to the internet only the public service port (e.g. tcp 443)`,
        });
    }
}

function inlineIngress(subject: Subject, ctx: RuleContext<Config>): void {
    const ingress = subject.props.ingress;
    if (isUnknown(ingress)) {
        ctx.defer("ingress");
        return;
    }
    asArray(ingress).forEach((raw, i) => {
        const where = `ingress[${i}]`;
        if (isUnknown(raw)) {
            ctx.defer(where);
            return;
        }
        const e = asRecord(raw);
        if (!e) {
            return;
        }
        const sources: Source[] = [];
        cidrSources(e.cidrBlocks, `${where}.cidrBlocks`, false, sources);
        cidrSources(e.ipv6CidrBlocks, `${where}.ipv6CidrBlocks`, true, sources);
        checkIngress(subject, ctx, portsOf(e.protocol, e.fromPort, e.toPort, `${where}.`), sources);
    });
}

function securityGroupRule(subject: Subject, ctx: RuleContext<Config>): void {
    const p = subject.props;
    const sources: Source[] = [];
    cidrSources(p.cidrBlocks, "cidrBlocks", false, sources);
    cidrSources(p.ipv6CidrBlocks, "ipv6CidrBlocks", true, sources);
    if (isUnknown(p.type)) {
        if (sources.some((s) => typeof s.value === "string" && worldCidr(s.value))) {
            ctx.defer("type");
        }
        return;
    }
    if (asString(p.type) !== "ingress") {
        return;
    }
    checkIngress(subject, ctx, portsOf(p.protocol, p.fromPort, p.toPort, ""), sources);
}

function vpcIngressRule(subject: Subject, ctx: RuleContext<Config>): void {
    const p = subject.props;
    const sources: Source[] = [];
    if (p.cidrIpv4 !== undefined && p.cidrIpv4 !== null) {
        sources.push({ property: "cidrIpv4", value: p.cidrIpv4, v6: false });
    }
    if (p.cidrIpv6 !== undefined && p.cidrIpv6 !== null) {
        sources.push({ property: "cidrIpv6", value: p.cidrIpv6, v6: true });
    }
    checkIngress(subject, ctx, portsOf(p.ipProtocol, p.fromPort, p.toPort, ""), sources);
}

export function networkPolicies(): Policies {
    return [
        resourceRule<Config>(
            {
                id: "sg-no-public-admin-ports",
                no: 66,
                service: "EC2 / VPC",
                kind: "R",
                checks: "No security group ingress (inline `ingress`, `aws.ec2.SecurityGroupRule`, `aws.vpc.SecurityGroupIngressRule`) opens an administrative port (`adminPorts`: SSH, RDP, databases, caches...) to 0.0.0.0/0, ::/0 or another internet-wide range, by port range or protocol -1.",
                why: "An SSH, RDP or database port open to the internet is scanned within minutes and brute-forced or exploited; only the public service port belongs there.",
                anchors: "NAG EC23, FSBP EC2.13, EC2.14, EC2.19, EC2.53, EC2.54, CKV_AWS_24, CKV_AWS_25, CKV_AWS_277, TRV AWS-0107",
                defaultLevel: "mandatory",
                config: {
                    adminPorts: {
                        type: "array",
                        items: { type: "integer" },
                        minItems: 1,
                        default: DEFAULT_ADMIN_PORTS,
                        description:
                            "Ports that must never be open to the internet: remote administration (22, 3389, 5985/5986, 5900, 23), file sharing (20/21, 135, 445), databases, caches and search (1433, 1521, 3306, 5432, 6379, 9200, 27017...) and the Docker API (2375/2376).",
                    },
                },
            },
            {
                types: [SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE],
                validate: (r, ctx) => {
                    switch (r.type) {
                        case SECURITY_GROUP_RULE:
                            return securityGroupRule(r, ctx);
                        case INGRESS_RULE:
                            return vpcIngressRule(r, ctx);
                        default:
                            return inlineIngress(r, ctx);
                    }
                },
            },
        ),
    ];
}
