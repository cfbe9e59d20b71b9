// CloudFront rules (24-30).

import type { Policies } from "../lib/policy-api";
import { alarmsFor, alarmWatches, hasAlarmAction } from "../lib/alarms";
import { refers, sameKnown } from "../lib/graph";
import { resourceRule, stackRule } from "../lib/rule";
import { asArray, asRecord, asString, get, isSet, isUnknown, show } from "../lib/values";

export const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
export const RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy";
export const SHIELD_PROTECTION = "aws:shield/protection:Protection";

const GOOD_TLS = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];
const WEAK_ORIGIN_PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1"];

function behaviours(props: Record<string, unknown>): { path: string; b: Record<string, unknown> }[] {
    const out: { path: string; b: Record<string, unknown> }[] = [];
    const d = asRecord(props.defaultCacheBehavior);
    if (d) {
        out.push({ path: "defaultCacheBehavior", b: d });
    }
    asArray(props.orderedCacheBehaviors).forEach((o, i) => {
        const r = asRecord(o);
        if (r) {
            out.push({ path: `orderedCacheBehaviors[${i}]`, b: r });
        }
    });
    return out;
}

export function cloudfrontPolicies(): Policies {
    return [
        resourceRule<{ allowDefaultCertificate: boolean }>(
            {
                id: "cf-viewer-tls",
                no: 24,
                service: "CloudFront",
                kind: "R",
                checks: "`viewerCertificate.minimumProtocolVersion` is TLSv1.2_2021 or newer; a distribution with custom domains does not use the default certificate; CloudFront's default certificate, which accepts TLSv1 whatever `minimumProtocolVersion` says, is reported too (advisory where `allowDefaultCertificate`, dev).",
                why: "Older TLS policies accept protocol versions and ciphers with known attacks; aliases on the default certificate cannot be served securely, and on the default certificate CloudFront fixes the security policy at TLSv1.",
                anchors: "NAG CFR4, FSBP CloudFront.15, CloudFront.7, CKV_AWS_174",
                defaultLevel: "mandatory",
                config: {
                    allowDefaultCertificate: {
                        type: "boolean",
                        default: true,
                        description:
                            "Report a distribution on CloudFront's default certificate (*.cloudfront.net, TLSv1 whatever minimumProtocolVersion says) as advisory only, as a dev environment without a custom domain may.",
                    },
                },
            },
            {
                types: [DISTRIBUTION],
                validate: (d, ctx) => {
                    const vc = asRecord(d.props.viewerCertificate) ?? {};
                    const aliases = d.props.aliases;
                    const hasAliases = isUnknown(aliases) || asArray(aliases).length > 0;
                    const ownCert = isSet(vc.acmCertificateArn) || isSet(vc.iamCertificateId);
                    if (isUnknown(d.props.viewerCertificate) || (!ownCert && isUnknown(vc.cloudfrontDefaultCertificate))) {
                        ctx.defer("viewerCertificate");
                        return;
                    }
                    const defaultCert = vc.cloudfrontDefaultCertificate === true || !ownCert;
                    if (defaultCert) {
                        if (hasAliases) {
                            ctx.report(d, {
                                property: "viewerCertificate.cloudfrontDefaultCertificate",
                                found: vc.cloudfrontDefaultCertificate ?? true,
                                expected: "an ACM certificate for the aliases",
                                fix: 'set viewerCertificate: { acmCertificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }',
                            });
                        } else {
                            const stated = isSet(vc.minimumProtocolVersion)
                                ? ` (minimumProtocolVersion ${show(vc.minimumProtocolVersion)} does not apply to it)`
                                : "";
                            ctx.report(d, {
                                property: "viewerCertificate.cloudfrontDefaultCertificate",
                                found: vc.cloudfrontDefaultCertificate ?? true,
                                problem: `is ${show(vc.cloudfrontDefaultCertificate ?? true)}: on CloudFront's default *.cloudfront.net certificate viewers can connect with TLSv1${stated}`,
                                fix: 'serve a custom domain with its own ACM certificate (us-east-1): aliases and viewerCertificate: { acmCertificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }',
                                advisoryOnly: ctx.config.allowDefaultCertificate,
                            });
                        }
                        return;
                    }
                    const min = vc.minimumProtocolVersion;
                    if (isUnknown(min)) {
                        ctx.defer("viewerCertificate.minimumProtocolVersion");
                    } else if (typeof min !== "string" || !GOOD_TLS.includes(min)) {
                        ctx.report(d, {
                            property: "viewerCertificate.minimumProtocolVersion",
                            found: min,
                            expected: GOOD_TLS.join(" or "),
                            fix: 'set viewerCertificate.minimumProtocolVersion: "TLSv1.2_2021"',
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "cf-https-only",
                no: 25,
                service: "CloudFront",
                kind: "R",
                checks: "Every cache behaviour's `viewerProtocolPolicy` is `redirect-to-https` or `https-only`.",
                why: "Plain HTTP exposes cookies and tokens to anyone on the network path.",
                anchors: "FSBP CloudFront.3, CKV_AWS_34, TRV enforce_https, PCP cloudfront/Distribution/disallowUnencryptedTraffic",
                defaultLevel: "mandatory",
            },
            {
                types: [DISTRIBUTION],
                validate: (d, ctx) => {
                    for (const { path, b } of behaviours(d.props)) {
                        const v = b.viewerProtocolPolicy;
                        if (isUnknown(v)) {
                            ctx.defer(`${path}.viewerProtocolPolicy`);
                        } else if (v !== "redirect-to-https" && v !== "https-only") {
                            ctx.report(d, {
                                property: `${path}.viewerProtocolPolicy`,
                                found: v,
                                expected: '"redirect-to-https" or "https-only"',
                                fix: `set ${path}.viewerProtocolPolicy: "redirect-to-https"`,
                            });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "cf-origin-security",
                no: 26,
                service: "CloudFront",
                kind: "R",
                checks: "S3 origins use Origin Access Control (not OAI, not public); custom origins use `https-only` with TLSv1.2 only.",
                why: "OAC keeps the bucket private and signs requests with SigV4; HTTP or old TLS to a custom origin leaves the second hop unprotected.",
                anchors: "NAG CFR5, CFR7, FSBP CloudFront.9, CloudFront.10, CloudFront.13, CKV2_AWS_46, CKV2_AWS_72",
                defaultLevel: "mandatory",
            },
            {
                types: [DISTRIBUTION],
                validate: (d, ctx) => {
                    asArray(d.props.origins).forEach((o, i) => {
                        const origin = asRecord(o) ?? {};
                        const path = `origins[${i}]`;
                        const custom = asRecord(origin.customOriginConfig);
                        if (custom) {
                            const proto = custom.originProtocolPolicy;
                            if (isUnknown(proto)) {
                                ctx.defer(`${path}.customOriginConfig.originProtocolPolicy`);
                            } else if (proto !== "https-only") {
                                ctx.report(d, {
                                    property: `${path}.customOriginConfig.originProtocolPolicy`,
                                    found: proto,
                                    expected: '"https-only"',
                                    fix: `set ${path}.customOriginConfig.originProtocolPolicy: "https-only"`,
                                });
                            }
                            const weak = asArray(custom.originSslProtocols).filter((p) => typeof p === "string" && WEAK_ORIGIN_PROTOCOLS.includes(p));
                            if (weak.length > 0) {
                                ctx.report(d, {
                                    property: `${path}.customOriginConfig.originSslProtocols`,
                                    found: custom.originSslProtocols,
                                    expected: '["TLSv1.2"]',
                                    fix: `set ${path}.customOriginConfig.originSslProtocols: ["TLSv1.2"]`,
                                });
                            }
                            return;
                        }
                        if (isSet(origin.vpcOriginConfig)) {
                            return;
                        }
                        const oai = get(origin, "s3OriginConfig", "originAccessIdentity");
                        if (isSet(oai)) {
                            ctx.report(d, {
                                property: `${path}.s3OriginConfig.originAccessIdentity`,
                                found: oai,
                                expected: "no OAI (use Origin Access Control)",
                                fix: "create an aws.cloudfront.OriginAccessControl (signingBehavior always, sigv4) and set originAccessControlId; drop s3OriginConfig",
                            });
                        } else if (!isSet(origin.originAccessControlId)) {
                            ctx.report(d, {
                                property: `${path}.originAccessControlId`,
                                found: undefined,
                                expected: "an OriginAccessControl id for the S3 origin",
                                fix: "set originAccessControlId to an aws.cloudfront.OriginAccessControl's id and allow it in the bucket policy",
                            });
                        }
                    });
                },
            },
        ),
        resourceRule(
            {
                id: "cf-waf",
                no: 27,
                service: "CloudFront / WAF",
                kind: "R",
                checks: "Distribution has `webAclId` (a global WAFv2 web ACL).",
                why: "The edge is where floods and common exploits are cheapest to stop.",
                anchors: "NAG CFR2, FSBP CloudFront.6, CKV_AWS_68, TRV enable_waf, PCP cloudfront/Distribution/configureWaf",
                defaultLevel: "advisory",
            },
            {
                types: [DISTRIBUTION],
                validate: (d, ctx) => {
                    if (!isSet(d.props.webAclId)) {
                        ctx.report(d, {
                            property: "webAclId",
                            found: undefined,
                            expected: "the ARN of a CLOUDFRONT-scope WAFv2 web ACL",
                            fix: "set webAclId: cloudfrontAcl.arn (ACL created in us-east-1 with scope CLOUDFRONT)",
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "cf-logging",
                no: 28,
                service: "CloudFront",
                kind: "R",
                checks: "Distribution access logging is configured (`loggingConfig.bucket`).",
                why: "Edge access logs are needed to investigate abuse and to reconcile traffic and cost.",
                anchors: "NAG CFR3, FSBP CloudFront.5, CKV_AWS_86, PCP cloudfront/Distribution/enableAccessLogging",
                defaultLevel: "advisory",
            },
            {
                types: [DISTRIBUTION],
                validate: (d, ctx) => {
                    if (!isSet(get(d.props, "loggingConfig", "bucket"))) {
                        ctx.report(d, {
                            property: "loggingConfig.bucket",
                            found: get(d.props, "loggingConfig", "bucket"),
                            expected: "the log bucket's domain name",
                            fix: 'set loggingConfig: { bucket: logBucket.bucketDomainName, prefix: "cloudfront/" }',
                        });
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "cf-security-headers",
                no: 29,
                service: "CloudFront",
                kind: "R",
                checks: "Default behaviour has a response-headers policy (with HSTS) and the distribution has a default root object.",
                why: "HSTS stops protocol-downgrade attacks; a default root object avoids exposing an origin listing at `/`.",
                anchors: "CKV2_AWS_32, CKV_AWS_259, FSBP CloudFront.1, CKV_AWS_305",
                defaultLevel: "advisory",
            },
            {
                types: [DISTRIBUTION, RESPONSE_HEADERS_POLICY],
                validate: (r, ctx) => {
                    if (r.type === RESPONSE_HEADERS_POLICY) {
                        const sh = asRecord(r.props.securityHeadersConfig);
                        if (sh && !isSet(sh.strictTransportSecurity)) {
                            ctx.report(r, {
                                property: "securityHeadersConfig.strictTransportSecurity",
                                found: undefined,
                                expected: "HSTS settings",
                                fix: "set strictTransportSecurity: { accessControlMaxAgeSec: 31536000, includeSubdomains: true, override: true }",
                            });
                        }
                        return;
                    }
                    if (!isSet(get(r.props, "defaultCacheBehavior", "responseHeadersPolicyId"))) {
                        ctx.report(r, {
                            property: "defaultCacheBehavior.responseHeadersPolicyId",
                            found: undefined,
                            expected: "a response headers policy with HSTS",
                            fix: "set responseHeadersPolicyId to an aws.cloudfront.ResponseHeadersPolicy with securityHeadersConfig.strictTransportSecurity",
                        });
                    }
                    if (!isSet(r.props.defaultRootObject)) {
                        ctx.report(r, {
                            property: "defaultRootObject",
                            found: r.props.defaultRootObject,
                            expected: 'an object key such as "index.html"',
                            fix: 'set defaultRootObject: "index.html"',
                        });
                    }
                },
            },
        ),
        stackRule<{ shieldAdvanced: boolean }>(
            {
                id: "cf-shield-and-5xx-alarm",
                no: 30,
                service: "CloudFront / Shield",
                kind: "S",
                checks: "Each distribution has a `5xxErrorRate` alarm with an action and, when Shield Advanced is on (config), an `aws.shield.Protection`.",
                why: "Origin failures show first as edge 5xx; Shield Advanced only protects resources it is told about.",
                anchors: "ours",
                defaultLevel: "disabled",
                config: {
                    shieldAdvanced: {
                        type: "boolean",
                        default: false,
                        description: "The account subscribes to Shield Advanced: require a shield.Protection per distribution.",
                    },
                },
            },
            {
                primaryType: DISTRIBUTION,
                subjectTypes: [DISTRIBUTION],
                validate: (graph, ctx) => {
                    const alarms = alarmsFor(graph, "AWS/CloudFront", ["5xxErrorRate"]);
                    for (const d of graph.ofType(DISTRIBUTION)) {
                        if (!alarms.some((a) => alarmWatches(graph, a, d, ["DistributionId"], []) && hasAlarmAction(a))) {
                            ctx.report(d, {
                                property: "(5xxErrorRate alarm)",
                                problem: "has no AWS/CloudFront 5xxErrorRate alarm with an action whose DistributionId comes from this distribution",
                                fix: 'add MetricAlarm { namespace: "AWS/CloudFront", metricName: "5xxErrorRate", dimensions: { DistributionId: dist.id, Region: "Global" }, alarmActions: [topic.arn] } (in us-east-1)',
                            });
                        }
                        if (
                            ctx.config.shieldAdvanced &&
                            !graph
                                .ofType(SHIELD_PROTECTION)
                                .some((p) => refers(p, "resourceArn", d, () => sameKnown(p.props.resourceArn, asString(d.props.arn))))
                        ) {
                            ctx.report(d, {
                                property: "(shield.Protection)",
                                problem: "has no aws.shield.Protection whose resourceArn comes from this distribution",
                                fix: "add aws.shield.Protection { resourceArn: dist.arn }",
                            });
                        }
                    }
                },
            },
        ),
    ];
}
