import { strict as assert } from "node:assert";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, Inputs, MockRun, Recorded, installMocks, list, statementsBySid, testContext, valueOf } from "./harness";

const DATA_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/data`;
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
const ZONE = "Z0123456789ABCDEFGHIJ";

const T = {
    provider: "pulumi:providers:aws",
    distribution: "aws:cloudfront/distribution:Distribution",
    oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
    headers: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
    bucket: "aws:s3/bucket:Bucket",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
    acl: "aws:wafv2/webAcl:WebAcl",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    shield: "aws:shield/protection:Protection",
    key: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    certificate: "aws:acm/certificate:Certificate",
    validation: "aws:acm/certificateValidation:CertificateValidation",
    record: "aws:route53/record:Record",
} as const;

type Behaviour = {
    viewerProtocolPolicy: string;
    cachePolicyId: string;
    responseHeadersPolicyId: string;
    originRequestPolicyId?: string;
    targetOriginId: string;
};

describe("Edge component", function () {
    let run: MockRun;
    let mod: typeof import("../../components/edge");
    /** Resource URN -> provider reference (`<provider urn>::<id>`) it was registered with. */
    const providerOf = new Map<string, string>();
    let baseArgs: () => import("../../components/edge").EdgeArgs;
    const edges: Record<string, import("../../components/edge").Edge> = {};

    before(async function () {
        // The stack's default provider settings, which the us-east-1 provider copies (endpoints it must not).
        run = installMocks({
            config: {
                "aws:profile": "platform-deploy",
                "aws:allowedAccountIds": JSON.stringify([ACCOUNT]),
                "aws:defaultTags": JSON.stringify({ tags: { "cost-center": "web" } }),
                "aws:assumeRoles": JSON.stringify([{ roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy` }]),
                "aws:endpoints": JSON.stringify([{ s3: "http://localhost:4566" }]),
            },
        });
        // The harness does not record providers; wrap its monitor once more to see them.
        /* eslint-disable @typescript-eslint/no-explicit-any -- the mock monitor's gRPC messages are untyped */
        const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
            register(req, (err: any, resp: any) => {
                if (!err && resp && req.getProvider()) {
                    providerOf.set(resp.getUrn(), req.getProvider());
                }
                callback(err, resp);
            });
        /* eslint-enable @typescript-eslint/no-explicit-any */
        mod = await import("../../components/edge");
        baseArgs = () => ({
            context: testContext(),
            api: { restApiId: "abc123", stageName: "v1" },
            dataKeyArn: DATA_KEY,
            alerts: { emails: ["a@example.com"], escalationMinutes: 30 },
            wafRateLimit: 1000,
            logRetentionDays: 30,
            fiveXxRatePercent: 5,
        });
        edges.edge = new mod.Edge("edge", baseArgs());
        edges.cdn = new mod.Edge("cdn", {
            ...baseArgs(),
            alerts: { emails: ["a@example.com"], escalationEmails: ["lead@example.com"], escalationMinutes: 30 },
            shieldAdvanced: true,
            domain: { name: "www.example.com", certificateArn: CERT },
        });
        // A custom domain without a certificate: Edge requests one, its validation CNAME left to the operator.
        edges.shop = new mod.Edge("shop", { ...baseArgs(), domain: { name: "shop.example.com" } });
        // ... and with a Route 53 zone, which gets the validation record and the alias records.
        edges.zoned = new mod.Edge("zoned", { ...baseArgs(), domain: { name: "zoned.example.com", hostedZoneId: ZONE } });
        // An own certificate in a Route 53 zone: alias records, nothing to validate.
        edges.owned = new mod.Edge("owned", { ...baseArgs(), domain: { name: "owned.example.com", certificateArn: CERT, hostedZoneId: ZONE } });
        await run.settle();
    });

    const one = (type: string, name: string) => run.one(type, name);
    const dist = (name = "edge") => one(T.distribution, `${name}-distribution`).inputs;
    const behaviours = (name = "edge"): Behaviour[] => [dist(name).defaultCacheBehavior, ...(dist(name).orderedCacheBehaviors as Behaviour[])];
    /** The region of the provider a resource was registered with, or undefined for the default provider. */
    const regionOf = (r: Recorded): string | undefined => {
        const ref = providerOf.get(r.urn);
        if (!ref || ref.includes("::default_")) {
            return undefined;
        }
        const provider = run.ofType(T.provider).find((p) => ref.startsWith(`${p.urn}::`));
        assert.ok(provider, `provider ${ref} was registered`);
        return provider.inputs.region as string;
    };
    const bucketSetting = (type: string, bucket: string): Inputs => {
        const b = one(T.bucket, bucket);
        const found = run.ofType(type).filter((s) => s.propertyDependencies.bucket?.includes(b.urn));
        assert.equal(found.length, 1, `${type} of ${bucket}`);
        return found[0].inputs;
    };

    it("redirects every behaviour to HTTPS and serves index.html at /", function () {
        for (const b of behaviours()) {
            assert.equal(b.viewerProtocolPolicy, "redirect-to-https");
        }
        assert.equal(behaviours().length, 2);
        assert.equal(dist().defaultRootObject, "index.html");
    });

    it("without a custom domain uses the default certificate and no aliases; with one, its ACM certificate at TLSv1.2_2021 over SNI", function () {
        assert.deepEqual(dist().viewerCertificate, { cloudfrontDefaultCertificate: true });
        assert.deepEqual(dist().aliases, []);
        assert.deepEqual(dist("cdn").viewerCertificate, { acmCertificateArn: CERT, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" });
        assert.deepEqual(dist("cdn").aliases, ["www.example.com"]);
    });

    it("with a custom domain and no certificate ARN, requests a DNS-validated certificate in us-east-1 and serves it once issued, at TLSv1.2_2021 over SNI", async function () {
        const certificate = one(T.certificate, "shop-certificate");
        assert.deepEqual(
            [certificate.inputs.domainName, certificate.inputs.validationMethod, certificate.inputs.keyAlgorithm],
            ["shop.example.com", "DNS", mod.CERTIFICATE_KEY_ALGORITHM],
        );
        assert.equal(certificate.inputs.subjectAlternativeNames, undefined, "one name, so one validation record");
        assert.equal(certificate.inputs.tags.environment, "dev");
        assert.equal(regionOf(certificate), "us-east-1");
        const validation = one(T.validation, "shop-certificate-validation");
        assert.equal(regionOf(validation), "us-east-1");
        assert.equal(validation.inputs.certificateArn, `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/shop-certificate-id`);
        assert.deepEqual(validation.propertyDependencies.certificateArn, [certificate.urn]);
        assert.equal(validation.inputs.validationRecordFqdns, undefined, "the operator publishes the record: ACM finds it itself");
        // The distribution takes the ARN from the validation, so CloudFront never gets a pending certificate.
        assert.deepEqual(dist("shop").viewerCertificate, {
            acmCertificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/shop-certificate-id`,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
        });
        assert.deepEqual(one(T.distribution, "shop-distribution").propertyDependencies.viewerCertificate, [validation.urn]);
        assert.deepEqual(dist("shop").aliases, ["shop.example.com"]);
        // The record the operator publishes, as ACM names it but without the trailing dots (like the DKIM records).
        assert.deepEqual(await valueOf(edges.shop.certificateValidationRecords), [
            { name: "_shop-certificate-token.shop.example.com", type: "CNAME", value: "_shop-certificate-value.acm-validations.aws" },
        ]);
        assert.deepEqual(
            run.ofType(T.record).filter((r) => r.name.startsWith("shop-")),
            [],
            "no Route 53 records without a zone",
        );
    });

    it("with a certificate ARN requests no certificate, and without a domain keeps CloudFront's default certificate", async function () {
        assert.deepEqual(
            run.ofType(T.certificate).map((c) => c.name),
            ["shop-certificate", "zoned-certificate"],
        );
        assert.deepEqual(
            run.ofType(T.validation).map((c) => c.name),
            ["shop-certificate-validation", "zoned-certificate-validation"],
        );
        assert.equal(dist("owned").viewerCertificate.acmCertificateArn, CERT);
        assert.deepEqual(dist().viewerCertificate, { cloudfrontDefaultCertificate: true });
        for (const name of ["edge", "cdn", "owned"]) {
            assert.deepEqual(await valueOf(edges[name].certificateValidationRecords), [], name);
        }
    });

    it("with a Route 53 zone, writes the validation record there, validates against it, and points the domain at the distribution (A and AAAA)", function () {
        const certificate = one(T.certificate, "zoned-certificate");
        const record = one(T.record, "zoned-certificate-validation-record");
        assert.deepEqual(
            [record.inputs.zoneId, record.inputs.name, record.inputs.type, record.inputs.records, record.inputs.allowOverwrite],
            [ZONE, "_zoned-certificate-token.zoned.example.com.", "CNAME", ["_zoned-certificate-value.acm-validations.aws."], true],
        );
        assert.deepEqual(record.propertyDependencies.name, [certificate.urn]);
        assert.equal(regionOf(record), undefined, "Route 53 is global: the stack's provider");
        const validation = one(T.validation, "zoned-certificate-validation");
        assert.deepEqual(validation.inputs.validationRecordFqdns, [record.inputs.name]);
        assert.deepEqual(validation.propertyDependencies.validationRecordFqdns, [record.urn]);
        const distribution = one(T.distribution, "zoned-distribution");
        for (const edge of ["zoned", "owned"]) {
            for (const type of ["A", "AAAA"]) {
                const alias = one(T.record, `${edge}-alias-${type.toLowerCase()}`);
                assert.deepEqual([alias.inputs.zoneId, alias.inputs.name, alias.inputs.type], [ZONE, `${edge}.example.com`, type]);
                assert.deepEqual(alias.inputs.aliases, [
                    { name: `${edge}-distribution.cloudfront.net`, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false },
                ]);
            }
        }
        assert.deepEqual(one(T.record, "zoned-alias-a").propertyDependencies.aliases, [distribution.urn]);
        assert.deepEqual(
            run
                .ofType(T.record)
                .map((r) => r.name)
                .sort(),
            ["owned-alias-a", "owned-alias-aaaa", "zoned-alias-a", "zoned-alias-aaaa", "zoned-certificate-validation-record"],
        );
    });

    it("the us-east-1 provider copies the stack's credentials, role, allowed accounts and default tags, but not its regional settings", function () {
        const inputs = one(T.provider, "shop-us-east-1").inputs;
        const parsed = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
        assert.equal(inputs.region, "us-east-1");
        assert.equal(inputs.profile, "platform-deploy");
        assert.deepEqual(parsed(inputs.allowedAccountIds), [ACCOUNT]);
        assert.deepEqual(parsed(inputs.defaultTags), { tags: { "cost-center": "web" } });
        assert.deepEqual(parsed(inputs.assumeRoles), [{ roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy` }]);
        assert.equal(inputs.endpoints, undefined, "endpoints belong to the stack's region");
        assert.equal(regionOf(one(T.distribution, "shop-distribution")), undefined, "the distribution stays on the stack's provider");
    });

    it("reads the site bucket through Origin Access Control and reaches the API stage over TLSv1.2 only", function () {
        const oac = one(T.oac, "edge-oac");
        assert.deepEqual([oac.inputs.originAccessControlOriginType, oac.inputs.signingBehavior, oac.inputs.signingProtocol], ["s3", "always", "sigv4"]);
        const [site, api] = dist().origins as Inputs[];
        assert.equal(site.originId, "site");
        assert.equal(site.originAccessControlId, "edge-oac-id");
        assert.equal(site.s3OriginConfig, undefined, "no origin access identity");
        assert.equal(api.domainName, "abc123.execute-api.eu-west-1.amazonaws.com");
        assert.equal(api.originPath, "/v1");
        assert.equal(api.customOriginConfig.originProtocolPolicy, "https-only");
        assert.deepEqual(api.customOriginConfig.originSslProtocols, ["TLSv1.2"]);
    });

    it("caches the site with CachingOptimized and passes /api/* uncached with every viewer header but Host", function () {
        const [site, api] = behaviours();
        assert.equal(site.cachePolicyId, mod.MANAGED_POLICY_IDS.cachingOptimized);
        assert.equal(site.targetOriginId, "site");
        assert.equal((api as Behaviour & { pathPattern: string }).pathPattern, "/api/*");
        assert.equal(api.targetOriginId, "api");
        assert.equal(api.cachePolicyId, mod.MANAGED_POLICY_IDS.cachingDisabled);
        assert.equal(api.originRequestPolicyId, mod.MANAGED_POLICY_IDS.allViewerExceptHostHeader);
    });

    it("strips /api from the path before the API stage, and only a whole /api segment", function () {
        const fn = one("aws:cloudfront/function:Function", "edge-api-prefix");
        assert.equal(fn.inputs.runtime, "cloudfront-js-2.0");
        const handler = vm.runInNewContext(`${fn.inputs.code as string}; handler`) as (e: { request: { uri: string } }) => { uri: string };
        const uri = (u: string) => handler({ request: { uri: u } }).uri;
        assert.equal(uri("/api/orders/42"), "/orders/42");
        assert.equal(uri("/api"), "/");
        assert.equal(uri("/apiary/x"), "/apiary/x");
        assert.deepEqual((behaviours()[1] as Behaviour & { functionAssociations: unknown[] }).functionAssociations, [
            { eventType: "viewer-request", functionArn: fn.inputs.arn ?? `arn:aws:cloudfront:eu-west-1:${ACCOUNT}:${fn.inputs.name}` },
        ]);
    });

    it("adds HSTS, nosniff, DENY framing, a referrer policy and a CSP to every response", function () {
        const h = one(T.headers, "edge-security-headers");
        const s = h.inputs.securityHeadersConfig;
        assert.equal(s.strictTransportSecurity.accessControlMaxAgeSec >= 31536000, true);
        assert.equal(s.strictTransportSecurity.includeSubdomains, true);
        assert.equal(s.contentTypeOptions.override, true);
        assert.equal(s.frameOptions.frameOption, "DENY");
        assert.equal(s.referrerPolicy.referrerPolicy, "strict-origin-when-cross-origin");
        assert.equal(s.contentSecurityPolicy.contentSecurityPolicy, mod.DEFAULT_CSP);
        for (const b of behaviours()) {
            assert.equal(b.responseHeadersPolicyId, "edge-security-headers-id");
        }
    });

    it("site bucket: public access blocked, KMS with Bucket Keys, versioned, ACLs off, lifecycle, access logs to the log bucket", function () {
        const pab = bucketSetting(T.pab, "edge-site");
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
            assert.equal(pab[flag], true, flag);
        }
        assert.deepEqual(bucketSetting(T.sse, "edge-site").rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: DATA_KEY }, bucketKeyEnabled: true },
        ]);
        assert.equal(bucketSetting(T.versioning, "edge-site").versioningConfiguration.status, "Enabled");
        assert.equal(bucketSetting(T.ownership, "edge-site").rule.objectOwnership, "BucketOwnerEnforced");
        const rule = bucketSetting(T.lifecycle, "edge-site").rules[0];
        assert.equal(rule.abortIncompleteMultipartUpload.daysAfterInitiation, 7);
        assert.equal(rule.noncurrentVersionExpiration.noncurrentDays, 90);
        const logging = run.ofType(T.logging).find((l) => l.name === "edge-site-access-logs");
        assert.ok(logging);
        assert.deepEqual(logging.propertyDependencies.targetBucket, [one(T.bucket, "edge-logs").urn]);
    });

    it("site bucket policy: denies plain HTTP and lets only this distribution read objects", function () {
        const p = run.ofType(T.policy).find((x) => x.name === "edge-site-policy");
        assert.ok(p);
        const s = statementsBySid(p.inputs.policy);
        assert.deepEqual(s.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.equal(s.DenyInsecureTransport.Effect, "Deny");
        assert.deepEqual(s.AllowCloudFrontRead.Principal, { Service: "cloudfront.amazonaws.com" });
        assert.deepEqual(list(s.AllowCloudFrontRead.Action), ["s3:GetObject"]);
        const distribution = one(T.distribution, "edge-distribution");
        assert.deepEqual(s.AllowCloudFrontRead.Condition, {
            ArnEquals: { "aws:SourceArn": `arn:aws:cloudfront:eu-west-1:${ACCOUNT}:${distribution.inputs.name ?? "edge-distribution-abc123"}` },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
        });
        assert.ok(p.propertyDependencies.policy.includes(distribution.urn), "the grant follows the distribution");
    });

    it("log bucket: ACLs kept for CloudFront standard logs, SSE-S3 for S3 access logs, logs expire with retention", function () {
        assert.equal(bucketSetting(T.ownership, "edge-logs").rule.objectOwnership, "BucketOwnerPreferred");
        assert.deepEqual(bucketSetting(T.sse, "edge-logs").rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        assert.equal(bucketSetting(T.lifecycle, "edge-logs").rules[0].expiration.days, 30);
        assert.equal(Object.values(bucketSetting(T.pab, "edge-logs")).filter((v) => v === true).length, 4);
        const s = statementsBySid(run.ofType(T.policy).find((x) => x.name === "edge-logs-policy")?.inputs.policy);
        assert.ok(s.DenyInsecureTransport);
        assert.deepEqual(s.AllowS3AccessLogs.Principal, { Service: "logging.s3.amazonaws.com" });
        // CloudFront standard logs go to the log bucket's domain name (the mock leaves that output unset).
        assert.equal(dist().loggingConfig.prefix, "cloudfront/");
        assert.equal(dist().loggingConfig.includeCookies, false);
        assert.deepEqual(one(T.distribution, "edge-distribution").propertyDependencies.loggingConfig, [one(T.bucket, "edge-logs").urn]);
        assert.equal(run.ofType(T.logging).filter((l) => l.propertyDependencies.bucket?.includes(one(T.bucket, "edge-logs").urn)).length, 0);
    });

    it("attaches a CLOUDFRONT-scope web ACL built in us-east-1 with the managed groups and rate rule", function () {
        const acl = one(T.acl, "edge-waf-acl");
        assert.equal(acl.inputs.scope, "CLOUDFRONT");
        assert.equal(regionOf(acl), "us-east-1");
        const groups = (acl.inputs.rules as { statement: { managedRuleGroupStatement?: { name: string } } }[]).flatMap(
            (r) => r.statement.managedRuleGroupStatement?.name ?? [],
        );
        assert.ok(groups.includes("AWSManagedRulesCommonRuleSet") && groups.includes("AWSManagedRulesKnownBadInputsRuleSet"));
        assert.deepEqual(one(T.distribution, "edge-distribution").propertyDependencies.webAclId, [acl.urn]);
        assert.equal(regionOf(one(T.logGroup, "edge-waf-logs")), "us-east-1");
        const provider = one(T.provider, "edge-us-east-1");
        assert.equal(provider.parentUrn, run.resources.find((r) => r.type === "platform:edge:Edge" && r.name === "edge")?.urn);
    });

    it("the site bucket and distribution stay on the stack's provider", function () {
        assert.equal(regionOf(one(T.bucket, "edge-site")), undefined);
        assert.equal(regionOf(one(T.distribution, "edge-distribution")), undefined);
    });

    it("warns on the global WAF's blocked share in us-east-1, without a Region dimension, on the us-east-1 warning topic", function () {
        const alarm = one(T.alarm, "edge-waf-blocked-rate");
        assert.equal(regionOf(alarm), "us-east-1");
        const queries = alarm.inputs.metricQueries as { id: string; metric?: { dimensions: Record<string, string> } }[];
        assert.deepEqual(queries.find((q) => q.id === "blocked")?.metric?.dimensions, { WebACL: "platform-dev-global-edge-waf-acl", Rule: "ALL" });
        assert.equal(alarm.inputs.threshold, 20, "the default share");
        assert.deepEqual(alarm.propertyDependencies.alarmActions, [one("aws:sns/topic:Topic", "edge-alerts-warning").urn]);
    });

    it("alarms on 5xxErrorRate (Region Global) in us-east-1, routed to a critical topic in us-east-1", function () {
        const alarm = one(T.alarm, "edge-5xx-rate");
        assert.equal(alarm.inputs.namespace, "AWS/CloudFront");
        assert.equal(alarm.inputs.metricName, "5xxErrorRate");
        assert.equal(alarm.inputs.dimensions.Region, "Global");
        assert.equal(alarm.inputs.threshold, 5);
        assert.ok(alarm.propertyDependencies.dimensions.includes(one(T.distribution, "edge-distribution").urn));
        assert.equal(regionOf(alarm), "us-east-1");
        const topic = one(T.topic, "edge-alerts-critical");
        assert.deepEqual(alarm.propertyDependencies.alarmActions, [topic.urn]);
        assert.equal(topic.inputs.tags.severity, "critical");
        assert.equal(regionOf(topic), "us-east-1");
        assert.equal(topic.inputs.kmsMasterKeyId, `arn:aws:kms:eu-west-1:${ACCOUNT}:key/edge-global-keys-messaging-key-key-id`);
        assert.equal(regionOf(one(T.key, "edge-global-keys-messaging-key")), "us-east-1");
    });

    it("has an escalation topic in us-east-1 for its escalated warnings, reaching alerts.escalationEmails (or the mailboxes without any)", function () {
        const subscribers = (topicName: string) =>
            run
                .ofType("aws:sns/topicSubscription:TopicSubscription")
                .filter((s) => s.propertyDependencies.topic?.[0] === one(T.topic, topicName).urn)
                .map((s) => s.inputs.endpoint);
        for (const edge of ["edge", "cdn"]) {
            const topic = one(T.topic, `${edge}-alerts-escalation`);
            assert.equal(topic.inputs.tags.severity, "escalation");
            assert.equal(regionOf(topic), "us-east-1");
            const twin = one(T.alarm, `${edge}-alerts-critical-delivery-failures-escalated`);
            assert.deepEqual(twin.propertyDependencies.alarmActions, [topic.urn]);
            assert.equal(regionOf(twin), "us-east-1");
        }
        assert.deepEqual(subscribers("cdn-alerts-escalation"), ["lead@example.com"]);
        assert.deepEqual(subscribers("cdn-alerts-critical"), ["a@example.com"]);
        assert.deepEqual(subscribers("edge-alerts-escalation"), ["a@example.com"]);
    });

    it("protects the distribution with Shield Advanced only when switched on", function () {
        const shields = run.ofType(T.shield);
        assert.equal(shields.length, 1);
        assert.equal(shields[0].name, "cdn-shield");
        assert.deepEqual(shields[0].propertyDependencies.resourceArn, [one(T.distribution, "cdn-distribution").urn]);
        assert.equal(regionOf(shields[0]), "us-east-1");
    });

    it("validates arguments, naming the argument", function () {
        const bad = (patch: Partial<import("../../components/edge").EdgeArgs>, re: RegExp) =>
            assert.throws(() => new mod.Edge("bad", { ...baseArgs(), ...patch }), re);
        bad({ fiveXxRatePercent: 0 }, /Edge: argument "fiveXxRatePercent" is 0; allowed: a whole number from 1 to 100/);
        bad({ wafRateLimit: 10 }, /argument "wafRateLimit" is 10/);
        bad({ alerts: { emails: [], escalationMinutes: 30 } }, /argument "alerts.emails" is \[\]/);
        bad(
            { domain: { name: "www.example.com", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" } },
            /argument "domain.certificateArn" .*us-east-1/,
        );
        bad({ domain: { name: "Not A Domain", certificateArn: CERT } }, /argument "domain.name" is "Not A Domain"/);
        bad({ domain: { name: "shop.example.com." } }, /argument "domain.name" is "shop.example.com."/);
        bad({ domain: { name: "shop.example.com", certificateArn: "" } }, /argument "domain.certificateArn" is ""; .*or none to have Edge request one/);
        bad(
            { domain: { name: "shop.example.com", hostedZoneId: "/hostedzone/Z0123" } },
            /argument "domain.hostedZoneId" is "\/hostedzone\/Z0123"; allowed: a Route 53 hosted zone id/,
        );
        bad({ priceClass: "PriceClass_Cheap" as never }, /argument "priceClass"/);
        bad({ contentSecurityPolicy: "" }, /argument "contentSecurityPolicy"/);
    });
});

describe("Edge: a requested certificate ACM has not issued yet", function () {
    it("prints the validation record on the certificate, since stack outputs appear only once `pulumi up` ends", async function () {
        const run = installMocks({
            state: (type, _name, state) => (type === "aws:acm/certificate:Certificate" ? { ...state, status: "PENDING_VALIDATION" } : state),
        });
        const logged: { message: string; resource?: pulumi.Resource }[] = [];
        const info = pulumi.log.info;
        pulumi.log.info = async (message, resource) => void logged.push({ message, resource });
        try {
            const { Edge } = await import("../../components/edge");
            const args = {
                context: testContext(),
                api: { restApiId: "abc123", stageName: "v1" },
                dataKeyArn: DATA_KEY,
                alerts: { emails: ["a@example.com"], escalationMinutes: 30 },
                wafRateLimit: 1000,
                logRetentionDays: 30,
                fiveXxRatePercent: 5,
            };
            new Edge("pending", { ...args, domain: { name: "pending.example.com" } });
            // With a Route 53 zone the stack writes the record itself: nothing to tell the operator.
            new Edge("pending-zoned", { ...args, domain: { name: "zoned.example.com", hostedZoneId: ZONE } });
            await run.settle();
        } finally {
            pulumi.log.info = info;
        }
        assert.deepEqual(
            logged.map((l) => l.message),
            [
                "ACM validates pending.example.com by DNS: publish _pending-certificate-token.pending.example.com CNAME _pending-certificate-value.acm-validations.aws " +
                    "(stack output edgeCertificateValidationRecords); the distribution waits until ACM has issued the certificate",
            ],
        );
        assert.ok(logged[0].resource instanceof pulumi.CustomResource);
    });
});

describe("Encryption: CloudFront on the data key", function () {
    it("lets CloudFront decrypt with the data key only for the listed distributions of this account", async function () {
        const { Encryption } = await import("../../components/encryption");
        const { distributionArnPattern } = await import("../../components/edge");
        const run = installMocks();
        const ctx = testContext();
        new Encryption("cf-keys", { context: ctx, cloudFrontSourceArns: [distributionArnPattern(ctx)] });
        await run.settle();
        const s = statementsBySid(run.one("aws:kms/key:Key", "cf-keys-data-key").inputs.policy);
        assert.deepEqual(s.AllowCloudFrontOac.Principal, { Service: "cloudfront.amazonaws.com" });
        assert.deepEqual(list(s.AllowCloudFrontOac.Action), ["kms:Decrypt"]);
        assert.deepEqual(s.AllowCloudFrontOac.Condition, {
            ArnLike: { "aws:SourceArn": [`arn:aws:cloudfront::${ACCOUNT}:distribution/*`] },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
        });
        for (const cls of ["logs", "messaging"]) {
            assert.equal(statementsBySid(run.one("aws:kms/key:Key", `cf-keys-${cls}-key`).inputs.policy).AllowCloudFrontOac, undefined, cls);
        }
    });
});

describe("SecureBucket and Firewall arguments", function () {
    it("refuse loosened defaults without a reason, and a CLOUDFRONT ACL outside us-east-1", async function () {
        const { SecureBucket } = await import("../../components/secure-bucket");
        const { Firewall } = await import("../../components/firewall");
        const ctx = testContext();
        const logs = { targetBucket: "logs", targetPrefix: "s3/x/" };
        assert.throws(
            () => new SecureBucket("b1", { context: ctx, accessLogs: logs }),
            /SecureBucket: argument "kmsKeyArn" .*exactly one of kmsKeyArn and sseS3Reason/,
        );
        assert.throws(
            () => new SecureBucket("b2", { context: ctx, kmsKeyArn: DATA_KEY }),
            /argument "accessLogs" .*exactly one of accessLogs and accessLogsExemptReason/,
        );
        assert.throws(
            () => new SecureBucket("b3", { context: ctx, kmsKeyArn: DATA_KEY, accessLogs: logs, objectOwnership: "BucketOwnerPreferred" }),
            /argument "aclReason"/,
        );
        assert.throws(
            () =>
                new SecureBucket("b4", {
                    context: ctx,
                    kmsKeyArn: DATA_KEY,
                    accessLogs: logs,
                    grants: [{ sid: "Read", service: "cloudfront.amazonaws.com", actions: ["s3:*"], sourceArn: "arn" }],
                }),
            /argument "grants.actions"/,
        );
        const b5 = new SecureBucket("b5", { context: ctx, kmsKeyArn: DATA_KEY, accessLogs: logs });
        assert.throws(() => b5.attachPolicy([]), /argument "grantsLater" is false/);
        assert.throws(
            () => new Firewall("fw", { context: ctx, scope: "CLOUDFRONT", rateLimit: 1000, logRetentionDays: 30, logsKeyArn: DATA_KEY }),
            /Firewall: argument "context.region" is "eu-west-1"; allowed for scope CLOUDFRONT: us-east-1/,
        );
    });
});
