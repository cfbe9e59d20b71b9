import { check, checkResource, expect, Res, summary, U } from "./helpers";

const DIST = "aws:cloudfront/distribution:Distribution";
const good = {
    enabled: true,
    aliases: ["www.example.com"],
    viewerCertificate: { acmCertificateArn: U, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
    defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https", responseHeadersPolicyId: U, targetOriginId: "site" },
    orderedCacheBehaviors: [{ pathPattern: "/api/*", viewerProtocolPolicy: "https-only", targetOriginId: "api" }],
    origins: [
        { originId: "site", domainName: U, originAccessControlId: U },
        {
            originId: "api",
            domainName: U,
            customOriginConfig: { originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"], httpPort: 80, httpsPort: 443 },
        },
    ],
    webAclId: U,
    loggingConfig: { bucket: U },
    defaultRootObject: "index.html",
};
const dist = (over: Record<string, unknown> = {}): Res => ({ type: DIST, name: "cdn", props: { ...good, ...over } });

describe("policies: CloudFront", () => {
    for (const id of ["cf-viewer-tls", "cf-https-only", "cf-origin-security", "cf-waf", "cf-logging", "cf-security-headers"]) {
        it(`${id} accepts the hardened distribution`, () => expect(checkResource(id, dist())).to.deep.equal([]));
    }
    it("cf-viewer-tls reports an old TLS policy and the default certificate on a custom domain", () => {
        expect(checkResource("cf-viewer-tls", dist({ viewerCertificate: { acmCertificateArn: U, minimumProtocolVersion: "TLSv1" } }))[0].message).to.contain(
            'viewerCertificate.minimumProtocolVersion is "TLSv1"',
        );
        expect(summary(checkResource("cf-viewer-tls", dist({ viewerCertificate: { cloudfrontDefaultCertificate: true } })))).to.deep.equal(["cdn:mandatory"]);
        // Without aliases the default certificate is reported too (TLSv1): advisory by default (dev), see variants.spec.ts.
        expect(summary(checkResource("cf-viewer-tls", dist({ aliases: [], viewerCertificate: { cloudfrontDefaultCertificate: true } })))).to.deep.equal([
            "cdn:advisory",
        ]);
    });
    it("cf-https-only reports allow-all on any behaviour, naming the path", () => {
        const vs = checkResource("cf-https-only", dist({ orderedCacheBehaviors: [{ pathPattern: "/x", viewerProtocolPolicy: "allow-all" }] }));
        expect(vs[0].message).to.contain('orderedCacheBehaviors[0].viewerProtocolPolicy is "allow-all"');
    });
    it("cf-origin-security reports an OAI origin, an S3 origin without OAC and an http custom origin", () => {
        const vs = checkResource(
            "cf-origin-security",
            dist({
                origins: [
                    { originId: "a", domainName: U, s3OriginConfig: { originAccessIdentity: U } },
                    { originId: "b", domainName: U },
                    {
                        originId: "c",
                        domainName: "api.example.com",
                        customOriginConfig: { originProtocolPolicy: "http-only", originSslProtocols: ["TLSv1", "TLSv1.2"] },
                    },
                ],
            }),
        );
        expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal([
            "origins[0].s3OriginConfig.originAccessIdentity",
            "origins[1].originAccessControlId",
            "origins[2].customOriginConfig.originProtocolPolicy",
            "origins[2].customOriginConfig.originSslProtocols",
        ]);
    });
    it("cf-waf and cf-logging report what is missing", () => {
        expect(checkResource("cf-waf", dist({ webAclId: undefined }))[0].message).to.contain("webAclId is not set");
        expect(checkResource("cf-logging", dist({ loggingConfig: undefined }))[0].message).to.contain("loggingConfig.bucket is not set");
    });
    it("cf-security-headers reports a missing headers policy, root object, and a headers policy without HSTS", () => {
        expect(
            checkResource("cf-security-headers", dist({ defaultRootObject: undefined, defaultCacheBehavior: { viewerProtocolPolicy: "https-only" } })),
        ).to.have.length(2);
        const rhp: Res = {
            type: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
            name: "h",
            props: { securityHeadersConfig: { frameOptions: { frameOption: "DENY", override: true } } },
        };
        expect(checkResource("cf-security-headers", rhp)[0].message).to.contain("strictTransportSecurity is not set");
    });

    describe("cf-shield-and-5xx-alarm (stack)", () => {
        const alarm: Res = {
            type: "aws:cloudwatch/metricAlarm:MetricAlarm",
            name: "cdn-5xx",
            props: { namespace: "AWS/CloudFront", metricName: "5xxErrorRate", dimensions: { DistributionId: U, Region: "Global" }, alarmActions: [U] },
            deps: { dimensions: ["cdn"] },
        };
        const shield: Res = { type: "aws:shield/protection:Protection", name: "shield", props: { resourceArn: U }, deps: { resourceArn: ["cdn"] } };
        it("is disabled in dev; at mandatory it reports a distribution with no 5xx alarm even with unknown ids", () => {
            expect(check("cf-shield-and-5xx-alarm", [dist()])).to.deep.equal([]);
            expect(summary(check("cf-shield-and-5xx-alarm", [dist()], { level: "mandatory" }))).to.deep.equal(["cdn:mandatory"]);
        });
        it("requires a shield.Protection only when shieldAdvanced is on", () => {
            expect(check("cf-shield-and-5xx-alarm", [dist(), alarm], { level: "mandatory" })).to.deep.equal([]);
            expect(check("cf-shield-and-5xx-alarm", [dist(), alarm], { level: "mandatory", config: { shieldAdvanced: true } })[0].message).to.contain(
                "no aws.shield.Protection",
            );
            expect(check("cf-shield-and-5xx-alarm", [dist(), alarm, shield], { level: "mandatory", config: { shieldAdvanced: true } })).to.deep.equal([]);
        });
    });
});
