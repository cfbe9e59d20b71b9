import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { createAlarm } from "./alarms";
import { Alerting } from "./alerting";
import { PlatformContext, arn } from "./context";
import { Encryption } from "./encryption";
import { Firewall } from "./firewall";
import { SecureBucket } from "./secure-bucket";

/** CloudFront's managed policies (fixed ids AWS publishes; looking them up would only add invokes). */
export const MANAGED_POLICY_IDS = {
    /** Cache policy `Managed-CachingOptimized`. */
    cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    /** Cache policy `Managed-CachingDisabled`. */
    cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    /** Origin request policy `Managed-AllViewerExceptHostHeader`: API Gateway needs its own Host. */
    allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
} as const;

/** The only region where CloudFront's certificates, global web ACLs, metrics and Shield live. */
export const GLOBAL_REGION = "us-east-1";

/** A same-origin single-page app calling `/api/*`: nothing loads from elsewhere, nothing frames it. */
export const DEFAULT_CSP =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests";

/** Path prefix routed to the API; stripped before the request reaches the stage. */
export const API_PATH = "/api";

// CloudFront Functions run this JavaScript at the edge on each /api/* request: `/api/orders` reaches
// the stage as `/orders`. A fixed string, not a serialized closure.
export const STRIP_API_PREFIX = `function handler(event) {
    var request = event.request;
    request.uri = request.uri.replace(/^\\/api(?=\\/|$)/, "") || "/";
    return request;
}
`;

/**
 * The `aws:SourceArn` under which the data key admits CloudFront (Encryption's
 * `cloudFrontSourceArns`): the distributions of this account. Why not the one distribution's ARN:
 * the key is created first and everything stored with it (table, functions, buckets) depends on it,
 * so naming the distribution in the key policy would make all of that wait for CloudFront. Which
 * distribution may read is pinned exactly by the site bucket's policy (`aws:SourceArn` = this
 * distribution); CloudFront can only ask KMS to decrypt objects S3 has already let it read.
 */
export function distributionArnPattern(ctx: PlatformContext): pulumi.Output<string> {
    return arn(ctx, "cloudfront", "distribution/*", { global: true });
}

const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE = /^arn:aws:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/;
const HOSTED_ZONE = /^Z[0-9A-Z]{1,31}$/;

/**
 * Key algorithm of the certificate Edge requests. RSA 2048 rather than ECDSA P-256: every viewer and
 * every CloudFront feature takes it, and the TLS policy, not the key, is what the pack judges. A team
 * that wants the smaller, faster ECDSA handshake sets `keyAlgorithm: "EC_prime256v1"` through the
 * `certificate` transform (CloudFront accepts P-256, not P-384).
 */
export const CERTIFICATE_KEY_ALGORITHM = "RSA_2048";

/** One DNS record an operator publishes so ACM can validate the certificate Edge requested. */
export interface CertificateValidationRecord {
    /** Record name, `_<token>.<domain>` (no trailing dot, like the DKIM records). */
    name: string;
    /** ACM validates by DNS with CNAME records only. */
    type: "CNAME";
    /** Record value, `_<token>.<id>.acm-validations.aws`. */
    value: string;
}

/**
 * The settings of the stack's default AWS provider (its `aws:` config) that Edge's own us-east-1
 * provider copies, so it acts as the same identity, in the same account, with the same tags: who
 * (profile, credential files, keys, assumed roles), which accounts (allowed, forbidden), which tags
 * (default and ignored), how it retries and how it reaches AWS (proxies, CA bundle). Not what is bound
 * to the stack's region (`region`, `endpoints`, `stsRegion`, FIPS and dual-stack endpoints,
 * `skipRegionValidation`): those stay the us-east-1 defaults. An explicit provider reads none of the
 * stack's `aws:` config by itself, only the environment (AWS_PROFILE and the like), so without this
 * copy a stack configured through `aws:profile` or `aws:assumeRoles` would deploy its us-east-1 half
 * with other credentials, or none.
 */
export const INHERITED_PROVIDER_SETTINGS = {
    accessKey: "secret",
    secretKey: "secret",
    token: "secret",
    profile: "string",
    sharedConfigFiles: "json",
    sharedCredentialsFiles: "json",
    assumeRoles: "json",
    assumeRoleWithWebIdentity: "json",
    allowedAccountIds: "json",
    forbiddenAccountIds: "json",
    defaultTags: "json",
    ignoreTags: "json",
    maxRetries: "json",
    retryMode: "string",
    skipCredentialsValidation: "json",
    skipMetadataApiCheck: "json",
    skipRequestingAccountId: "json",
    httpProxy: "string",
    httpsProxy: "string",
    noProxy: "string",
    customCaBundle: "string",
    insecure: "json",
} as const satisfies { [K in keyof aws.ProviderArgs]?: "string" | "secret" | "json" };

/**
 * Arguments of a provider for `region` that shares the stack's default provider settings listed in
 * {@link INHERITED_PROVIDER_SETTINGS}: each `aws:` key the stack sets, read as the default provider
 * reads it (secrets stay secret).
 */
export function inheritedProviderArgs(region: string, config: pulumi.Config = new pulumi.Config("aws")): aws.ProviderArgs {
    const out: Record<string, unknown> = {};
    for (const [key, kind] of Object.entries(INHERITED_PROVIDER_SETTINGS)) {
        const value = kind === "secret" ? config.getSecret(key) : kind === "json" ? config.getObject<unknown>(key) : config.get(key);
        if (value !== undefined) {
            out[key] = value;
        }
    }
    return { ...out, region };
}

export interface EdgeArgs extends ComponentOptions<EdgeChildren> {
    /** Account, region and naming facts of the stack. */
    context: PlatformContext;
    /** The REST API stage behind `/api/*` (a REGIONAL endpoint): its id and stage name. */
    api: { restApiId: pulumi.Input<string>; stageName: pulumi.Input<string> };
    /** ARN of the customer-managed key the site bucket is encrypted with (the data key). */
    dataKeyArn: pulumi.Input<string>;
    /**
     * Who the edge alarms reach. CloudFront metrics exist only in us-east-1, and an alarm can only
     * notify a topic of its own region, so the edge has its own severity and escalation topics there,
     * subscribed to the same mailboxes and pager as the stack's.
     */
    alerts: {
        /** Mailboxes subscribed to every us-east-1 severity topic. */
        emails: string[];
        /**
         * Mailboxes of the escalated tier, subscribed to the us-east-1 escalation topic.
         * @default [] : `emails`, as for the stack's own Alerting
         */
        escalationEmails?: string[];
        /** On-call pager subscribed to `critical` and the escalation topic (a secret). @default none */
        pagerUrl?: pulumi.Input<string>;
        /** Whether `pagerUrl` holds an endpoint. @default false */
        hasPager?: boolean;
        /** Minutes before a warning escalates to the escalation topic (5 to 1440). */
        escalationMinutes: number;
    };
    /** Requests per 5 minutes from one IP address before the global WAF blocks it (100 to 2000000000). */
    wafRateLimit: number;
    /**
     * Share of the global WAF's requests blocked (percent, 1 to 100, in 3 of 5 minutes) that raises
     * its blocking-spike warning, on the us-east-1 topics.
     * @default 20
     */
    wafBlockedRatePercent?: number;
    /** Days WAF logs and CloudFront/S3 access logs are kept. */
    logRetentionDays: number;
    /** Share of requests answered 5xx (percent, 1 to 100) that raises the critical 5xx alarm. */
    fiveXxRatePercent: number;
    /**
     * Protect the distribution with Shield Advanced (the account must subscribe to it).
     * @default false
     */
    shieldAdvanced?: boolean;
    /**
     * A custom domain the distribution answers on (its alias), served at TLSv1.2_2021 over SNI with an
     * ACM certificate in us-east-1: `certificateArn`, or one Edge requests and validates by DNS.
     * @default none: the distribution's cloudfront.net name with CloudFront's default certificate,
     * which negotiates TLSv1 whatever `minimumProtocolVersion` says (policy rule 24 reports it)
     * @example
     * // Edge requests the certificate; publish `certificateValidationRecords` for `pulumi up` to finish.
     * domain: { name: "shop.example.com" }
     * // Or with Route 53: Edge writes the validation record and the alias A/AAAA records itself.
     * domain: { name: "shop.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }
     */
    domain?: {
        /** Lower-case DNS name, e.g. `shop.example.com`. */
        name: string;
        /**
         * ARN of an existing ACM certificate for `name`, in us-east-1 (the only region CloudFront takes
         * certificates from).
         * @default none: Edge requests a certificate for `name` in us-east-1 (DNS validation, RSA 2048)
         * and the distribution waits until ACM has issued it; its validation CNAME is
         * `certificateValidationRecords`, which the domain's DNS must publish (unless `hostedZoneId`)
         * and keep, so ACM can renew the certificate
         */
        certificateArn?: string;
        /**
         * Route 53 hosted zone holding `name`. Edge then creates the requested certificate's validation
         * record and `name`'s alias A and AAAA records, pointing at the distribution, in that zone
         * (through the stack's provider: Route 53 is global).
         * @default none: the operator publishes the validation record and points `name` at `domainName`
         */
        hostedZoneId?: string;
    };
    /**
     * Content-Security-Policy of every response.
     * @default DEFAULT_CSP (same-origin only)
     */
    contentSecurityPolicy?: string;
    /**
     * Edge locations CloudFront serves from.
     * @default "PriceClass_100" (North America and Europe: cheapest)
     */
    priceClass?: (typeof PRICE_CLASSES)[number];
    /**
     * Pulumi `protect` on the buckets and the us-east-1 keys.
     * @default false
     */
    protect?: boolean;
}

/** The kinds of child resources Edge creates, and the arguments a `transform` of each may edit. */
export interface EdgeChildren extends ChildKinds {
    certificate: aws.acm.CertificateArgs;
    certificateValidation: aws.acm.CertificateValidationArgs;
    distribution: aws.cloudfront.DistributionArgs;
    function: aws.cloudfront.FunctionArgs;
    metricAlarm: aws.cloudwatch.MetricAlarmArgs;
    originAccessControl: aws.cloudfront.OriginAccessControlArgs;
    protection: aws.shield.ProtectionArgs;
    record: aws.route53.RecordArgs;
    responseHeadersPolicy: aws.cloudfront.ResponseHeadersPolicyArgs;
}
const EDGE_CHILD_KINDS = [
    "certificate",
    "certificateValidation",
    "distribution",
    "function",
    "metricAlarm",
    "originAccessControl",
    "protection",
    "record",
    "responseHeadersPolicy",
] as const;

/**
 * The content-delivery front: a CloudFront distribution serving a private S3 site bucket through
 * Origin Access Control and routing `/api/*` to the REST API stage, HTTPS only, with security
 * headers, a global WAF web ACL, access logs, a 5xx alarm and optionally Shield Advanced.
 *
 * What CloudFront requires in us-east-1 (web ACL, its log group and key, the 5xx alarm, the topics
 * the alarm notifies, Shield, a custom domain's certificate) is created through an explicit us-east-1
 * provider, a child of this component that copies the stack's default provider settings
 * ({@link INHERITED_PROVIDER_SETTINGS}: credentials, assumed roles, allowed accounts, default tags);
 * the buckets stay in the stack's region.
 */
export class Edge extends Component<EdgeChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** Id of the distribution. */
    public readonly distributionId: pulumi.Output<string>;
    /** ARN of the distribution. */
    public readonly distributionArn: pulumi.Output<string>;
    /** `dxxxx.cloudfront.net`: where a custom domain's DNS record points. */
    public readonly domainName: pulumi.Output<string>;
    /** Name of the site bucket the release pipeline uploads to. */
    public readonly siteBucketName: pulumi.Output<string>;
    /** Name of the bucket holding CloudFront and S3 access logs. */
    public readonly logBucketName: pulumi.Output<string>;
    /** ARN of the global (CLOUDFRONT scope) web ACL. */
    public readonly webAclArn: pulumi.Output<string>;
    /** CloudWatch metric name of the global web ACL (its `WebACL` dimension, in us-east-1). */
    public readonly webAclMetricName: string;
    /** ARN of each us-east-1 severity topic the edge alarms notify. */
    public readonly alertTopicArns: Alerting["topicArns"];
    /**
     * The CNAME records the custom domain's DNS must publish for ACM to issue (and later renew) the
     * certificate Edge requested; empty without a custom domain or with `domain.certificateArn`.
     */
    public readonly certificateValidationRecords: pulumi.Output<CertificateValidationRecord[]>;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:Edge", "Edge", name, EDGE_CHILD_KINDS, args, opts);
        this.checkInt("wafRateLimit", args.wafRateLimit, 100, 2000000000);
        this.checkInt("logRetentionDays", args.logRetentionDays, 1, 3653);
        this.checkInt("fiveXxRatePercent", args.fiveXxRatePercent, 1, 100);
        this.checkInt("alerts.escalationMinutes", args.alerts.escalationMinutes, 5, 1440);
        if (args.alerts.emails.length === 0) {
            this.invalid("alerts.emails", args.alerts.emails, "allowed: at least one email address, so the edge alarms reach someone");
        }
        if (args.domain !== undefined) {
            if (!DOMAIN.test(args.domain.name)) {
                this.invalid("domain.name", args.domain.name, "allowed: a lower-case DNS name such as www.example.com");
            }
            if (args.domain.certificateArn !== undefined && !CERTIFICATE.test(args.domain.certificateArn)) {
                this.invalid(
                    "domain.certificateArn",
                    args.domain.certificateArn,
                    "allowed: an ACM certificate ARN in us-east-1 (the only region CloudFront takes certificates from), or none to have Edge request one",
                );
            }
            if (args.domain.hostedZoneId !== undefined && !HOSTED_ZONE.test(args.domain.hostedZoneId)) {
                this.invalid("domain.hostedZoneId", args.domain.hostedZoneId, "allowed: a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or none");
            }
        }
        const priceClass = args.priceClass ?? "PriceClass_100";
        if (!PRICE_CLASSES.includes(priceClass)) {
            this.invalid("priceClass", priceClass, `allowed: ${PRICE_CLASSES.join(", ")}`);
        }
        const csp = args.contentSecurityPolicy ?? DEFAULT_CSP;
        if (csp.trim() === "" || /[\r\n]/.test(csp)) {
            this.invalid("contentSecurityPolicy", csp, "allowed: a non-empty, single-line Content-Security-Policy");
        }
        const ctx = args.context;
        const protect = args.protect ?? false;
        const prefix = `${ctx.namePrefix}-${name}`;

        // --- us-east-1: everything CloudFront only takes from there --------------------------------
        const global = new aws.Provider(`${name}-${GLOBAL_REGION}`, inheritedProviderArgs(GLOBAL_REGION), { parent: this });
        const inGlobal = { parent: this, providers: [global] };
        // Same account and tags; names carry `-global` so they never clash with the stack's own when
        // the stack itself deploys to us-east-1.
        const globalCtx: PlatformContext = { ...ctx, region: GLOBAL_REGION, namePrefix: `${ctx.namePrefix}-global` };
        // KMS keys are regional: the WAF log group and the alarm topics there need keys there.
        const globalKeys = new Encryption(`${name}-global-keys`, { context: globalCtx, protect }, inGlobal);
        // SNS topics are regional and a CloudWatch alarm only notifies topics of its own region. The
        // alternative (EventBridge forwarding alarm state changes to the stack's region) would still
        // need a topic here for the alarm's own action, so the edge gets the same three severity
        // topics and escalation topic, with the same subscribers and delivery-failure alarms, in us-east-1.
        const alerting = new Alerting(
            `${name}-alerts`,
            {
                context: globalCtx,
                kmsKeyArn: globalKeys.messagingKeyArn,
                emails: args.alerts.emails,
                escalationEmails: args.alerts.escalationEmails,
                pagerUrl: args.alerts.pagerUrl,
                hasPager: args.alerts.hasPager,
                escalationMinutes: args.alerts.escalationMinutes,
            },
            inGlobal,
        );
        // The same managed rule groups and rate rule as the API's regional ACL.
        const firewall = new Firewall(
            `${name}-waf`,
            {
                context: globalCtx,
                scope: "CLOUDFRONT",
                rateLimit: args.wafRateLimit,
                logRetentionDays: args.logRetentionDays,
                logsKeyArn: globalKeys.logsKeyArn,
                blockedAlarm: { routing: alerting.routing, ratePercent: args.wafBlockedRatePercent ?? 20 },
            },
            inGlobal,
        );

        // --- Buckets, in the stack's region -----------------------------------------------------------
        // Logging choice (policy rules 28 and 31-35): rule 28 (`cf-logging`) accepts CloudFront's
        // standard logs (`loggingConfig.bucket`), not the v2 CloudWatch Logs delivery, and standard logs
        // reach S3 only through an ACL grant to the awslogsdelivery account, which CloudFront adds
        // itself when the distribution is created. So the log bucket keeps ACLs working
        // (BucketOwnerPreferred): its ownership controls carry a reviewed exemption from rule 32 in
        // policies/config/*.json. It also receives the site bucket's S3 server access logs, which S3
        // only delivers to SSE-S3 buckets (rule 33 accepts that for log targets; rule 34 exempts log
        // targets). Everything else (public access block, TLS-only policy, versioning, lifecycle) holds.
        const logs = new SecureBucket(
            `${name}-logs`,
            {
                context: ctx,
                sseS3Reason: "S3 server access logs are delivered only to buckets encrypted with SSE-S3.",
                objectOwnership: "BucketOwnerPreferred",
                aclReason: "CloudFront standard logs are written through an ACL grant to the awslogsdelivery account.",
                accessLogsExemptReason: "This is the log bucket: logging its own access would log forever.",
                grantsLater: true,
                expireAfterDays: args.logRetentionDays,
                noncurrentVersionDays: 7,
                protect,
            },
            { parent: this },
        );
        const site = new SecureBucket(
            `${name}-site`,
            {
                context: ctx,
                kmsKeyArn: args.dataKeyArn,
                accessLogs: { targetBucket: logs.bucketName, targetPrefix: `s3/${name}-site/` },
                grantsLater: true,
                protect,
            },
            { parent: this },
        );

        // --- Distribution --------------------------------------------------------------------------
        const oac = this.create(
            "originAccessControl",
            aws.cloudfront.OriginAccessControl,
            `oac`,
            {
                name: `${prefix}-site`,
                description: `${prefix} site bucket`,
                originAccessControlOriginType: "s3",
                signingBehavior: "always",
                signingProtocol: "sigv4",
            },
            { parent: this },
        );
        const headers = this.create(
            "responseHeadersPolicy",
            aws.cloudfront.ResponseHeadersPolicy,
            `security-headers`,
            {
                name: `${prefix}-security-headers`,
                comment: "HSTS, nosniff, no framing, strict referrer, CSP",
                securityHeadersConfig: {
                    strictTransportSecurity: { accessControlMaxAgeSec: 63072000, includeSubdomains: true, preload: true, override: true },
                    contentTypeOptions: { override: true },
                    frameOptions: { frameOption: "DENY", override: true },
                    referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
                    contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
                },
            },
            { parent: this },
        );
        const stripApiPrefix = this.create(
            "function",
            aws.cloudfront.Function,
            `api-prefix`,
            {
                name: `${prefix}-api-prefix`,
                runtime: "cloudfront-js-2.0",
                comment: `Strips ${API_PATH} before the API stage`,
                publish: true,
                code: STRIP_API_PREFIX,
            },
            { parent: this },
        );

        // --- The custom domain's certificate, in us-east-1 -----------------------------------------------
        const domain = args.domain;
        let certificateArn: pulumi.Input<string> | undefined = domain?.certificateArn;
        let validationRecords: pulumi.Output<CertificateValidationRecord[]> = pulumi.output([]);
        if (domain !== undefined && domain.certificateArn === undefined) {
            const certificate = this.create(
                "certificate",
                aws.acm.Certificate,
                `certificate`,
                {
                    domainName: domain.name,
                    validationMethod: "DNS",
                    keyAlgorithm: CERTIFICATE_KEY_ALGORITHM,
                    options: { certificateTransparencyLoggingPreference: "ENABLED" },
                    tags: ctx.tags,
                },
                { parent: this, provider: global },
            );
            // One domain, no alternative names: ACM asks for exactly one CNAME.
            const option = certificate.domainValidationOptions.apply((options) => (options ?? []).find((o) => o.domainName === domain.name));
            validationRecords = certificate.domainValidationOptions.apply((options) =>
                (options ?? []).map((o) => ({ name: withoutDot(o.resourceRecordName), type: "CNAME" as const, value: withoutDot(o.resourceRecordValue) })),
            );
            // Stack outputs are written only when `pulumi up` ends, and it cannot end before the record is
            // published (the validation below waits for it), so the record is also printed on the
            // certificate as soon as ACM has named it, while the certificate is not yet issued.
            pulumi.all([validationRecords, certificate.status]).apply(([records, status]) => {
                if (domain.hostedZoneId === undefined && status !== "ISSUED" && records.length > 0) {
                    const list = records.map((r) => `${r.name} CNAME ${r.value}`).join("; ");
                    void pulumi.log.info(
                        `ACM validates ${domain.name} by DNS: publish ${list} (stack output edgeCertificateValidationRecords); the distribution waits until ACM has issued the certificate`,
                        certificate,
                    );
                }
            });
            let validationFqdns: pulumi.Input<string>[] | undefined;
            if (domain.hostedZoneId !== undefined) {
                // ACM gives one domain the same CNAME in an account whichever certificate asks, so a record
                // an earlier certificate for this name left behind is this record: overwrite it.
                const record = this.create(
                    "record",
                    aws.route53.Record,
                    `certificate-validation-record`,
                    {
                        zoneId: domain.hostedZoneId,
                        name: option.apply((o) => o?.resourceRecordName ?? ""),
                        type: "CNAME",
                        records: [option.apply((o) => o?.resourceRecordValue ?? "")],
                        ttl: 300,
                        allowOverwrite: true,
                    },
                    { parent: this },
                );
                validationFqdns = [record.fqdn];
            }
            // Not a resource in AWS: it waits (up to 75 minutes) until ACM has issued the certificate, so
            // the distribution, which takes its ARN from here, is never given a pending certificate.
            const validation = this.create(
                "certificateValidation",
                aws.acm.CertificateValidation,
                `certificate-validation`,
                { certificateArn: certificate.arn, validationRecordFqdns: validationFqdns },
                { parent: this, provider: global },
            );
            certificateArn = validation.certificateArn;
        }

        const distribution = this.create(
            "distribution",
            aws.cloudfront.Distribution,
            `distribution`,
            {
                enabled: true,
                comment: `${prefix}: site and ${API_PATH}/*`,
                isIpv6Enabled: true,
                httpVersion: "http2and3",
                priceClass,
                defaultRootObject: "index.html",
                aliases: domain ? [domain.name] : [],
                webAclId: firewall.webAclArn,
                origins: [
                    { originId: "site", domainName: site.regionalDomainName, originAccessControlId: oac.id },
                    {
                        originId: "api",
                        domainName: pulumi.interpolate`${args.api.restApiId}.execute-api.${ctx.region}.amazonaws.com`,
                        originPath: pulumi.interpolate`/${args.api.stageName}`,
                        customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
                    },
                ],
                defaultCacheBehavior: {
                    targetOriginId: "site",
                    viewerProtocolPolicy: "redirect-to-https",
                    allowedMethods: ["GET", "HEAD", "OPTIONS"],
                    cachedMethods: ["GET", "HEAD"],
                    compress: true,
                    cachePolicyId: MANAGED_POLICY_IDS.cachingOptimized,
                    responseHeadersPolicyId: headers.id,
                },
                orderedCacheBehaviors: [
                    {
                        pathPattern: `${API_PATH}/*`,
                        targetOriginId: "api",
                        viewerProtocolPolicy: "redirect-to-https",
                        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                        cachedMethods: ["GET", "HEAD"],
                        compress: true,
                        cachePolicyId: MANAGED_POLICY_IDS.cachingDisabled,
                        originRequestPolicyId: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
                        responseHeadersPolicyId: headers.id,
                        functionAssociations: [{ eventType: "viewer-request", functionArn: stripApiPrefix.arn }],
                    },
                ],
                restrictions: { geoRestriction: { restrictionType: "none" } },
                // With CloudFront's default certificate (no custom domain) CloudFront itself fixes the
                // security policy (TLSv1) whatever minimumProtocolVersion says, so it is only set with
                // a certificate of our own. Policy rule 24 (cf-viewer-tls) reports the default
                // certificate: mandatory in staging and prod, advisory in dev (allowDefaultCertificate),
                // which is why staging and prod set edgeDomainName.
                viewerCertificate:
                    certificateArn !== undefined
                        ? { acmCertificateArn: certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
                        : { cloudfrontDefaultCertificate: true },
                loggingConfig: { bucket: logs.domainName, prefix: "cloudfront/", includeCookies: false },
                tags: ctx.tags,
            },
            // The log bucket must accept ACLs before CloudFront grants itself write access.
            { parent: this, dependsOn: [logs] },
        );

        // Only this distribution may read the site, and only S3 may write the site's access logs.
        site.attachPolicy([{ sid: "AllowCloudFrontRead", service: "cloudfront.amazonaws.com", actions: ["s3:GetObject"], sourceArn: distribution.arn }]);
        logs.attachPolicy([
            {
                sid: "AllowS3AccessLogs",
                service: "logging.s3.amazonaws.com",
                actions: ["s3:PutObject"],
                keyPrefix: `s3/${name}-site/`,
                sourceArn: site.bucketArn,
            },
        ]);

        if (domain?.hostedZoneId !== undefined) {
            // The domain resolves to the distribution, over IPv4 and IPv6 (isIpv6Enabled above).
            for (const type of ["A", "AAAA"] as const) {
                this.create(
                    "record",
                    aws.route53.Record,
                    `alias-${type.toLowerCase()}`,
                    {
                        zoneId: domain.hostedZoneId,
                        name: domain.name,
                        type,
                        aliases: [{ name: distribution.domainName, zoneId: distribution.hostedZoneId, evaluateTargetHealth: false }],
                    },
                    { parent: this },
                );
            }
        }

        // --- Alarm and Shield, in us-east-1 ------------------------------------------------------
        createAlarm(
            `${name}-5xx-rate`,
            {
                description: `${prefix}: more than ${args.fiveXxRatePercent}% of edge requests answered 5xx in 3 of 5 minutes (site bucket or API origin failing).`,
                severity: "critical",
                // 5xxErrorRate is already a percentage of all requests.
                signal: {
                    kind: "metric",
                    metric: {
                        namespace: "AWS/CloudFront",
                        metricName: "5xxErrorRate",
                        dimensions: { DistributionId: distribution.id, Region: "Global" },
                        stat: "Average",
                    },
                },
                threshold: args.fiveXxRatePercent,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
            },
            alerting.routing,
            { parent: this, hooks: this.childHooks("metricAlarm"), tags: ctx.tags, provider: global },
        );
        if (args.shieldAdvanced) {
            // The Shield Advanced API for CloudFront resources is served from us-east-1.
            this.create(
                "protection",
                aws.shield.Protection,
                `shield`,
                { name: `${prefix}-distribution`, resourceArn: distribution.arn, tags: ctx.tags },
                { parent: this, provider: global },
            );
        }

        this.distributionId = distribution.id;
        this.distributionArn = distribution.arn;
        this.domainName = distribution.domainName;
        this.siteBucketName = site.bucketName;
        this.logBucketName = logs.bucketName;
        this.webAclArn = firewall.webAclArn;
        this.webAclMetricName = firewall.webAclMetricName;
        this.monitored = { distribution: { id: distribution.id }, webAcls: firewall.monitored.webAcls };
        this.alertTopicArns = alerting.topicArns;
        this.certificateValidationRecords = validationRecords;
        this.registerOutputs({
            distributionId: this.distributionId,
            domainName: this.domainName,
            siteBucketName: this.siteBucketName,
            logBucketName: this.logBucketName,
            webAclArn: this.webAclArn,
            certificateValidationRecords: this.certificateValidationRecords,
        });
    }
}

/** A DNS name as ACM writes it (`_x.example.com.`), without the root's trailing dot. */
function withoutDot(name: string): string {
    return name.endsWith(".") ? name.slice(0, -1) : name;
}
