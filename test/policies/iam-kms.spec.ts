// IAM (57) and KMS (58).
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const rolePolicy = (policy: unknown): Res => ({ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: U, policy } });

describe("policies: IAM", () => {
    describe("iam-no-wildcards", () => {
        it("reports Action * on Resource * (mandatory everywhere)", () => {
            const vs = checkResource("iam-no-wildcards", rolePolicy(doc({ Effect: "Allow", Action: "*", Resource: "*" })));
            expect(summary(vs)).to.deep.equal(["rp:mandatory"]);
            expect(vs[0].message).to.contain("policy.Statement[0]");
        });
        it("reports svc:* actions, Resource * for ordinary actions, and kms:Decrypt on all keys", () => {
            const vs = checkResource(
                "iam-no-wildcards",
                rolePolicy(
                    doc(
                        { Effect: "Allow", Action: "dynamodb:*", Resource: "arn:aws:dynamodb:us-east-1:1:table/orders" },
                        { Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" },
                        { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" },
                    ),
                ),
            );
            expect(vs.map((v) => v.message.split(": ")[1].split(" ")[0])).to.deep.equal([
                "policy.Statement[0].Action",
                "policy.Statement[1].Resource",
                "policy.Statement[2].Resource",
            ]);
        });
        it("accepts exact actions on exact resources, allow-listed Resource-* actions, Deny statements and unknown ARNs", () => {
            expect(
                checkResource(
                    "iam-no-wildcards",
                    rolePolicy(
                        doc(
                            {
                                Effect: "Allow",
                                Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
                                Resource: [U, "arn:aws:dynamodb:us-east-1:1:table/orders/index/*"],
                            },
                            { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
                            { Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
                        ),
                    ),
                ),
            ).to.deep.equal([]);
        });
        it("reads policies given as objects (getPolicyDocument / provider shape) and inline role policies", () => {
            const obj = checkResource("iam-no-wildcards", rolePolicy({ Statement: [{ Effect: "Allow", Action: "sqs:*", Resource: U }] }));
            expect(obj).to.have.length(1);
            const role: Res = {
                type: "aws:iam/role:Role",
                name: "r",
                props: {
                    assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
                    inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }) }],
                },
            };
            expect(checkResource("iam-no-wildcards", role)[0].message).to.contain("inlinePolicies[0].policy.Statement[0].Action");
        });
        it("defers an unknown document (pulumi.jsonStringify of unknown ARNs) to @pulumi/policy", () => {
            expect(summary(checkResource("iam-no-wildcards", rolePolicy(U)))).to.deep.equal(["rp:advisory"]);
        });
        it("allows only allow-listed AWS managed policies (allowedManagedPolicyArns) and reviewed svc:* (allowedServiceWildcards)", () => {
            const att = (policyArn: string): Res => ({ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "att", props: { role: U, policyArn } });
            expect(checkResource("iam-no-wildcards", att("arn:aws:iam::aws:policy/AdministratorAccess"))[0].message).to.contain(
                'policyArn is "arn:aws:iam::aws:policy/AdministratorAccess"',
            );
            expect(checkResource("iam-no-wildcards", att("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))).to.deep.equal([]);
            expect(
                checkResource("iam-no-wildcards", att("arn:aws:iam::aws:policy/ReadOnlyAccess"), {
                    config: { allowedManagedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
                }),
            ).to.deep.equal([]);
            expect(
                checkResource("iam-no-wildcards", rolePolicy(doc({ Effect: "Allow", Action: "xray:*", Resource: U })), {
                    config: { allowedServiceWildcards: ["xray:*"] },
                }),
            ).to.deep.equal([]);
            expect(
                checkResource("iam-no-wildcards", rolePolicy(doc({ Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" })), {
                    config: { wildcardResourceActions: ["cloudwatch:Get*"] },
                }),
            ).to.deep.equal([]);
        });
        it("reports a role whose inline policies are also managed by separate RolePolicy resources (stack part)", () => {
            const role: Res = {
                type: "aws:iam/role:Role",
                name: "r",
                props: {
                    assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }),
                    inlinePolicies: [{ name: "a", policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: U }) }],
                },
            };
            const separate: Res = {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "rp",
                props: { role: U, policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: U }) },
                deps: { role: ["r"] },
            };
            const vs = check("iam-no-wildcards", [role, separate]);
            expect(summary(vs)).to.deep.equal(["r:mandatory"]);
            expect(vs[0].message).to.contain("also manage its inline policies");
        });
    });
});

describe("policies: KMS", () => {
    const key = (props: Record<string, unknown>, protect = false): Res => ({ type: "aws:kms/key:Key", name: "key", props, protect });
    it("kms-key-hygiene reports no rotation, a public key policy and a short deletion window (mandatory)", () => {
        const vs = checkResource(
            "kms-key-hygiene",
            key({ policy: doc({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }), deletionWindowInDays: 7 }),
            { config: { minimumDeletionWindowDays: 30 } },
        );
        expect(vs.map((v) => `${v.level} ${v.message.split(": ")[1].split(" ")[0]}`)).to.deep.equal([
            "mandatory policy.Statement[0].Principal",
            "mandatory enableKeyRotation",
            "mandatory deletionWindowInDays",
        ]);
    });
    it("kms-key-hygiene accepts a rotated key with an account-root policy; requireProtect demands protect", () => {
        const good = { enableKeyRotation: true, policy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "kms:*", Resource: "*" }) };
        expect(checkResource("kms-key-hygiene", key(good))).to.deep.equal([]);
        expect(checkResource("kms-key-hygiene", key(good), { config: { requireProtect: true } })[0].message).to.contain("opts.protect is false");
        expect(checkResource("kms-key-hygiene", key(good, true), { config: { requireProtect: true, minimumDeletionWindowDays: 30 } })).to.deep.equal([]);
    });
});
