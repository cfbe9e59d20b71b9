// Who can act: the shared evaluator (policies/lib/access.ts) and the rules built on it.
import * as fc from "fast-check";
import { grantsOf, narrowingKeys, principalsOf } from "../../policies/lib/access";
import { isBroadResource, parsePolicy, Statement } from "../../policies/lib/iam";
import { check, checkResource, checkStack, expect, Res, summary, U } from "./helpers";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const OWN = "123456789012";
const FOREIGN = "999988887777";

function statement(condition?: Record<string, unknown>, principal: unknown = "*"): Statement {
    const parsed = parsePolicy(
        doc({ Effect: "Allow", Principal: principal, Action: "sqs:SendMessage", Resource: "*", ...(condition ? { Condition: condition } : {}) }),
    );
    if (parsed.kind !== "ok") {
        throw new Error("test document did not parse");
    }
    return parsed.statements[0];
}

describe("policies: who can act", () => {
    describe("the shared evaluator", () => {
        const narrows = (condition: Record<string, unknown>) => narrowingKeys(statement(condition)).length > 0;

        it("counts conditions that narrow who: source ARN and account, VPC endpoint, organization, principal account, exact principal ARN, external id", () => {
            expect(narrows({ ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:orders" } })).to.equal(true);
            expect(narrows({ ArnLike: { "aws:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/*" } })).to.equal(true);
            expect(narrows({ ArnLike: { "aws:SourceArn": "arn:aws:s3:::orders-uploads" } })).to.equal(true);
            expect(narrows({ StringEquals: { "aws:SourceAccount": OWN } })).to.equal(true);
            expect(narrows({ StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } })).to.equal(true);
            expect(narrows({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } })).to.equal(true);
            expect(narrows({ StringEquals: { "aws:PrincipalAccount": [OWN] } })).to.equal(true);
            expect(narrows({ ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${OWN}:role/deployer` } })).to.equal(true);
            expect(narrows({ StringEquals: { "sts:ExternalId": "partner-7" } })).to.equal(true);
            expect(narrows({ "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ["o-a1b2c3d4e5"] } })).to.equal(true);
            expect(narrows({ StringEquals: { "aws:SourceAccount": U } })).to.equal(true);
        });

        it("does not count transport, MFA, negated, IfExists or ForAllValues operators, wildcard values, or a key it does not know", () => {
            expect(narrows({ Bool: { "aws:SecureTransport": "true" } })).to.equal(false);
            expect(narrows({ Bool: { "aws:MultiFactorAuthPresent": "true" } })).to.equal(false);
            expect(narrows({ NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } })).to.equal(false);
            expect(narrows({ StringNotEquals: { "aws:PrincipalAccount": FOREIGN } })).to.equal(false);
            expect(narrows({ StringEqualsIfExists: { "aws:SourceAccount": OWN } })).to.equal(false);
            expect(narrows({ "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-a1b2c3d4e5"] } })).to.equal(false);
            expect(narrows({ ArnLike: { "aws:SourceArn": "arn:aws:sns:*:*:*" } })).to.equal(false);
            expect(narrows({ ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" } })).to.equal(false);
            expect(narrows({ ArnLike: { "aws:SourceArn": "*" } })).to.equal(false);
            expect(narrows({ StringLike: { "aws:SourceAccount": "*" } })).to.equal(false);
            expect(narrows({ StringLike: { "aws:SourceVpce": "vpce-*" } })).to.equal(false);
            expect(narrows({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/deployer" } })).to.equal(false);
            expect(narrows({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${OWN}:role/*` } })).to.equal(false);
            expect(narrows({ StringEquals: { "aws:SourceAccount": [] } })).to.equal(false);
            expect(narrows({ StringEquals: { "aws:SourceAccount": [OWN, "*"] } })).to.equal(false);
            expect(narrows({ StringEquals: { "aws:UserAgent": "my-app" } })).to.equal(false);
            expect(narrows({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } })).to.equal(false);
            expect(narrows({ IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "::/0"] } })).to.equal(false);
            expect(narrows({ IpAddress: { "aws:SourceIp": "203.0.113.0/24" } })).to.equal(true);
        });

        it("adding only conditions that do not narrow never closes an open statement; adding one that narrows always does", () => {
            const inert = fc.constantFrom<Record<string, unknown>>(
                { Bool: { "aws:SecureTransport": "true" } },
                { Bool: { "aws:MultiFactorAuthPresent": "true" } },
                { StringEqualsIfExists: { "aws:SourceAccount": OWN } },
                { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-a1b2c3d4e5"] } },
                { ArnLike: { "aws:SourceArn": "arn:aws:*:*:*:*" } },
                { StringNotEquals: { "aws:SourceVpce": "vpce-1" } },
                { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
            );
            const narrowing = fc.constantFrom<Record<string, unknown>>(
                { StringEquals: { "aws:SourceAccount": OWN } },
                { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
                { ArnEquals: { "aws:SourceArn": `arn:aws:sns:us-east-1:${OWN}:t` } },
            );
            const principal = fc.constantFrom<unknown>("*", { AWS: "*" }, { AWS: ["*"] }, { AWS: "arn:aws:iam::*:root" });
            const merge = (cs: Record<string, unknown>[]) =>
                cs.reduce<Record<string, Record<string, unknown>>>((acc, c) => {
                    for (const [op, block] of Object.entries(c)) {
                        acc[op] = { ...(acc[op] ?? {}), ...(block as Record<string, unknown>) };
                    }
                    return acc;
                }, {});
            fc.assert(
                fc.property(fc.array(inert, { maxLength: 4 }), principal, (cs, p) => {
                    expect(grantsOf([statement(cs.length ? merge(cs) : undefined, p)])[0].open).to.equal(true);
                }),
            );
            fc.assert(
                fc.property(fc.array(inert, { maxLength: 3 }), narrowing, principal, (cs, n, p) => {
                    expect(grantsOf([statement(merge([...cs, n]), p)])[0].open).to.equal(false);
                }),
            );
        });

        it("reads principals in every form: a string, AWS lists, wildcard-account ARNs, getPolicyDocument's type/identifiers", () => {
            expect(principalsOf({ AWS: [`arn:aws:iam::${FOREIGN}:role/x`, OWN] }).accounts).to.deep.equal([FOREIGN, OWN]);
            expect(principalsOf({ AWS: "arn:aws:iam::*:root" }).anyone).to.equal(true);
            expect(principalsOf([{ type: "AWS", identifiers: ["*"] }]).anyone).to.equal(true);
            expect(principalsOf([{ type: "Service", identifiers: ["sns.amazonaws.com"] }]).services).to.deep.equal(["sns.amazonaws.com"]);
            expect(principalsOf({ Service: "*" }).anyone).to.equal(false);
        });

        it("labels a statement by index and Sid, and treats NotPrincipal in an Allow as anyone", () => {
            const parsed = parsePolicy(
                doc(
                    { Effect: "Deny", Principal: "*", Action: "*", Resource: "*" },
                    { Sid: "Everyone", Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: "sns:Publish", Resource: "*" },
                ),
            );
            const grants = parsed.kind === "ok" ? grantsOf(parsed.statements) : [];
            expect(grants.map((g) => `${g.label} ${g.open}`)).to.deep.equal(['Statement[1] (Sid "Everyone") true']);
        });

        it("treats a resource pattern as naming nothing only when its name is all wildcards", () => {
            const broad = [
                "*",
                "arn:aws:s3:::*",
                "arn:aws:s3:::*/*",
                `arn:aws:iam::${OWN}:role/*`,
                "arn:aws:sqs:*:*:*",
                "arn:aws:dynamodb:*:*:table/*",
                "arn:aws:lambda:us-east-1:1:function:*",
            ];
            const named = [
                "arn:aws:s3:::orders/*",
                "arn:aws:execute-api:us-east-1:1:abc123/*",
                "arn:aws:lambda:us-east-1:1:function:f:*",
                "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/*",
                U,
            ];
            expect(broad.filter((r) => !isBroadResource(r))).to.deep.equal([]);
            expect(named.filter((r) => isBroadResource(r))).to.deep.equal([]);
        });
    });

    describe("rules on the evaluator", () => {
        const role = (name: string, trust: unknown): Res => ({ type: "aws:iam/role:Role", name, props: { assumeRolePolicy: trust } });

        it("iam-no-wildcards: a public trust with only an MFA condition is open; one narrowed to the organization is not", () => {
            const mfa = role(
                "mfa",
                doc({
                    Sid: "Humans",
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "sts:AssumeRole",
                    Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
                }),
            );
            const org = role(
                "org",
                doc({
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
                }),
            );
            const vs = check("iam-no-wildcards", [mfa, org]);
            expect(summary(vs)).to.deep.equal(["mfa:mandatory"]);
            expect(vs[0].message).to.contain('assumeRolePolicy.Statement[0] (Sid "Humans").Principal');
        });

        it("lambda-permission-scoped: a service principal whose sourceArn is a wildcard pattern is unscoped", () => {
            const perm = (name: string, props: Record<string, unknown>): Res => ({
                type: "aws:lambda/permission:Permission",
                name,
                props: { action: "lambda:InvokeFunction", function: U, principal: "s3.amazonaws.com", ...props },
            });
            const vs = check("lambda-permission-scoped", [
                perm("wild", { sourceArn: "arn:aws:s3:::*" }),
                perm("exact", { sourceArn: "arn:aws:s3:::orders-uploads" }),
                perm("account", { sourceAccount: OWN }),
            ]);
            expect(summary(vs)).to.deep.equal(["wild:mandatory"]);
            expect(vs[0].message).to.contain('sourceArn is "arn:aws:s3:::*"');
        });

        it("resource-policy-not-public: a bucket policy open to all with TLS as its only condition; a layer shared with everyone", () => {
            const vs = check("resource-policy-not-public", [
                {
                    type: "aws:s3/bucketPolicy:BucketPolicy",
                    name: "open",
                    props: {
                        bucket: U,
                        policy: doc({
                            Effect: "Allow",
                            Principal: "*",
                            Action: "s3:GetObject",
                            Resource: "arn:aws:s3:::b/*",
                            Condition: { Bool: { "aws:SecureTransport": "true" } },
                        }),
                    },
                },
                {
                    type: "aws:s3/bucketPolicy:BucketPolicy",
                    name: "cdn",
                    props: {
                        bucket: U,
                        policy: doc({
                            Effect: "Allow",
                            Principal: { Service: "cloudfront.amazonaws.com" },
                            Action: "s3:GetObject",
                            Resource: "arn:aws:s3:::b/*",
                            Condition: { StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${OWN}:distribution/E1` } },
                        }),
                    },
                },
                {
                    type: "aws:lambda/layerVersionPermission:LayerVersionPermission",
                    name: "everyone",
                    props: { principal: "*", action: "lambda:GetLayerVersion", layerName: "l", versionNumber: 1, statementId: "s" },
                },
                {
                    type: "aws:lambda/layerVersionPermission:LayerVersionPermission",
                    name: "org",
                    props: {
                        principal: "*",
                        organizationId: "o-a1b2c3d4e5",
                        action: "lambda:GetLayerVersion",
                        layerName: "l",
                        versionNumber: 1,
                        statementId: "s",
                    },
                },
            ]);
            expect(summary(vs)).to.deep.equal(["everyone:mandatory", "open:mandatory"]);
        });
    });

    describe("cross-account-access", () => {
        const topicPolicy = (name: string, account: string): Res => ({
            type: "aws:sns/topicPolicy:TopicPolicy",
            name,
            props: {
                arn: `arn:aws:sns:us-east-1:${OWN}:t`,
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${account}:root` },
                    Action: "sns:Publish",
                    Resource: `arn:aws:sns:us-east-1:${OWN}:t`,
                }),
            },
        });
        it("reports an account outside the stack's own (read from its ARNs) and passes its own", () => {
            const vs = checkStack("cross-account-access", [topicPolicy("partner", FOREIGN), topicPolicy("self", OWN)]);
            expect(summary(vs)).to.deep.equal(["partner:mandatory"]);
            expect(vs[0].message).to.contain(`names account ${FOREIGN}, outside this stack's accounts and trustedAccounts (${OWN})`);
        });
        it("reads every place an account can be named: an event bus permission, an ECR registry policy, a Lambda permission", () => {
            const vs = checkStack("cross-account-access", [
                topicPolicy("self", OWN),
                { type: "aws:cloudwatch/eventPermission:EventPermission", name: "bus-permission", props: { principal: FOREIGN, statementId: "partner" } },
                { type: "aws:lambda/permission:Permission", name: "invoke", props: { principal: FOREIGN, action: "lambda:InvokeFunction", function: U } },
                { type: "aws:lambda/permission:Permission", name: "invoke-self", props: { principal: OWN, action: "lambda:InvokeFunction", function: U } },
                {
                    type: "aws:ecr/registryPolicy:RegistryPolicy",
                    name: "registry",
                    props: {
                        policy: doc({
                            Sid: "Replicate",
                            Effect: "Allow",
                            Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
                            Action: "ecr:ReplicateImage",
                            Resource: `arn:aws:ecr:us-east-1:${OWN}:repository/*`,
                        }),
                    },
                },
            ]);
            expect(summary(vs)).to.deep.equal(["bus-permission:mandatory", "invoke:mandatory", "registry:mandatory"]);
            expect(vs.find((v) => v.name === "registry")?.message).to.contain('policy.Statement[0] (Sid "Replicate").Principal names account');
        });
        it("takes the stack's account from an ARN computed from one of its resources, as an update preview knows it", () => {
            const vs = checkStack("cross-account-access", [
                { type: "aws:iam/role:Role", name: "fn-role", props: { assumeRolePolicy: "{}" } },
                { type: "aws:lambda/function:Function", name: "fn", props: { role: `arn:aws:iam::${OWN}:role/fn-role-1a2b` }, deps: { role: ["fn-role"] } },
                { type: "aws:lambda/function:Function", name: "fixed", props: { role: `arn:aws:iam::${FOREIGN}:role/not-evidence` } },
                {
                    type: "aws:sqs/queuePolicy:QueuePolicy",
                    name: "partner",
                    props: { policy: doc({ Effect: "Allow", Principal: { AWS: FOREIGN }, Action: "sqs:SendMessage", Resource: "*" }) },
                },
            ]);
            expect(summary(vs)).to.deep.equal(["partner:mandatory"]);
            expect(vs[0].message).to.contain(`trustedAccounts (${OWN})`);
        });
        it("passes an account listed in trustedAccounts", () => {
            expect(
                checkStack("cross-account-access", [topicPolicy("partner", FOREIGN), topicPolicy("self", OWN)], { config: { trustedAccounts: [FOREIGN] } }),
            ).to.deep.equal([]);
        });
        it("judges against trustedAccounts alone when nothing in the stack names its account, and stays silent with neither", () => {
            const lone: Res = {
                type: "aws:kms/key:Key",
                name: "key",
                props: { policy: doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` }, Action: "kms:*", Resource: "*" }) },
            };
            expect(checkStack("cross-account-access", [lone])).to.deep.equal([]);
            expect(summary(checkStack("cross-account-access", [lone], { config: { trustedAccounts: [OWN] } }))).to.deep.equal(["key:mandatory"]);
        });
    });

    describe("iam-web-identity-audience", () => {
        const oidc = (
            name: string,
            condition?: Record<string, unknown>,
            provider = `arn:aws:iam::${OWN}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC`,
        ): Res => ({
            type: "aws:iam/role:Role",
            name,
            props: {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Federated: provider },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    ...(condition ? { Condition: condition } : {}),
                }),
            },
        });
        it("reports a web-identity or SAML trust without an audience, and an audience that is a wildcard", () => {
            const vs = check("iam-web-identity-audience", [
                oidc("none"),
                oidc("wild", { StringLike: { "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "*" } }),
                oidc("pinned", {
                    StringEquals: {
                        "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                        "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:app:orders",
                    },
                }),
                {
                    type: "aws:iam/role:Role",
                    name: "saml",
                    props: {
                        assumeRolePolicy: doc({
                            Effect: "Allow",
                            Principal: { Federated: `arn:aws:iam::${OWN}:saml-provider/Okta` },
                            Action: "sts:AssumeRoleWithSAML",
                        }),
                    },
                },
                {
                    type: "aws:iam/role:Role",
                    name: "saml-ok",
                    props: {
                        assumeRolePolicy: doc({
                            Effect: "Allow",
                            Principal: { Federated: `arn:aws:iam::${OWN}:saml-provider/Okta` },
                            Action: "sts:AssumeRoleWithSAML",
                            Condition: { StringEquals: { "SAML:aud": "https://signin.aws.amazon.com/saml" } },
                        }),
                    },
                },
            ]);
            expect(summary(vs)).to.deep.equal(["none:mandatory", "saml:mandatory", "wild:mandatory"]);
        });
    });

    describe("iam-privilege-escalation", () => {
        const R = "aws:iam/role:Role";
        it("relates iam:PassRole in a managed policy and lambda:CreateFunction inline on the same role", () => {
            const vs = checkStack("iam-privilege-escalation", [
                {
                    type: R,
                    name: "deployer",
                    props: {
                        assumeRolePolicy: "{}",
                        inlinePolicies: [{ name: "create", policy: doc({ Effect: "Allow", Action: "lambda:CreateFunction", Resource: "*" }) }],
                    },
                },
                { type: "aws:iam/policy:Policy", name: "pass", props: { policy: doc({ Effect: "Allow", Action: "iam:Pass*", Resource: "*" }) } },
                {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "att",
                    props: { role: U, policyArn: U },
                    deps: { role: ["deployer"], policyArn: ["pass"] },
                },
            ]);
            expect(summary(vs)).to.deep.equal(["pass:mandatory"]);
            expect(vs[0].message).to.contain('lets role "deployer" pass any role').and.contain("allows lambda:CreateFunction");
        });
        it("passes iam:PassRole on a named role, and a policy rewriting only a named policy", () => {
            expect(
                checkStack("iam-privilege-escalation", [
                    {
                        type: R,
                        name: "r",
                        props: {
                            assumeRolePolicy: "{}",
                            inlinePolicies: [
                                {
                                    name: "p",
                                    policy: doc({
                                        Effect: "Allow",
                                        Action: ["iam:PassRole", "lambda:CreateFunction"],
                                        Resource: `arn:aws:iam::${OWN}:role/worker`,
                                    }),
                                },
                            ],
                        },
                    },
                    {
                        type: "aws:iam/policy:Policy",
                        name: "v",
                        props: { policy: doc({ Effect: "Allow", Action: "iam:CreatePolicyVersion", Resource: `arn:aws:iam::${OWN}:policy/app` }) },
                    },
                ]),
            ).to.deep.equal([]);
        });
    });

    it("iam-no-user-access-keys reports a user access key", () => {
        expect(summary(checkResource("iam-no-user-access-keys", { type: "aws:iam/accessKey:AccessKey", name: "k", props: { user: "ci" } }))).to.deep.equal([
            "k:mandatory",
        ]);
    });
});
