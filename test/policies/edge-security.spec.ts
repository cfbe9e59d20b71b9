// SES (49), OpenSearch Serverless (50-52), WAFv2 (53, 54), Cognito (55, 56).
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("policies: SES", () => {
    const cs = (tlsPolicy?: string): Res => ({
        type: "aws:sesv2/configurationSet:ConfigurationSet",
        name: "mail",
        props: { configurationSetName: "mail", deliveryOptions: tlsPolicy ? { tlsPolicy } : undefined },
    });
    const dest = (types: string[]): Res => ({
        type: "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination",
        name: "events",
        props: {
            configurationSetName: U,
            eventDestinationName: "feedback",
            eventDestination: { enabled: true, matchingEventTypes: types, snsDestination: { topicArn: U } },
        },
        deps: { configurationSetName: ["mail"] },
    });
    const rep = (metricName: string): Res => ({ type: ALARM, name: metricName, props: { namespace: "AWS/SES", metricName, alarmActions: [U] } });
    it("ses-tls-and-reputation reports optional TLS, missing complaint events and reputation alarms, mandatory with unknown names", () => {
        const vs = check("ses-tls-and-reputation", [cs("OPTIONAL"), dest(["BOUNCE"])], { level: "mandatory" });
        expect(vs.map((v) => `${v.level} ${v.message.split(": ")[1].split(" ")[0]}`)).to.deep.equal([
            "mandatory deliveryOptions.tlsPolicy",
            "mandatory (event",
            "mandatory (Reputation.BounceRate",
            "mandatory (Reputation.ComplaintRate",
        ]);
    });
    it("ses-tls-and-reputation accepts REQUIRE TLS, bounce and complaint events and both alarms", () => {
        expect(
            check("ses-tls-and-reputation", [cs("REQUIRE"), dest(["BOUNCE", "COMPLAINT"]), rep("Reputation.BounceRate"), rep("Reputation.ComplaintRate")]),
        ).to.deep.equal([]);
    });
});

describe("policies: OpenSearch Serverless", () => {
    const collection = (dependsOn: string[] = []): Res => ({
        type: "aws:opensearch/serverlessCollection:ServerlessCollection",
        name: "search",
        props: { name: "orders", type: "SEARCH" },
        dependsOn,
    });
    const secPolicy = (name: string, type: string, policy: unknown, deps?: Record<string, string[]>): Res => ({
        type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
        name,
        props: { name, type, policy },
        deps,
    });
    const key: Res = { type: "aws:kms/key:Key", name: "key", props: { enableKeyRotation: true } };
    describe("aoss-encryption-cmk (stack)", () => {
        it("reports a collection with no encryption policy and one with an AWS-owned key", () => {
            expect(summary(check("aoss-encryption-cmk", [collection()], { level: "mandatory" }))).to.deep.equal(["search:mandatory"]);
            const owned = secPolicy(
                "enc",
                "encryption",
                JSON.stringify({ Rules: [{ ResourceType: "collection", Resource: ["collection/orders*"] }], AWSOwnedKey: true }),
            );
            expect(check("aoss-encryption-cmk", [collection(), owned])[0].message).to.contain('ServerlessSecurityPolicy "enc": policy.AWSOwnedKey/KmsARN');
        });
        it("accepts a known CMK document, and an unknown one that depends on a KMS key (mandatory survives unknowns)", () => {
            const cmk = secPolicy(
                "enc",
                "encryption",
                JSON.stringify({
                    Rules: [{ ResourceType: "collection", Resource: ["collection/orders"] }],
                    AWSOwnedKey: false,
                    KmsARN: "arn:aws:kms:us-east-1:1:key/x",
                }),
            );
            expect(check("aoss-encryption-cmk", [collection(), cmk])).to.deep.equal([]);
            const unknownDoc = secPolicy("enc", "encryption", U, { policy: ["key"] });
            expect(check("aoss-encryption-cmk", [key, collection(["enc"]), unknownDoc], { level: "mandatory" })).to.deep.equal([]);
        });
    });
    describe("aoss-network-private (stack)", () => {
        it("reports AllowFromPublic on the collection endpoint", () => {
            const pub = secPolicy(
                "net",
                "network",
                JSON.stringify([{ Rules: [{ ResourceType: "collection", Resource: ["collection/orders"] }], AllowFromPublic: true }]),
            );
            expect(summary(check("aoss-network-private", [collection(), pub], { level: "mandatory" }))).to.deep.equal(["net:mandatory"]);
        });
        it("accepts VPC-only access, and public dashboards-only rules", () => {
            const vpc = secPolicy(
                "net",
                "network",
                JSON.stringify([{ Rules: [{ ResourceType: "collection", Resource: ["collection/orders"] }], AllowFromPublic: false, SourceVPCEs: ["vpce-1"] }]),
            );
            const dash = secPolicy(
                "dash",
                "network",
                JSON.stringify([{ Rules: [{ ResourceType: "dashboard", Resource: ["collection/orders"] }], AllowFromPublic: true }]),
            );
            expect(check("aoss-network-private", [collection(), vpc, dash])).to.deep.equal([]);
        });
    });
    describe("aoss-data-access-least-privilege", () => {
        const access = (doc: unknown): Res => ({
            type: "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
            name: "data",
            props: { type: "data", policy: JSON.stringify(doc) },
        });
        it("reports wildcard principals and aoss:* on index/*/*", () => {
            const vs = checkResource(
                "aoss-data-access-least-privilege",
                access([{ Rules: [{ ResourceType: "index", Resource: ["index/*/*"], Permission: ["aoss:*"] }], Principal: ["*"] }]),
            );
            expect(vs).to.have.length(2);
        });
        it("accepts named principals with named permissions", () => {
            expect(
                checkResource(
                    "aoss-data-access-least-privilege",
                    access([
                        {
                            Rules: [{ ResourceType: "index", Resource: ["index/orders/*"], Permission: ["aoss:ReadDocument", "aoss:WriteDocument"] }],
                            Principal: ["arn:aws:iam::1:role/indexer"],
                        },
                    ]),
                ),
            ).to.deep.equal([]);
        });
    });
});

describe("policies: WAFv2", () => {
    const vis = { cloudwatchMetricsEnabled: true, metricName: "m", sampledRequestsEnabled: true };
    const rules = [
        {
            name: "common",
            priority: 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
            visibilityConfig: vis,
        },
        {
            name: "bad-inputs",
            priority: 2,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
            visibilityConfig: vis,
        },
        { name: "rate", priority: 3, action: { block: {} }, statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } }, visibilityConfig: vis },
    ];
    const acl = (props: Record<string, unknown>): Res => ({
        type: "aws:wafv2/webAcl:WebAcl",
        name: "acl",
        props: { scope: "REGIONAL", defaultAction: { allow: {} }, visibilityConfig: vis, ...props },
    });
    describe("waf-acl-baseline", () => {
        it("reports an empty ACL: both managed groups and the rate rule", () => {
            expect(checkResource("waf-acl-baseline", acl({ rules: [] }))).to.have.length(3);
        });
        it("reports a rule without metrics and reads ruleJson too", () => {
            const r = [...rules.slice(0, 2), { ...rules[2], visibilityConfig: { ...vis, cloudwatchMetricsEnabled: false } }];
            expect(checkResource("waf-acl-baseline", acl({ rules: r }))[0].message).to.contain("rules[2].visibilityConfig.cloudwatchMetricsEnabled is false");
            const json = JSON.stringify([
                {
                    Name: "common",
                    Statement: { ManagedRuleGroupStatement: { Name: "AWSManagedRulesCommonRuleSet", VendorName: "AWS" } },
                    VisibilityConfig: { CloudWatchMetricsEnabled: true },
                },
            ]);
            expect(checkResource("waf-acl-baseline", acl({ ruleJson: json }))).to.have.length(2);
        });
        it("accepts the baseline; the required groups come from config", () => {
            expect(checkResource("waf-acl-baseline", acl({ rules }))).to.deep.equal([]);
            expect(
                checkResource("waf-acl-baseline", acl({ rules }), { config: { requiredManagedRuleGroups: ["AWSManagedRulesSQLiRuleSet"] } })[0].message,
            ).to.contain("AWSManagedRulesSQLiRuleSet");
        });
    });
    describe("waf-logging (stack)", () => {
        it("reports an ACL without logging at mandatory (ARNs unknown) and accepts one with a logging configuration", () => {
            expect(summary(check("waf-logging", [acl({ rules })], { level: "mandatory" }))).to.deep.equal(["acl:mandatory"]);
            const log: Res = {
                type: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
                name: "log",
                props: { resourceArn: U, logDestinationConfigs: [U] },
                deps: { resourceArn: ["acl"] },
            };
            expect(check("waf-logging", [acl({ rules }), log], { level: "mandatory" })).to.deep.equal([]);
        });
    });
});

describe("policies: Cognito", () => {
    const strong = { minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: true };
    const pool = (props: Record<string, unknown>): Res => ({
        type: "aws:cognito/userPool:UserPool",
        name: "users",
        props: { passwordPolicy: strong, mfaConfiguration: "OPTIONAL", ...props },
    });
    describe("cognito-user-pool-hardening", () => {
        it("reports a weak password policy and MFA off", () => {
            const vs = checkResource(
                "cognito-user-pool-hardening",
                pool({ passwordPolicy: { minimumLength: 6, requireSymbols: false }, mfaConfiguration: "OFF" }),
            );
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal([
                "passwordPolicy.minimumLength",
                "passwordPolicy.requireSymbols",
                "mfaConfiguration",
            ]);
        });
        it("accepts OPTIONAL MFA by default; requireMfaOn, threatProtection and minimumPasswordLength come from config", () => {
            expect(checkResource("cognito-user-pool-hardening", pool({}))).to.deep.equal([]);
            expect(checkResource("cognito-user-pool-hardening", pool({}), { config: { requireMfaOn: true } })[0].message).to.contain(
                'mfaConfiguration is "OPTIONAL", expected "ON"',
            );
            expect(
                checkResource("cognito-user-pool-hardening", pool({ mfaConfiguration: "ON" }), { config: { threatProtection: true } })[0].message,
            ).to.contain("userPoolAddOns.advancedSecurityMode");
            expect(
                checkResource("cognito-user-pool-hardening", pool({ mfaConfiguration: "ON", userPoolAddOns: { advancedSecurityMode: "ENFORCED" } }), {
                    config: { threatProtection: true, requireMfaOn: true },
                }),
            ).to.deep.equal([]);
            expect(checkResource("cognito-user-pool-hardening", pool({}), { config: { minimumPasswordLength: 14 } })).to.have.length(1);
        });
    });
    describe("cognito-no-unauth-identities", () => {
        const ip = (allow: boolean): Res => ({
            type: "aws:cognito/identityPool:IdentityPool",
            name: "ids",
            props: { identityPoolName: "guests", allowUnauthenticatedIdentities: allow },
        });
        it("reports guest identities (mandatory) unless allow-listed", () => {
            expect(summary(checkResource("cognito-no-unauth-identities", ip(true)))).to.deep.equal(["ids:mandatory"]);
            expect(checkResource("cognito-no-unauth-identities", ip(true), { config: { allowedUnauthenticatedPools: ["guests"] } })).to.deep.equal([]);
        });
        it("accepts false", () => expect(checkResource("cognito-no-unauth-identities", ip(false))).to.deep.equal([]));
    });
});
