import { check, expect, Res, summary, U } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";
const bucket = (name: string, props: Record<string, unknown> = {}): Res => ({ type: BUCKET, name, props });
const setting = (type: string, name: string, of: string, props: Record<string, unknown>, prop = "bucket"): Res => ({
    type: `aws:s3/${type}`,
    name,
    props: { [prop]: U, ...props },
    deps: { [prop]: [of] },
});
const pab = (of: string, flags: Record<string, unknown> = {}) =>
    setting("bucketPublicAccessBlock:BucketPublicAccessBlock", `${of}-pab`, of, {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...flags,
    });
const TLS_DENY = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
const policy = (of: string, doc: unknown) => setting("bucketPolicy:BucketPolicy", `${of}-policy`, of, { policy: doc });
const owner = (of: string, objectOwnership = "BucketOwnerEnforced") =>
    setting("bucketOwnershipControls:BucketOwnershipControls", `${of}-owner`, of, { rule: { objectOwnership } });
const sse = (of: string, d: Record<string, unknown>) =>
    setting("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${of}-sse`, of, {
        rules: [{ applyServerSideEncryptionByDefault: d }],
    });
const logging = (of: string, target: string): Res => ({
    type: "aws:s3/bucketLogging:BucketLogging",
    name: `${of}-logging`,
    props: { bucket: U, targetBucket: U, targetPrefix: "s3/" },
    deps: { bucket: [of], targetBucket: [target] },
});
const versioning = (of: string, status = "Enabled") =>
    setting("bucketVersioning:BucketVersioning", `${of}-versioning`, of, { versioningConfiguration: { status } });
const lifecycle = (of: string, rules: unknown[]) => setting("bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${of}-lifecycle`, of, { rules });

describe("policies: S3", () => {
    describe("s3-block-public-access (stack)", () => {
        it("reports a bucket without a public access block at mandatory (bucket ids unknown), and a false flag", () => {
            expect(summary(check("s3-block-public-access", [bucket("data")]))).to.deep.equal(["data:mandatory"]);
            const vs = check("s3-block-public-access", [bucket("data"), pab("data", { restrictPublicBuckets: false })]);
            expect(vs[0].message).to.contain('aws.s3.BucketPublicAccessBlock "data-pab": restrictPublicBuckets is false, expected true');
        });
        it("accepts a full block linked by propertyDependencies, or by a known bucket name", () => {
            expect(check("s3-block-public-access", [bucket("data"), pab("data")])).to.deep.equal([]);
            const byName: Res = {
                type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                name: "p",
                props: { bucket: "my-data", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            };
            expect(check("s3-block-public-access", [bucket("data", { bucket: "my-data" }), byName])).to.deep.equal([]);
        });
        it("honours exemptResources from config", () => {
            expect(check("s3-block-public-access", [bucket("public-site")], { config: { exemptResources: ["public-site"] } })).to.deep.equal([]);
        });
    });

    describe("s3-tls-only-and-no-acls (stack)", () => {
        it("reports a missing TLS deny and missing ownership controls, mandatory with unknown ids", () => {
            const vs = check(
                "s3-tls-only-and-no-acls",
                [
                    bucket("data"),
                    policy(
                        "data",
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "*" }],
                        }),
                    ),
                ],
                { level: "mandatory" },
            );
            expect(summary(vs)).to.deep.equal(["data-policy:mandatory", "data:mandatory"]);
        });
        it("accepts a TLS deny (JSON string or object) with BucketOwnerEnforced", () => {
            expect(check("s3-tls-only-and-no-acls", [bucket("data"), policy("data", JSON.stringify({ Statement: [TLS_DENY] })), owner("data")])).to.deep.equal(
                [],
            );
            expect(check("s3-tls-only-and-no-acls", [bucket("data"), policy("data", { Statement: [TLS_DENY] }), owner("data")])).to.deep.equal([]);
        });
        it("accepts BucketOwnerPreferred only on a bucket CloudFront writes standard logs to (related through loggingConfig)", () => {
            const distribution: Res = {
                type: "aws:cloudfront/distribution:Distribution",
                name: "cdn",
                props: { loggingConfig: { bucket: U } },
                deps: { loggingConfig: ["cf-logs"] },
            };
            const base = [bucket("cf-logs"), policy("cf-logs", { Statement: [TLS_DENY] }), owner("cf-logs", "BucketOwnerPreferred")];
            expect(check("s3-tls-only-and-no-acls", [...base, distribution])).to.deep.equal([]);
            expect(summary(check("s3-tls-only-and-no-acls", base, { level: "mandatory" }))).to.deep.equal(["cf-logs-owner:mandatory"]);
            const writer = [bucket("cf-logs"), policy("cf-logs", { Statement: [TLS_DENY] }), owner("cf-logs", "ObjectWriter"), distribution];
            expect(summary(check("s3-tls-only-and-no-acls", writer, { level: "mandatory" }))).to.deep.equal(["cf-logs-owner:mandatory"]);
        });
        it("reports ObjectWriter ownership; an unknown policy document is left to @pulumi/policy (advisory can't-run) after the rest", () => {
            const vs = check("s3-tls-only-and-no-acls", [bucket("data"), policy("data", U), owner("data", "ObjectWriter")], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["(stack):advisory", "data-owner:mandatory"]);
        });
    });

    describe("s3-encryption-kms (stack)", () => {
        it("reports no SSE configuration and AES256", () => {
            expect(check("s3-encryption-kms", [bucket("data")])[0].message).to.contain("no aws.s3.BucketServerSideEncryptionConfiguration");
            expect(check("s3-encryption-kms", [bucket("data"), sse("data", { sseAlgorithm: "AES256" })])[0].message).to.contain(
                'sseAlgorithm is "AES256", expected "aws:kms"',
            );
        });
        it("accepts aws:kms; requireCmk demands kmsMasterKeyId", () => {
            expect(check("s3-encryption-kms", [bucket("data"), sse("data", { sseAlgorithm: "aws:kms" })])).to.deep.equal([]);
            expect(
                check("s3-encryption-kms", [bucket("data"), sse("data", { sseAlgorithm: "aws:kms" })], { config: { requireCmk: true } })[0].message,
            ).to.contain("kmsMasterKeyId is not set");
            expect(
                check("s3-encryption-kms", [bucket("data"), sse("data", { sseAlgorithm: "aws:kms", kmsMasterKeyId: U })], { config: { requireCmk: true } }),
            ).to.deep.equal([]);
        });
        it("lets a bucket that receives access logs use SSE-S3, and honours exemptBuckets", () => {
            expect(
                check("s3-encryption-kms", [
                    bucket("data"),
                    sse("data", { sseAlgorithm: "aws:kms" }),
                    bucket("logs"),
                    sse("logs", { sseAlgorithm: "AES256" }),
                    logging("data", "logs"),
                ]),
            ).to.deep.equal([]);
            expect(check("s3-encryption-kms", [bucket("x", { bucket: "x-bucket" })], { config: { exemptBuckets: ["x-bucket"] } })).to.deep.equal([]);
        });
    });

    describe("s3-access-logging (stack)", () => {
        it("reports a bucket without access logging, at mandatory with unknown ids", () => {
            expect(summary(check("s3-access-logging", [bucket("data")], { level: "mandatory" }))).to.deep.equal(["data:mandatory"]);
        });
        it("accepts BucketLogging, exempts the log target itself and buckets in exemptBuckets", () => {
            expect(check("s3-access-logging", [bucket("data"), bucket("logs"), logging("data", "logs")])).to.deep.equal([]);
            expect(check("s3-access-logging", [bucket("other")], { config: { exemptBuckets: ["other"] } })).to.deep.equal([]);
        });
    });

    describe("s3-versioning-lifecycle (stack)", () => {
        it("reports no versioning and no abort-uploads lifecycle rule", () => {
            const vs = check("s3-versioning-lifecycle", [
                bucket("data"),
                versioning("data", "Suspended"),
                lifecycle("data", [{ id: "x", status: "Enabled", expiration: { days: 30 } }]),
            ]);
            expect(vs.map((v) => v.message.split(": ")[1].split(",")[0])).to.deep.equal([
                'versioningConfiguration.status is "Suspended"',
                "rules has no lifecycle rule with abortIncompleteMultipartUpload. Fix",
            ]);
        });
        it("accepts versioning with an abort rule (separate resources), and exemptBuckets", () => {
            expect(
                check("s3-versioning-lifecycle", [
                    bucket("data"),
                    versioning("data"),
                    lifecycle("data", [{ id: "a", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }]),
                ]),
            ).to.deep.equal([]);
            expect(check("s3-versioning-lifecycle", [bucket("logs")], { config: { exemptBuckets: ["logs"] } })).to.deep.equal([]);
        });
        it("tag exemption with a reason waives this advisory rule", () => {
            expect(
                check("s3-versioning-lifecycle", [bucket("tmp", { tags: { "policy-exempt:s3-versioning-lifecycle": "scratch data, recreated daily" } })]),
            ).to.deep.equal([]);
        });
    });
});
