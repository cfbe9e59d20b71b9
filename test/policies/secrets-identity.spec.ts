// Secrets in plain sight (75-78), Cognito app clients (79, 84), OpenSearch Serverless dashboards and
// cross-account data access (80, 81).
import { isForeignAossPrincipal } from "../../policies/rules/opensearch";
import { isReferenceOrBenign, keyLikeValue, secretWord } from "../../policies/rules/secrets";
import { check, checkResource, expect, Res, summary, U } from "./helpers";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const property = (message: string) => message.split(": ")[1].split(" ")[0];

describe("policies: secrets in plain sight", () => {
    describe("secretWord and value classification", () => {
        it("reads a secret word only at the end of a name, on word boundaries", () => {
            const words = ["DB_PASSWORD", "dbPassword", "API_TOKEN", "x-api-key", "APIKey", "STRIPE_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "PRIVATE_KEY_PEM"];
            expect(words.map(secretWord)).to.deep.equal([
                "PASSWORD",
                "PASSWORD",
                "TOKEN",
                "API_KEY",
                "API_KEY",
                "SECRET_KEY",
                "SECRET_ACCESS_KEY",
                "PRIVATE_KEY",
            ]);
            const pointers = [
                "TOKEN_TABLE_NAME",
                "SECRET_ARN",
                "DB_PASSWORD_SECRET_ARN",
                "APP_SECRET_NAME",
                "DB_PASSWORD_PARAMETER",
                "TOKEN_URL",
                "PASSWORD_MIN_LENGTH",
            ];
            expect(pointers.map(secretWord)).to.deep.equal(pointers.map(() => undefined));
            expect(["DBPASSWORD", "SECRETS_EXTENSION_HTTP_PORT", "AWS_ACCESS_KEY_ID", "MACHINE_CLIENT_ID"].map(secretWord)).to.deep.equal([
                undefined,
                undefined,
                undefined,
                undefined,
            ]);
        });
        it("takes ARNs, parameter paths, secret names, numbers, flags and plain URLs for references, not secrets", () => {
            for (const v of [
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                "/app/db/password",
                "prod/orders/db",
                "4096",
                "true",
                "https://auth.example.com/oauth2/token",
                "",
            ]) {
                expect(`${v} ${isReferenceOrBenign(v, "PASSWORD")}`).to.equal(`${v} true`);
            }
            expect(isReferenceOrBenign("orders-db-credentials", "CREDENTIALS")).to.equal(true);
            for (const v of ["hunter2", "abc123def456ghi789", "orders-db-credentials", "550e8400-e29b-41d4-a716-446655440000"]) {
                expect(`${v} ${isReferenceOrBenign(v, "PASSWORD")}`).to.equal(`${v} false`);
            }
        });
        it("recognises keys and tokens by their value", () => {
            const jwt =
                [{ alg: "HS256", typ: "JWT" }, { sub: "1234567890" }].map((o) => Buffer.from(JSON.stringify(o)).toString("base64url")).join(".") + ".c2ln";
            const values = [
                "AKIAIOSFODNN7EXAMPLE",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...",
                `ghp_${"a1B2".repeat(9)}`,
                "xoxb-123456789012-abcdefABCDEF",
                `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc".slice(0, 24)}`,
                jwt,
                "postgres://app:s3cr3t@db.internal:5432/orders",
            ];
            expect(values.map((v) => keyLikeValue(v) !== undefined)).to.deep.equal(values.map(() => true));
            const plain = [
                "-----BEGIN CERTIFICATE-----",
                "eyJub3QiOiJhIGp3dCJ9",
                "https://app:${PASSWORD}@db/x",
                "118cc4456d63",
                "arn:aws:iam::123456789012:role/app",
            ];
            expect(plain.map(keyLikeValue)).to.deep.equal(plain.map(() => undefined));
        });
    });

    describe("secrets-lambda-env-plaintext", () => {
        const fn = (variables: unknown, name = "fn"): Res => ({
            type: "aws:lambda/function:Function",
            name,
            props: { runtime: "nodejs22.x", role: U, environment: { variables } },
        });
        it("reports a literal under a secret-like name and a key under an innocent name (mandatory), never showing the value", () => {
            const vs = checkResource(
                "secrets-lambda-env-plaintext",
                fn({ API_TOKEN: "abc123def456ghi789jkl", dbPassword: "Tr0ub4dor&3", REGION_HINT: "AKIAIOSFODNN7EXAMPLE" }),
            );
            expect(summary(vs)).to.deep.equal(["fn:mandatory", "fn:mandatory", "fn:mandatory"]);
            expect(vs.map((v) => property(v.message))).to.deep.equal([
                "environment.variables.API_TOKEN",
                "environment.variables.dbPassword",
                "environment.variables.REGION_HINT",
            ]);
            for (const v of vs) {
                expect(["abc123def456ghi789jkl", "Tr0ub4dor", "AKIAIOSFODNN7EXAMPLE"].some((s) => v.message.includes(s))).to.equal(false);
            }
            expect(vs[0].message).to.contain("21 characters, not shown").and.contain("secretsmanager");
            expect(vs[2].message).to.contain("AWS access key id").and.contain("execution role");
        });
        it("reports the secret access key beside an access key id, PEM keys, tokens, JWTs and URLs with passwords", () => {
            const vs = checkResource(
                "secrets-lambda-env-plaintext",
                fn({
                    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
                    SIGNING: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    TLS: "-----BEGIN PRIVATE KEY-----\nMIIEv...",
                    "gh-auth": `ghp_${"Zz9".repeat(12)}`,
                    DATABASE_URL: "mysql://admin:letmein@db:3306/app",
                }),
            );
            expect(vs.map((v) => property(v.message))).to.deep.equal([
                "environment.variables.AWS_ACCESS_KEY_ID",
                "environment.variables.SIGNING",
                "environment.variables.TLS",
                'environment.variables["gh-auth"]',
                "environment.variables.DATABASE_URL",
            ]);
        });
        it("accepts ARNs and names of secrets, pointers, unknown values, numbers and allow-listed names", () => {
            const good = fn({
                DB_PASSWORD_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
                DB_SECRET: "prod/orders/db",
                API_KEY_PARAMETER: "/orders/api-key",
                DB_PASSWORD: "/orders/db/password",
                TOKEN_TABLE_NAME: "tokens",
                GITHUB_TOKEN: U,
                CLIENT_SECRET: U,
                MAX_TOKENS: "4096",
                TOKEN_URL: "https://auth.example.com/oauth2/token",
                SECRETS_EXTENSION_HTTP_PORT: "2773",
                APP_VERSION: "118cc4456d63",
                APP_SECRETS: JSON.stringify({ db: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", api: "/orders/api-key" }),
            });
            expect(checkResource("secrets-lambda-env-plaintext", good)).to.deep.equal([]);
            expect(checkResource("secrets-lambda-env-plaintext", fn(U))).to.deep.equal([]);
            expect(checkResource("secrets-lambda-env-plaintext", { ...fn({}), props: { runtime: "nodejs22.x" } })).to.deep.equal([]);
            expect(
                checkResource("secrets-lambda-env-plaintext", fn({ DB_CREDENTIALS: JSON.stringify({ username: "app", password: "hunter2" }) })),
            ).to.have.length(1);
            const reviewed = fn({ SESSION_TOKEN: "static-demo-token" });
            expect(checkResource("secrets-lambda-env-plaintext", reviewed, { config: { allowedNames: ["SESSION_TOKEN"] } })).to.deep.equal([]);
            expect(
                checkResource("secrets-lambda-env-plaintext", fn({ SESSION_TOKEN: "AKIAIOSFODNN7EXAMPLE" }), { config: { allowedNames: ["SESSION_TOKEN"] } }),
            ).to.have.length(1);
        });
    });

    describe("secrets-ssm-secure-string", () => {
        const param = (props: Record<string, unknown>, name = "param"): Res => ({ type: "aws:ssm/parameter:Parameter", name, props });
        it("reports a String parameter with a secret-like name, and key-like values in String parameters (mandatory)", () => {
            const vs = checkResource("secrets-ssm-secure-string", param({ name: "/app/db/password", type: "String", value: "hunter2hunter2" }));
            expect(summary(vs)).to.deep.equal(["param:mandatory"]);
            expect(vs[0].message).to.contain('type is "String" for a parameter whose name says it holds a secret').and.contain("SecureString");
            expect(vs[0].message.includes("hunter2")).to.equal(false);
            const list = checkResource("secrets-ssm-secure-string", param({ name: "/app/api-keys", type: "StringList", value: U }));
            expect(list).to.have.length(1);
            const innocent = checkResource("secrets-ssm-secure-string", param({ name: "/app/region", type: "String", insecureValue: "AKIAIOSFODNN7EXAMPLE" }));
            expect(innocent.map((v) => property(v.message))).to.deep.equal(["insecureValue"]);
            const autonamed = checkResource("secrets-ssm-secure-string", param({ name: "db-password-1a2b3c4", type: "String", value: U }));
            expect(autonamed).to.have.length(1);
        });
        it("accepts SecureString, a String holding an ARN, pointer names, and defers an unknown name", () => {
            expect(
                checkResource("secrets-ssm-secure-string", param({ name: "/app/db/password", type: "SecureString", value: "hunter2hunter2", keyId: U })),
            ).to.deep.equal([]);
            expect(
                checkResource(
                    "secrets-ssm-secure-string",
                    param({ name: "/app/db/password", type: "String", value: "arn:aws:secretsmanager:us-east-1:1:secret:db-AbC" }),
                ),
            ).to.deep.equal([]);
            expect(checkResource("secrets-ssm-secure-string", param({ name: "/app/db/password-secret-arn", type: "String", value: U }))).to.deep.equal([]);
            expect(checkResource("secrets-ssm-secure-string", param({ name: "/app/token-table-name", type: "String", value: "tokens" }))).to.deep.equal([]);
            expect(summary(checkResource("secrets-ssm-secure-string", param({ name: U, type: "String", value: U })))).to.deep.equal(["param:advisory"]);
            expect(summary(checkResource("secrets-ssm-secure-string", param({ name: "/app/db/password", type: U, value: U })))).to.deep.equal([
                "param:advisory",
            ]);
            expect(
                checkResource("secrets-ssm-secure-string", param({ name: "/app/jwt/secret", type: "String" }), {
                    config: { allowedNames: ["/app/jwt/secret"] },
                }),
            ).to.deep.equal([]);
        });
    });

    describe("secrets-manager-rotation (stack)", () => {
        const secret = (name: string, props: Record<string, unknown> = {}): Res => ({ type: "aws:secretsmanager/secret:Secret", name, props });
        const rotation = (secretId: unknown, deps?: Record<string, string[]>): Res => ({
            type: "aws:secretsmanager/secretRotation:SecretRotation",
            name: "rotation",
            props: { secretId, rotationLambdaArn: U, rotationRules: { automaticallyAfterDays: 30 } },
            deps,
        });
        it("reports a secret nobody rotates (advisory in dev, mandatory where configured)", () => {
            expect(summary(check("secrets-manager-rotation", [secret("db"), secret("api", { name: "orders/api" })]))).to.deep.equal([
                "api:advisory",
                "db:advisory",
            ]);
            expect(summary(check("secrets-manager-rotation", [secret("db")], { level: "mandatory" }))).to.deep.equal(["db:mandatory"]);
        });
        it("accepts a rotation related by propertyDependencies (unknown id) or by the secret's known name", () => {
            expect(check("secrets-manager-rotation", [secret("db"), rotation(U, { secretId: ["db"] })], { level: "mandatory" })).to.deep.equal([]);
            expect(check("secrets-manager-rotation", [secret("api", { name: "orders/api" }), rotation("orders/api")])).to.deep.equal([]);
            expect(summary(check("secrets-manager-rotation", [secret("db"), secret("api"), rotation(U, { secretId: ["db"] })]))).to.deep.equal([
                "api:advisory",
            ]);
        });
    });

    describe("secrets-manager-policy-not-public", () => {
        const secretPolicy = (policy: unknown, type = "aws:secretsmanager/secretPolicy:SecretPolicy"): Res => ({
            type,
            name: "sp",
            props: { secretArn: U, policy },
        });
        const read = { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" };
        it("reports a public principal, also with a condition that does not narrow who, on SecretPolicy and on Secret.policy", () => {
            const vs = checkResource("secrets-manager-policy-not-public", secretPolicy(doc({ ...read, Sid: "Everyone", Principal: "*" })));
            expect(summary(vs)).to.deep.equal(["sp:mandatory"]);
            expect(vs[0].message).to.contain('policy.Statement[0] (Sid "Everyone").Principal').and.contain("blockPublicPolicy");
            const tls = doc({ ...read, Principal: { AWS: "*" }, Condition: { Bool: { "aws:SecureTransport": "true" } } });
            expect(checkResource("secrets-manager-policy-not-public", secretPolicy(tls))).to.have.length(1);
            const wildAccount = { Statement: [{ ...read, Principal: { AWS: "arn:aws:iam::*:root" } }] };
            expect(checkResource("secrets-manager-policy-not-public", secretPolicy(wildAccount, "aws:secretsmanager/secret:Secret"))).to.have.length(1);
        });
        it("accepts named roles, an organization condition, Deny statements and the getPolicyDocument form; defers an unknown document", () => {
            const named = doc({ ...read, Principal: { AWS: ["arn:aws:iam::123456789012:role/app", U] } });
            const org = doc({ ...read, Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } });
            const deny = doc({
                Effect: "Deny",
                Principal: "*",
                Action: "secretsmanager:*",
                Resource: "*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
            const gpd = {
                statements: [
                    { effect: "Allow", actions: ["secretsmanager:GetSecretValue"], principals: [{ type: "AWS", identifiers: [U] }], resources: ["*"] },
                ],
            };
            for (const p of [named, org, deny, gpd]) {
                expect(checkResource("secrets-manager-policy-not-public", secretPolicy(p))).to.deep.equal([]);
            }
            expect(checkResource("secrets-manager-policy-not-public", { type: "aws:secretsmanager/secret:Secret", name: "s", props: {} })).to.deep.equal([]);
            expect(summary(checkResource("secrets-manager-policy-not-public", secretPolicy(U)))).to.deep.equal(["sp:advisory"]);
        });
    });
});

describe("policies: Cognito app clients", () => {
    const client = (props: Record<string, unknown>, name = "client"): Res => ({
        type: "aws:cognito/userPoolClient:UserPoolClient",
        name,
        props: { userPoolId: U, ...props },
    });
    // The platform's web client (components/identity.ts) with its callback URLs unknown until the distribution exists.
    const web = {
        generateSecret: false,
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthFlows: ["code"],
        allowedOauthScopes: ["openid", "email", "profile"],
        callbackUrls: [U],
        logoutUrls: [U],
        supportedIdentityProviders: ["COGNITO"],
        explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        preventUserExistenceErrors: "ENABLED",
    };
    it("reports the implicit flow, http redirects off the loopback, the password flow and LEGACY/unset existence errors (mandatory)", () => {
        const vs = checkResource(
            "cognito-app-client-hardening",
            client({
                allowedOauthFlows: ["implicit", "code"],
                callbackUrls: ["https://app.example.com/cb", "http://app.example.com/cb"],
                logoutUrls: ["HTTP://staging.example.com/"],
                defaultRedirectUri: "http://app.example.com/cb",
                explicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
        );
        expect(vs.map((v) => `${v.level} ${property(v.message)}`)).to.deep.equal([
            "mandatory allowedOauthFlows",
            "mandatory callbackUrls[1]",
            "mandatory logoutUrls[0]",
            "mandatory defaultRedirectUri",
            "mandatory explicitAuthFlows",
            "mandatory preventUserExistenceErrors",
        ]);
        expect(vs[5].message).to.contain("LEGACY");
        expect(vs[1].message).to.contain('"https://app.example.com/cb"');
        const legacy = checkResource(
            "cognito-app-client-hardening",
            client({ ...web, explicitAuthFlows: ["USER_PASSWORD_AUTH"], preventUserExistenceErrors: "LEGACY" }),
        );
        expect(legacy.map((v) => property(v.message))).to.deep.equal(["explicitAuthFlows", "preventUserExistenceErrors"]);
    });
    it("reports the legacy ADMIN_NO_SRP_AUTH name as advisory only", () => {
        expect(summary(checkResource("cognito-app-client-hardening", client({ ...web, explicitAuthFlows: ["ADMIN_NO_SRP_AUTH"] })))).to.deep.equal([
            "client:advisory",
        ]);
    });
    it("accepts the platform's web and machine clients, code flow with https and loopback http, custom schemes and unknown URLs", () => {
        expect(checkResource("cognito-app-client-hardening", client(web))).to.deep.equal([]);
        const machine = {
            generateSecret: true,
            allowedOauthFlowsUserPoolClient: true,
            allowedOauthFlows: ["client_credentials"],
            allowedOauthScopes: [U, U],
            explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
            preventUserExistenceErrors: "ENABLED",
        };
        expect(checkResource("cognito-app-client-hardening", client(machine))).to.deep.equal([]);
        const local = {
            ...web,
            callbackUrls: [
                "https://app.example.com/auth/callback",
                "http://localhost:3000/auth/callback",
                "http://127.0.0.1:8080/cb",
                "http://[::1]:5173/cb",
                "myapp://callback",
            ],
            logoutUrls: ["https://app.example.com/", "http://localhost:3000/"],
            defaultRedirectUri: "https://app.example.com/auth/callback",
            explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        };
        expect(checkResource("cognito-app-client-hardening", client(local))).to.deep.equal([]);
        expect(checkResource("cognito-app-client-hardening", client({ ...web, explicitAuthFlows: U, allowedOauthFlows: U, callbackUrls: U }))).to.deep.equal(
            [],
        );
    });
    it("defers an unknown preventUserExistenceErrors after reporting what it can prove", () => {
        const vs = checkResource("cognito-app-client-hardening", client({ ...web, allowedOauthFlows: ["implicit"], preventUserExistenceErrors: U }));
        expect(summary(vs)).to.deep.equal(["client:advisory", "client:mandatory"]);
    });
});

describe("policies: Cognito custom attributes a client may write (84, stack)", () => {
    const pool = (schemas: unknown, name = "users"): Res => ({ type: "aws:cognito/userPool:UserPool", name, props: { id: U, name: U, schemas } });
    const client = (name: string, writeAttributes?: unknown, poolName = "users"): Res => ({
        type: "aws:cognito/userPoolClient:UserPoolClient",
        name,
        props: { userPoolId: U, ...(writeAttributes === undefined ? {} : { writeAttributes }) },
        deps: { userPoolId: [poolName] },
    });
    const tenant = { name: "tenant_id", attributeDataType: "String", mutable: false };
    const nickname = { name: "nickname_color", attributeDataType: "String" };

    it("reports a client with no writeAttributes on a pool with custom attributes, and one that writes an immutable one", () => {
        const vs = check("cognito-custom-attribute-write", [pool([tenant, nickname]), client("open"), client("writes-tenant", ["email", "custom:tenant_id"])], {
            level: "mandatory",
        });
        expect(summary(vs)).to.deep.equal(["open:mandatory", "writes-tenant:mandatory"]);
        expect(vs[0]!.message).to.contain("writeAttributes is not set").and.contain("custom:tenant_id, custom:nickname_color");
        expect(vs[1]!.message).to.contain('writeAttributes is ["custom:tenant_id"]').and.contain("AdminCreateUser");
    });

    it("accepts a listed mutable custom attribute, a pool without custom attributes, a developer-only one, and another pool's client", () => {
        expect(check("cognito-custom-attribute-write", [pool([tenant, nickname]), client("web", ["email", "custom:nickname_color"])])).to.deep.equal([]);
        expect(check("cognito-custom-attribute-write", [pool(undefined), client("web")])).to.deep.equal([]);
        expect(check("cognito-custom-attribute-write", [pool([{ ...tenant, developerOnlyAttribute: true }]), client("web")])).to.deep.equal([]);
        expect(check("cognito-custom-attribute-write", [pool([tenant]), pool(undefined, "other"), client("web", undefined, "other")])).to.deep.equal([]);
    });

    it("says it cannot judge an unknown schema or list, rather than passing or failing", () => {
        for (const resources of [
            [pool(U), client("web")],
            [pool([tenant]), client("web", U)],
        ]) {
            const vs = check("cognito-custom-attribute-write", resources, { level: "mandatory" });
            expect(vs.map((v) => v.level)).to.deep.equal(["advisory"]);
            expect(vs[0]!.message).to.contain("can't run policy 'cognito-custom-attribute-write' during preview");
        }
    });
});

describe("policies: OpenSearch Serverless dashboards and cross-account data access", () => {
    const collection = (dependsOn: string[] = [], name: unknown = "orders"): Res => ({
        type: "aws:opensearch/serverlessCollection:ServerlessCollection",
        name: "search",
        props: { name, type: "SEARCH" },
        dependsOn,
    });
    const network = (name: string, policy: unknown): Res => ({
        type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
        name,
        props: { name, type: "network", policy },
    });
    const entry = (resourceType: string, allowFromPublic: boolean, resource = "collection/orders") => ({
        Rules: [{ ResourceType: resourceType, Resource: [resource] }],
        AllowFromPublic: allowFromPublic,
        ...(allowFromPublic ? {} : { SourceVPCEs: ["vpce-0123456789abcdef0"] }),
    });

    describe("aoss-dashboards-private (stack)", () => {
        it("reports public dashboards of a collection named by pattern or depending on the policy", () => {
            const split = network("net", JSON.stringify([entry("collection", false), entry("dashboard", true, "collection/ord*")]));
            const vs = check("aoss-dashboards-private", [collection(), split], { level: "mandatory" });
            expect(summary(vs)).to.deep.equal(["net:mandatory"]);
            expect(vs[0].message).to.contain("policy[1].AllowFromPublic");
            const both = network("net", {
                Rules: [
                    { ResourceType: "collection", Resource: ["collection/x"] },
                    { ResourceType: "dashboard", Resource: ["collection/x"] },
                ],
                AllowFromPublic: true,
            });
            expect(summary(check("aoss-dashboards-private", [collection(["net"], U), both]))).to.deep.equal(["net:advisory"]);
        });
        it("accepts private dashboards, public collection-only entries (rule 51's), other collections' dashboards, and defers an unknown document it depends on", () => {
            const privateDash = network("net", JSON.stringify([entry("collection", false), entry("dashboard", false)]));
            expect(check("aoss-dashboards-private", [collection(), privateDash])).to.deep.equal([]);
            expect(check("aoss-dashboards-private", [collection(), network("net", JSON.stringify([entry("collection", true)]))])).to.deep.equal([]);
            expect(
                check("aoss-dashboards-private", [collection(), network("net", JSON.stringify([entry("dashboard", true, "collection/logs")]))]),
            ).to.deep.equal([]);
            expect(check("aoss-dashboards-private", [collection(), network("net", U)])).to.deep.equal([]);
            expect(summary(check("aoss-dashboards-private", [collection(["net"]), network("net", U)]))).to.deep.equal(["(stack):advisory"]);
        });
    });

    describe("aoss-data-access-same-account (stack)", () => {
        const role = (name: string, props: Record<string, unknown> = {}): Res => ({
            type: "aws:iam/role:Role",
            name,
            props: { name, assumeRolePolicy: U, ...props },
        });
        const access = (name: string, policy: unknown, deps?: Record<string, string[]>): Res => ({
            type: "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
            name,
            props: { name, type: "data", policy },
            deps,
        });
        const rules = [{ ResourceType: "index", Resource: ["index/orders/*"], Permission: ["aoss:ReadDocument"] }];
        it("isForeignAossPrincipal: * and wildcard accounts always; other accounts only against a known own account", () => {
            const own = new Set(["123456789012"]);
            expect(["*", "arn:aws:iam::*:role/x"].map((p) => isForeignAossPrincipal(p, new Set(), []))).to.deep.equal([true, true]);
            expect(isForeignAossPrincipal("arn:aws:iam::999999999999:role/partner", new Set(), [])).to.equal(false);
            expect(isForeignAossPrincipal("arn:aws:iam::999999999999:role/partner", own, [])).to.equal(true);
            expect(isForeignAossPrincipal("arn:aws:iam::999999999999:role/partner", own, ["999999999999"])).to.equal(false);
            expect(isForeignAossPrincipal("saml/999999999999/corp-idp/group/analysts", own, [])).to.equal(true);
            expect(isForeignAossPrincipal("arn:aws:sts::123456789012:assumed-role/app/session", own, [])).to.equal(false);
        });
        it("reports a principal of another account beside a role of this stack, and * (mandatory)", () => {
            const policy = JSON.stringify([
                {
                    Rules: rules,
                    Principal: [
                        "arn:aws:iam::123456789012:role/orders-indexer",
                        "arn:aws:iam::999999999999:role/partner-reader",
                        "saml/999999999999/idp/user/ann",
                    ],
                },
                { Rules: rules, Principal: ["*"] },
            ]);
            const vs = check("aoss-data-access-same-account", [role("orders-indexer"), access("data", policy)]);
            expect(vs.map((v) => `${v.name}:${v.level} ${property(v.message)}`)).to.deep.equal([
                "data:mandatory policy[0].Principal[1]",
                "data:mandatory policy[0].Principal[2]",
                "data:mandatory policy[1].Principal[0]",
            ]);
            expect(vs[0].message).to.contain("this stack's account (123456789012)").and.contain("trustedAccounts");
        });
        it("takes the own account from a role's known ARN (update mode) and from a stack key's ARN in the encryption policy", () => {
            const arn = "arn:aws:iam::123456789012:role/indexer-7f3a2b1";
            const policy = JSON.stringify([{ Rules: rules, Principal: [arn, "arn:aws:iam::210987654321:role/other"] }]);
            expect(summary(check("aoss-data-access-same-account", [role("indexer", { name: undefined, arn }), access("data", policy)]))).to.deep.equal([
                "data:mandatory",
            ]);
            const enc: Res = {
                type: "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
                name: "enc",
                props: { type: "encryption", policy: JSON.stringify({ Rules: [], AWSOwnedKey: false, KmsARN: "arn:aws:kms:us-east-1:123456789012:key/abc" }) },
                deps: { policy: ["key"] },
            };
            const key: Res = { type: "aws:kms/key:Key", name: "key", props: {} };
            const foreign = JSON.stringify([{ Rules: rules, Principal: ["arn:aws:iam::210987654321:role/other"] }]);
            expect(summary(check("aoss-data-access-same-account", [key, enc, access("data", foreign)]))).to.deep.equal(["data:mandatory"]);
        });
        it("accepts own and trusted accounts, principals computed by the program, and any account when the own account is not known; defers an unknown document", () => {
            const policy = JSON.stringify([
                { Rules: rules, Principal: ["arn:aws:iam::123456789012:role/orders-indexer", U, "arn:aws:iam::999999999999:role/partner"] },
            ]);
            expect(
                check("aoss-data-access-same-account", [role("orders-indexer"), access("data", policy)], { config: { trustedAccounts: ["999999999999"] } }),
            ).to.deep.equal([]);
            const unknownOwn = JSON.stringify([{ Rules: rules, Principal: ["arn:aws:iam::111111111111:role/indexer"] }]);
            expect(check("aoss-data-access-same-account", [access("data", unknownOwn)])).to.deep.equal([]);
            expect(summary(check("aoss-data-access-same-account", [role("r"), access("data", U, { policy: ["r"] })]))).to.deep.equal(["(stack):advisory"]);
        });
    });
});
