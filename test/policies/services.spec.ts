// Security groups (66), Step Functions (67-68), CloudTrail (69), ECR (70-73) and EventBridge bus permissions (74).
import { check, checkResource, checkStack, expect, Res, summary, U } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const STATE_MACHINE = "aws:sfn/stateMachine:StateMachine";
const TRAIL = "aws:cloudtrail/trail:Trail";
const REPOSITORY = "aws:ecr/repository:Repository";
const REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration";
const REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy";
const REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy";
const TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate";
const BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy";
const PERMISSION = "aws:cloudwatch/eventPermission:EventPermission";

const cantRun = (vs: { message: string }[]) => vs.filter((v) => v.message.includes("can't run"));
const findings = (vs: { message: string }[]) => vs.filter((v) => !v.message.includes("can't run"));
const doc = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policies: security groups, Step Functions, CloudTrail, ECR, EventBridge", () => {
    describe("sg-no-public-admin-ports", () => {
        const rule = "sg-no-public-admin-ports";
        const sg = (name: string, ...ingress: Record<string, unknown>[]): Res => ({ type: SG, name, props: { vpcId: U, ingress } });
        const tcp = (from: number, to: number, extra: Record<string, unknown>) => ({ protocol: "tcp", fromPort: from, toPort: to, ...extra });

        it("reports SSH open to 0.0.0.0/0 inline, naming the entry, the CIDR, the port and a narrower fix (mandatory)", () => {
            const vs = checkResource(
                rule,
                sg("bastion", tcp(443, 443, { cidrBlocks: ["0.0.0.0/0"] }), tcp(22, 22, { cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] })),
            );
            expect(summary(vs)).to.deep.equal(["bastion:mandatory"]);
            expect(vs[0].message)
                .to.contain('aws.ec2.SecurityGroup "bastion": ingress[1].cidrBlocks[1] is "0.0.0.0/0" (every IPv4 address) on tcp port 22')
                .and.contain("administrative port 22;")
                .and.contain('"203.0.113.10/32"');
        });

        it("reports a full port range and protocol -1 to ::/0, listing the admin ports covered", () => {
            const vs = checkResource(
                rule,
                sg("wide", tcp(0, 65535, { cidrBlocks: ["0.0.0.0/0"] }), { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
            );
            expect(vs).to.have.length(2);
            expect(vs[0].message).to.contain("tcp ports 0-65535, which include administrative ports 20, 21, 22, 23");
            expect(vs[1].message).to.contain('ingress[1].ipv6CidrBlocks[0] is "::/0" (every IPv6 address) on all protocols and ports').and.contain("2001:db8");
        });

        it("sees the internet split into halves, and UDP RDP", () => {
            const vs = checkResource(
                rule,
                sg("halves", tcp(3389, 3389, { cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }), {
                    protocol: "udp",
                    fromPort: 3389,
                    toPort: 3389,
                    cidrBlocks: ["0.0.0.0/0"],
                }),
            );
            expect(vs).to.have.length(3);
            expect(vs[0].message).to.contain("1/2 of all IPv4 addresses");
        });

        it("accepts HTTPS to the world, SSH to an office /32, private and unique-local ranges, ICMP, security-group sources", () => {
            expect(
                checkResource(
                    rule,
                    sg(
                        "web",
                        tcp(443, 443, { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }),
                        tcp(80, 80, { cidrBlocks: ["0.0.0.0/0"] }),
                        tcp(22, 22, { cidrBlocks: ["203.0.113.10/32"] }),
                        tcp(5432, 5432, { cidrBlocks: ["10.0.0.0/8", "172.16.0.0/12"], ipv6CidrBlocks: ["fd00::/8", "fc00::/7"] }),
                        { protocol: "icmp", fromPort: -1, toPort: -1, cidrBlocks: ["0.0.0.0/0"] },
                        { protocol: "-1", fromPort: 0, toPort: 0, securityGroups: [U], self: true },
                    ),
                ),
            ).to.deep.equal([]);
        });

        it("judges the default security group's inline ingress too", () => {
            expect(
                summary(
                    checkResource(rule, { type: DEFAULT_SG, name: "default", props: { vpcId: U, ingress: [tcp(6379, 6379, { cidrBlocks: ["0.0.0.0/0"] })] } }),
                ),
            ).to.deep.equal(["default:mandatory"]);
        });

        it("judges aws.ec2.SecurityGroupRule: ingress only, protocol all, numeric protocol", () => {
            const rule_ = (name: string, props: Record<string, unknown>): Res => ({ type: SG_RULE, name, props: { securityGroupId: U, ...props } });
            expect(
                summary(checkResource(rule, rule_("rdp", { type: "ingress", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] }))),
            ).to.deep.equal(["rdp:mandatory"]);
            expect(
                checkResource(rule, rule_("all", { type: "ingress", protocol: "all", fromPort: 0, toPort: 65535, ipv6CidrBlocks: ["::/0"] }))[0].message,
            ).to.contain('ipv6CidrBlocks[0] is "::/0"');
            expect(
                checkResource(rule, rule_("six", { type: "ingress", protocol: "6", fromPort: 3300, toPort: 3400, cidrBlocks: ["0.0.0.0/0"] }))[0].message,
            ).to.contain("administrative ports 3306, 3389");
            expect(checkResource(rule, rule_("egress", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }))).to.deep.equal(
                [],
            );
            expect(
                checkResource(rule, rule_("https", { type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] })),
            ).to.deep.equal([]);
            expect(
                summary(checkResource(rule, rule_("unknown-type", { type: U, protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }))),
            ).to.deep.equal(["unknown-type:advisory"]);
        });

        it("judges aws.vpc.SecurityGroupIngressRule: ipProtocol -1 without ports, tcp and 6", () => {
            const ing = (name: string, props: Record<string, unknown>): Res => ({ type: INGRESS_RULE, name, props: { securityGroupId: U, ...props } });
            expect(checkResource(rule, ing("all6", { ipProtocol: "-1", cidrIpv6: "::/0" }))[0].message).to.contain(
                'aws.vpc.SecurityGroupIngressRule "all6": cidrIpv6 is "::/0" (every IPv6 address) on all protocols and ports',
            );
            expect(checkResource(rule, ing("pg", { ipProtocol: "6", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }))[0].message).to.contain("cidrIpv4");
            expect(checkResource(rule, ing("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }))).to.deep.equal([]);
            expect(checkResource(rule, ing("office", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32" }))).to.deep.equal([]);
            expect(checkResource(rule, ing("peer", { ipProtocol: "-1", referencedSecurityGroupId: U }))).to.deep.equal([]);
        });

        it("defers an unknown CIDR on an admin port or an unknown port with a world CIDR; an unknown CIDR on 443 is fine", () => {
            expect(cantRun(checkResource(rule, sg("computed-cidr", tcp(5432, 5432, { cidrBlocks: [U] }))))).to.have.length(1);
            expect(findings(checkResource(rule, sg("computed-cidr", tcp(5432, 5432, { cidrBlocks: [U] }))))).to.deep.equal([]);
            expect(checkResource(rule, sg("computed-https", tcp(443, 443, { cidrBlocks: [U] })))).to.deep.equal([]);
            expect(cantRun(checkResource(rule, sg("computed-port", { protocol: "tcp", fromPort: U, toPort: U, cidrBlocks: ["0.0.0.0/0"] })))).to.have.length(1);
            expect(cantRun(checkResource(rule, { type: SG, name: "computed-ingress", props: { ingress: U } }))).to.have.length(1);
        });

        it("takes its port list from adminPorts", () => {
            const open = sg("app", tcp(22, 22, { cidrBlocks: ["0.0.0.0/0"] }), tcp(8080, 8080, { cidrBlocks: ["0.0.0.0/0"] }));
            const vs = checkResource(rule, open, { config: { adminPorts: [8080] } });
            expect(vs).to.have.length(1);
            expect(vs[0].message).to.contain("ingress[1].cidrBlocks[0]");
        });
    });

    describe("sfn-logging", () => {
        const sm = (name: string, loggingConfiguration?: unknown): Res => ({
            type: STATE_MACHINE,
            name,
            props: { roleArn: U, definition: "{}", loggingConfiguration },
        });
        it("reports no logging, level OFF, and a level without a destination (advisory in dev)", () => {
            expect(summary(checkResource("sfn-logging", sm("none")))).to.deep.equal(["none:advisory"]);
            expect(checkResource("sfn-logging", sm("off", { level: "OFF" }))[0].message).to.contain(
                'loggingConfiguration.level is "OFF", expected ALL, ERROR or FATAL',
            );
            expect(checkResource("sfn-logging", sm("unset", { includeExecutionData: true }))[0].message).to.contain("is not set (OFF)");
            expect(checkResource("sfn-logging", sm("nowhere", { level: "ALL" }))[0].message).to.contain("loggingConfiguration.logDestination is not set");
        });
        it("accepts ERROR, ALL or FATAL with a computed destination; minimumLevel ERROR rejects FATAL", () => {
            for (const level of ["ALL", "ERROR", "FATAL"]) {
                expect(checkResource("sfn-logging", sm("ok", { level, logDestination: U, includeExecutionData: false }))).to.deep.equal([]);
            }
            const fatal = checkResource("sfn-logging", sm("fatal", { level: "FATAL", logDestination: U }), { config: { minimumLevel: "ERROR" } });
            expect(fatal[0].message).to.contain('is "FATAL", expected ALL or ERROR');
        });
        it("defers a computed level or configuration", () => {
            expect(summary(checkResource("sfn-logging", sm("u", { level: U, logDestination: U })))).to.deep.equal(["u:advisory"]);
            expect(cantRun(checkResource("sfn-logging", sm("u", U)))).to.have.length(1);
        });
    });

    describe("sfn-xray-tracing", () => {
        const sm = (tracingConfiguration?: unknown): Res => ({
            type: STATE_MACHINE,
            name: "sm",
            props: { roleArn: U, definition: "{}", tracingConfiguration },
        });
        it("reports tracing absent or disabled, accepts enabled or computed", () => {
            expect(checkResource("sfn-xray-tracing", sm())[0].message).to.contain("tracingConfiguration.enabled is not set, expected true");
            expect(checkResource("sfn-xray-tracing", sm({ enabled: false }))).to.have.length(1);
            expect(checkResource("sfn-xray-tracing", sm({ enabled: true }))).to.deep.equal([]);
            expect(checkResource("sfn-xray-tracing", sm({ enabled: U }))).to.deep.equal([]);
            expect(checkResource("sfn-xray-tracing", sm(U))).to.deep.equal([]);
        });
    });

    describe("cloudtrail-trail-hardening", () => {
        const trail = (props: Record<string, unknown>): Res => ({ type: TRAIL, name: "trail", props: { s3BucketName: U, ...props } });
        it("reports a bare trail: single region, no validation, no KMS key", () => {
            const vs = checkResource("cloudtrail-trail-hardening", trail({}));
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal(["isMultiRegionTrail", "enableLogFileValidation", "kmsKeyId"]);
            expect(summary(vs)).to.deep.equal(["trail:advisory", "trail:advisory", "trail:advisory"]);
        });
        it("accepts a fully set trail (computed key), and reports logging turned off", () => {
            const good = { isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId: U, includeGlobalServiceEvents: true };
            expect(checkResource("cloudtrail-trail-hardening", trail(good))).to.deep.equal([]);
            expect(checkResource("cloudtrail-trail-hardening", trail({ ...good, enableLogging: false }))[0].message).to.contain("enableLogging is false");
            expect(checkResource("cloudtrail-trail-hardening", trail({ isMultiRegionTrail: U, enableLogFileValidation: U, kmsKeyId: U }))).to.deep.equal([]);
        });
    });

    describe("ecr-tag-immutable", () => {
        const repo = (props: Record<string, unknown>): Res => ({ type: REPOSITORY, name: "repo", props: { name: "app", ...props } });
        it("reports MUTABLE (explicit or default) and MUTABLE_WITH_EXCLUSION", () => {
            expect(checkResource("ecr-tag-immutable", repo({}))[0].message).to.contain("imageTagMutability is not set (MUTABLE)");
            expect(checkResource("ecr-tag-immutable", repo({ imageTagMutability: "MUTABLE" }))).to.have.length(1);
            expect(
                checkResource(
                    "ecr-tag-immutable",
                    repo({ imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filter: "v*", filterType: "WILDCARD" }] }),
                ),
            ).to.have.length(1);
        });
        it("accepts IMMUTABLE and IMMUTABLE_WITH_EXCLUSION for named moving tags, but not an exclusion of every tag", () => {
            expect(checkResource("ecr-tag-immutable", repo({ imageTagMutability: "IMMUTABLE" }))).to.deep.equal([]);
            expect(
                checkResource(
                    "ecr-tag-immutable",
                    repo({
                        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
                        imageTagMutabilityExclusionFilters: [{ filter: "latest", filterType: "WILDCARD" }],
                    }),
                ),
            ).to.deep.equal([]);
            const all = checkResource(
                "ecr-tag-immutable",
                repo({
                    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
                    imageTagMutabilityExclusionFilters: [
                        { filter: "latest", filterType: "WILDCARD" },
                        { filter: "*", filterType: "WILDCARD" },
                    ],
                }),
            );
            expect(all[0].message).to.contain('imageTagMutabilityExclusionFilters[1].filter is "*", which exempts every tag');
        });
    });

    describe("ecr-image-scanning", () => {
        const repo = (name: string, props: Record<string, unknown> = {}): Res => ({
            type: REPOSITORY,
            name,
            props: { name, imageTagMutability: "IMMUTABLE", ...props },
        });
        const registry = (rules: unknown): Res => ({ type: REGISTRY_SCANNING, name: "scanning", props: { scanType: "ENHANCED", rules } });
        it("reports a repository without scan on push when nothing in the stack scans it", () => {
            const vs = checkStack("ecr-image-scanning", [repo("api"), repo("web", { imageScanningConfiguration: { scanOnPush: false } })]);
            expect(summary(vs)).to.deep.equal(["api:advisory", "web:advisory"]);
            expect(vs[1].message).to.contain(
                "imageScanningConfiguration.scanOnPush is false and no aws.ecr.RegistryScanningConfiguration in this stack scans this repository",
            );
        });
        it("accepts scanOnPush, a registry rule matching every repository or this one; a MANUAL rule or another prefix is not enough", () => {
            expect(checkStack("ecr-image-scanning", [repo("api", { imageScanningConfiguration: { scanOnPush: true } })])).to.deep.equal([]);
            const all = registry([{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }]);
            expect(checkStack("ecr-image-scanning", [repo("api"), all])).to.deep.equal([]);
            const prefix = registry([
                { scanFrequency: "SCAN_ON_PUSH", repositoryFilters: [{ filter: "app-*", filterType: "WILDCARD" }] },
                { scanFrequency: "MANUAL", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] },
            ]);
            expect(summary(checkStack("ecr-image-scanning", [repo("app-api"), repo("web"), prefix]))).to.deep.equal(["web:advisory"]);
        });
        it("defers when the repository name or the filter is computed; registryScanningElsewhere accepts all", () => {
            const prefix = registry([{ scanFrequency: "SCAN_ON_PUSH", repositoryFilters: [{ filter: "app-*", filterType: "WILDCARD" }] }]);
            expect(cantRun(checkStack("ecr-image-scanning", [{ type: REPOSITORY, name: "r", props: { name: U } }, prefix]))).to.have.length(1);
            expect(checkStack("ecr-image-scanning", [repo("api")], { config: { registryScanningElsewhere: true } })).to.deep.equal([]);
        });
    });

    describe("ecr-encryption-kms", () => {
        const repo = (props: Record<string, unknown>): Res => ({ type: REPOSITORY, name: "repo", props: { name: "app", ...props } });
        it("reports the AES256 default and, with requireCmk, the aws/ecr key", () => {
            expect(checkResource("ecr-encryption-kms", repo({}))[0].message)
                .to.contain('encryptionConfigurations is not set (AES256), expected "KMS"')
                .and.contain("replaced");
            expect(checkResource("ecr-encryption-kms", repo({ encryptionConfigurations: [{ encryptionType: "AES256" }] }))).to.have.length(1);
            expect(checkResource("ecr-encryption-kms", repo({ encryptionConfigurations: [{ encryptionType: "KMS" }] }))).to.deep.equal([]);
            expect(
                checkResource("ecr-encryption-kms", repo({ encryptionConfigurations: [{ encryptionType: "KMS" }] }), { config: { requireCmk: true } })[0]
                    .message,
            ).to.contain("encryptionConfigurations[0].kmsKey is not set");
            expect(
                checkResource(
                    "ecr-encryption-kms",
                    repo({ encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:us-east-1:123456789012:alias/aws/ecr" }] }),
                    {
                        config: { requireCmk: true },
                    },
                ),
            ).to.have.length(1);
            expect(
                checkResource("ecr-encryption-kms", repo({ encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: U }] }), {
                    config: { requireCmk: true },
                }),
            ).to.deep.equal([]);
        });
        it("judges repository creation templates too", () => {
            expect(
                summary(checkResource("ecr-encryption-kms", { type: TEMPLATE, name: "tpl", props: { prefix: "cache", appliedFors: ["PULL_THROUGH_CACHE"] } })),
            ).to.deep.equal(["tpl:advisory"]);
        });
    });

    describe("ecr-policy-not-public", () => {
        const rp = (policy: unknown, type = REPOSITORY_POLICY): Res => ({ type, name: "rp", props: { repository: "app", policy } });
        it("reports Principal * without a narrowing condition, naming the statement (mandatory)", () => {
            const vs = checkResource(
                "ecr-policy-not-public",
                rp(doc({ Sid: "PublicPull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] })),
            );
            expect(summary(vs)).to.deep.equal(["rp:mandatory"]);
            expect(vs[0].message).to.contain('aws.ecr.RepositoryPolicy "rp": policy.Statement[0] (Sid "PublicPull").Principal is "*"');
            const tls = checkResource(
                "ecr-policy-not-public",
                rp({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "ecr:*", Condition: { Bool: { "aws:SecureTransport": "true" } } }],
                }),
            );
            expect(tls[0].message).to.contain("which admits anyone (its Condition does not narrow who");
        });
        it("accepts named accounts, an organization condition, a service principal with aws:SourceArn and Deny statements", () => {
            expect(
                checkResource(
                    "ecr-policy-not-public",
                    rp(
                        doc(
                            { Sid: "Ci", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/ci" }, Action: ["ecr:PutImage"] },
                            {
                                Sid: "Org",
                                Effect: "Allow",
                                Principal: "*",
                                Action: ["ecr:BatchGetImage"],
                                Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
                            },
                            {
                                Sid: "Lambda",
                                Effect: "Allow",
                                Principal: { Service: "lambda.amazonaws.com" },
                                Action: ["ecr:BatchGetImage"],
                                Condition: { StringLike: { "aws:sourceArn": "arn:aws:lambda:us-east-1:123456789012:function:*" } },
                            },
                            { Effect: "Deny", Principal: "*", Action: "ecr:*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
                        ),
                    ),
                ),
            ).to.deep.equal([]);
        });
        it("judges registry policies and creation templates; defers a computed document", () => {
            const open = doc({
                Sid: "Replicate",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: ["ecr:ReplicateImage", "ecr:CreateRepository"],
                Resource: "*",
            });
            expect(checkResource("ecr-policy-not-public", rp(open, REGISTRY_POLICY))[0].message).to.contain(
                'aws.ecr.RegistryPolicy "rp": policy.Statement[0] (Sid "Replicate")',
            );
            expect(
                checkResource("ecr-policy-not-public", {
                    type: TEMPLATE,
                    name: "tpl",
                    props: { prefix: "cache", appliedFors: ["REPLICATION"], repositoryPolicy: open },
                })[0].message,
            ).to.contain("repositoryPolicy.Statement[0]");
            expect(cantRun(checkResource("ecr-policy-not-public", rp(U)))).to.have.length(1);
        });
    });

    describe("eventbridge-bus-not-public", () => {
        const rule = "eventbridge-bus-not-public";
        const bp = (policy: unknown, eventBusName: unknown = "orders"): Res => ({ type: BUS_POLICY, name: "bp", props: { eventBusName, policy } });
        const put = (extra: Record<string, unknown>) => ({
            Effect: "Allow",
            Principal: "*",
            Action: "events:PutEvents",
            Resource: "arn:aws:events:us-east-1:123456789012:event-bus/orders",
            ...extra,
        });
        it("accepts Principal * narrowed to the organization", () => {
            expect(checkResource(rule, bp(doc(put({ Sid: "Org", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }))))).to.deep.equal([]);
        });
        it("reports a transport-only condition and a wildcard SourceArn, naming the statement and the bus (mandatory)", () => {
            const tls = checkResource(rule, bp(doc(put({ Sid: "TlsOnly", Condition: { Bool: { "aws:SecureTransport": "true" } } }))));
            expect(summary(tls)).to.deep.equal(["bp:mandatory"]);
            expect(tls[0].message)
                .to.contain('policy.Statement[0] (Sid "TlsOnly").Principal is "*", which admits anyone (its Condition does not narrow who')
                .and.contain('bus "orders"');
            const arn = checkResource(rule, {
                type: BUS_POLICY,
                name: "bp",
                props: { policy: doc(put({ Sid: "AnyBus", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:events:*:*:*" } } })) },
            });
            expect(arn[0].message).to.contain('Sid "AnyBus"').and.contain('the "default" bus');
        });
        it("reads documents given as objects and the getPolicyDocument rendering", () => {
            expect(check(rule, [bp({ Version: "2012-10-17", Statement: [put({})] })])).to.have.length(1);
            const rendered = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "Partners", Effect: "Allow", Principal: { AWS: ["arn:aws:iam::*:root"] }, Action: "events:PutEvents", Resource: "*" }],
            });
            expect(checkResource(rule, bp(rendered))[0].message).to.contain('Sid "Partners"');
            expect(cantRun(checkResource(rule, bp(U)))).to.have.length(1);
        });
        it("judges aws.cloudwatch.EventPermission: * needs an organization condition", () => {
            const perm = (props: Record<string, unknown>): Res => ({ type: PERMISSION, name: "perm", props: { statementId: "Partners", ...props } });
            const open = checkResource(rule, perm({ principal: "*" }));
            expect(open[0].message).to.contain(
                'principal is "*" with no condition (statementId "Partners"): any AWS account may "events:PutEvents" on the "default" bus',
            );
            expect(
                checkResource(rule, perm({ principal: "*", condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: "o-a1b2c3d4e5" } })),
            ).to.deep.equal([]);
            expect(checkResource(rule, perm({ principal: "*", condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: U } }))).to.deep.equal([]);
            expect(checkResource(rule, perm({ principal: "*", condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: "*" } }))).to.have.length(1);
            expect(checkResource(rule, perm({ principal: "111122223333", eventBusName: "orders" }))).to.deep.equal([]);
            expect(checkResource(rule, perm({ principal: U }))).to.deep.equal([]);
        });
    });
});
