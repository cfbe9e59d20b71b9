import { strict as assert } from "node:assert";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, Inputs, MockRun, Recorded, installMocks, list, statementsBySid, testContext } from "./harness";

const DATA_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/data`;
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;

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

    before(async function () {
        run = installMocks();
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
        new mod.Edge("edge", baseArgs());
        new mod.Edge("cdn", {
            ...baseArgs(),
            alerts: { emails: ["a@example.com"], escalationEmails: ["lead@example.com"], escalationMinutes: 30 },
            shieldAdvanced: true,
            domain: { name: "www.example.com", certificateArn: CERT },
        });
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
        bad({ priceClass: "PriceClass_Cheap" as never }, /argument "priceClass"/);
        bad({ contentSecurityPolicy: "" }, /argument "contentSecurityPolicy"/);
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
