import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, MockRun, installMocks, testContext } from "./harness";

const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/data`;

/** Stands in for the distribution: a resource created after Identity whose output the URLs come from. */
class Site extends pulumi.CustomResource {
    // The SDK defines an Output property for each input; `declare` keeps a class field from hiding it.
    declare readonly domainName: pulumi.Output<string>;
    constructor(name: string) {
        super("test:index:Site", name, { domainName: "d111.cloudfront.net" });
    }
}

describe("DataStore and Identity components", function () {
    let run: MockRun;
    let mod: typeof import("../../components/data-store") & typeof import("../../components/identity");
    const identityArgs = () => ({
        context: testContext(),
        mfa: "OPTIONAL" as const,
        threatProtection: "off" as const,
        callbackUrls: ["https://orders.example.com/auth/callback"],
        logoutUrls: ["https://orders.example.com/"],
    });

    before(async function () {
        run = installMocks();
        const alerting = await import("../../components/alerting");
        mod = { ...(await import("../../components/data-store")), ...(await import("../../components/identity")) };
        const ctx = testContext();
        const routing = new alerting.Alerting("alerts", { context: ctx, kmsKeyArn: KEY, emails: ["a@example.com"], escalationMinutes: 30 }).routing;
        new mod.DataStore("orders", { context: ctx, kmsKey: KEY, routing });
        new mod.DataStore("vault", { context: ctx, kmsKey: KEY, routing, deletionProtection: true });
        new mod.DataStore("restored", {
            context: ctx,
            kmsKey: KEY,
            routing,
            deletionProtection: true,
            adoptTableName: "platform-dev-orders-restored-20261124T205500Z",
        });
        new mod.Identity("dev-users", identityArgs());
        new mod.Identity("prod-users", { ...identityArgs(), mfa: "ON", threatProtection: "enforced", deletionProtection: true });
        // As index.ts does: the site's domain is known only once a later resource (the distribution) exists.
        const [siteDomain, resolveSiteDomain] = pulumi.deferredOutput<string>();
        new mod.Identity("edge-users", {
            ...identityArgs(),
            callbackUrls: [pulumi.interpolate`https://${siteDomain}/auth/callback`],
            logoutUrls: [pulumi.interpolate`https://${siteDomain}/`],
        });
        resolveSiteDomain(new Site("site").domainName);
        await run.settle();
    });

    describe("DataStore", function () {
        it("single table with the workload's keys and GSI, on demand, PITR, KMS, stream and TTL", function () {
            const t = run.one("aws:dynamodb/table:Table", "orders-table");
            assert.equal(t.inputs.billingMode, "PAY_PER_REQUEST");
            assert.equal(t.inputs.hashKey, "pk");
            assert.equal(t.inputs.rangeKey, "sk");
            assert.deepEqual(t.inputs.globalSecondaryIndexes, [{ name: "gsi1", hashKey: "gsi1pk", rangeKey: "gsi1sk", projectionType: "ALL" }]);
            assert.deepEqual(t.inputs.attributes.map((a: { name: string }) => a.name).sort(), ["gsi1pk", "gsi1sk", "pk", "sk"]);
            assert.deepEqual(t.inputs.pointInTimeRecovery, { enabled: true });
            assert.deepEqual(t.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: KEY });
            assert.equal(t.inputs.streamEnabled, true);
            assert.equal(t.inputs.streamViewType, "NEW_AND_OLD_IMAGES");
            assert.deepEqual(t.inputs.ttl, { attributeName: "expiresAt", enabled: true });
        });

        it("deletion protection and protect follow the argument", function () {
            const dev = run.one("aws:dynamodb/table:Table", "orders-table");
            const prod = run.one("aws:dynamodb/table:Table", "vault-table");
            assert.equal(dev.inputs.deletionProtectionEnabled, false);
            assert.equal(dev.protect, false);
            assert.equal(prod.inputs.deletionProtectionEnabled, true);
            assert.equal(prod.protect, true);
        });

        it("adopts a restored table by name (Pulumi import) and keeps a protected table in AWS when it leaves the state", function () {
            const adopted = run.one("aws:dynamodb/table:Table", "restored-table");
            assert.equal(adopted.inputs.name, "platform-dev-orders-restored-20261124T205500Z");
            assert.equal(adopted.importId, "platform-dev-orders-restored-20261124T205500Z", "imported, not created");
            assert.deepEqual([adopted.protect, adopted.retainOnDelete], [true, true]);
            const own = run.one("aws:dynamodb/table:Table", "orders-table");
            assert.deepEqual(
                [own.importId, own.protect, own.retainOnDelete],
                ["", false, false],
                "a table of its own, deleted with the stack where unprotected",
            );
            assert.equal(run.one("aws:dynamodb/table:Table", "vault-table").retainOnDelete, true);
        });

        it("refuses an adopted table name DynamoDB would refuse, naming the argument", function () {
            assert.throws(
                () =>
                    new mod.DataStore("bad-adopt", {
                        context: testContext(),
                        kmsKey: KEY,
                        routing: { critical: "c", warning: "w", info: "i" } as never,
                        adoptTableName: "orders table",
                    }),
                /DataStore: argument "adoptTableName" is "orders table"; allowed: a DynamoDB table name/,
            );
        });

        it("alarms on throttled requests (warning) and system errors (critical) of this table", function () {
            const table = run.one("aws:dynamodb/table:Table", "orders-table").urn;
            const cases = [
                ["orders-throttles", "ThrottledRequests", "warning"],
                ["orders-system-errors", "SystemErrors", "critical"],
            ];
            for (const [name, metric, sev] of cases) {
                const a = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", name);
                const metrics = a.inputs.metricQueries.filter((q: { metric?: unknown }) => q.metric);
                assert.ok(metrics.length > 0 && metrics.every((q: { metric: { metricName: string } }) => q.metric.metricName === metric), name);
                assert.deepEqual(a.propertyDependencies.metricQueries, [table], name);
                assert.deepEqual(a.propertyDependencies.alarmActions, [run.one("aws:sns/topic:Topic", `alerts-${sev}`).urn], name);
            }
        });
    });

    describe("Identity", function () {
        it("strong password policy and TOTP MFA, optional or required by argument", function () {
            const dev = run.one("aws:cognito/userPool:UserPool", "dev-users-user-pool");
            assert.deepEqual(dev.inputs.passwordPolicy, {
                minimumLength: 14,
                requireLowercase: true,
                requireUppercase: true,
                requireNumbers: true,
                requireSymbols: true,
                temporaryPasswordValidityDays: 3,
            });
            assert.equal(dev.inputs.mfaConfiguration, "OPTIONAL");
            assert.deepEqual(dev.inputs.softwareTokenMfaConfiguration, { enabled: true });
            const prod = run.one("aws:cognito/userPool:UserPool", "prod-users-user-pool");
            assert.equal(prod.inputs.mfaConfiguration, "ON");
        });

        it("threat protection and deletion protection follow the arguments", function () {
            const dev = run.one("aws:cognito/userPool:UserPool", "dev-users-user-pool");
            assert.deepEqual(dev.inputs.userPoolAddOns, { advancedSecurityMode: "OFF" });
            assert.equal(dev.inputs.userPoolTier, "ESSENTIALS");
            assert.equal(dev.inputs.deletionProtection, "INACTIVE");
            assert.equal(dev.protect, false);
            const prod = run.one("aws:cognito/userPool:UserPool", "prod-users-user-pool");
            assert.deepEqual(prod.inputs.userPoolAddOns, { advancedSecurityMode: "ENFORCED" });
            assert.equal(prod.inputs.userPoolTier, "PLUS");
            assert.equal(prod.inputs.deletionProtection, "ACTIVE");
            assert.equal(prod.protect, true);
        });

        it("a web client (code flow, no secret) and a machine client (client credentials, scoped)", function () {
            const web = run.one("aws:cognito/userPoolClient:UserPoolClient", "dev-users-web-client");
            assert.equal(web.inputs.generateSecret, false);
            assert.deepEqual(web.inputs.allowedOauthFlows, ["code"]);
            assert.equal(web.inputs.preventUserExistenceErrors, "ENABLED");
            const machine = run.one("aws:cognito/userPoolClient:UserPoolClient", "dev-users-machine-client");
            assert.equal(machine.inputs.generateSecret, true);
            assert.deepEqual(machine.inputs.allowedOauthFlows, ["client_credentials"]);
            assert.deepEqual(machine.inputs.allowedOauthScopes, ["orders/orders.read", "orders/orders.write"]);
        });

        it("keeps the customer id in an immutable custom attribute that no client can write, so nobody names another's orders", function () {
            const pool = run.one("aws:cognito/userPool:UserPool", "dev-users-user-pool");
            assert.deepEqual(pool.inputs.schemas, [
                {
                    name: "customer_id",
                    attributeDataType: "String",
                    mutable: false,
                    required: false,
                    developerOnlyAttribute: false,
                    stringAttributeConstraints: { minLength: "1", maxLength: "128" },
                },
            ]);
            for (const name of ["dev-users-web-client", "dev-users-machine-client"]) {
                const client = run.one("aws:cognito/userPoolClient:UserPoolClient", name);
                // No list would mean every attribute, this one too (at sign-up, where even immutable ones are set).
                const writable = client.inputs.writeAttributes as string[] | undefined;
                assert.ok(Array.isArray(writable) && writable.includes("email"), `${name}: lists what it writes`);
                assert.ok(!writable.some((a) => a.startsWith("custom:")), `${name}: writes no custom attribute`);
            }
        });

        it("a hosted domain and the customers and staff groups", function () {
            const domain = run.one("aws:cognito/userPoolDomain:UserPoolDomain", "dev-users-domain");
            assert.equal(domain.inputs.domain, `platform-dev-${ACCOUNT}`);
            const groups = run.ofType("aws:cognito/userGroup:UserGroup").filter((g) => g.name.startsWith("dev-users-"));
            assert.deepEqual(groups.map((g) => g.inputs.name).sort(), ["customers", "staff"]);
        });

        it("takes Output URLs that resolve later: the web client gets them and depends on where they came from", function () {
            const web = run.one("aws:cognito/userPoolClient:UserPoolClient", "edge-users-web-client");
            assert.deepEqual(web.inputs.callbackUrls, ["https://d111.cloudfront.net/auth/callback"]);
            assert.deepEqual(web.inputs.logoutUrls, ["https://d111.cloudfront.net/"]);
            assert.deepEqual(web.propertyDependencies.callbackUrls, [run.one("test:index:Site", "site").urn]);
            // The pool and the machine client do not wait for the site: only the web client's URLs come from it.
            assert.ok(!run.one("aws:cognito/userPool:UserPool", "edge-users-user-pool").dependencies.includes(run.one("test:index:Site", "site").urn));
        });

        it("assigns Cognito's default managed login style to the web client, so the hosted pages are served", function () {
            const branding = run.one("aws:cognito/managedLoginBranding:ManagedLoginBranding", "dev-users-web-login-branding");
            assert.equal(branding.inputs.useCognitoProvidedValues, true);
            assert.deepEqual(branding.propertyDependencies.clientId, [run.one("aws:cognito/userPoolClient:UserPoolClient", "dev-users-web-client").urn]);
            assert.ok(
                branding.dependencies.includes(run.one("aws:cognito/userPoolDomain:UserPoolDomain", "dev-users-domain").urn),
                "after the managed login domain",
            );
            assert.equal(
                run.ofType("aws:cognito/managedLoginBranding:ManagedLoginBranding").filter((b) => b.name.startsWith("dev-users-")).length,
                1,
                "none for the machine client",
            );
        });

        it("validates arguments, naming them", function () {
            assert.throws(() => new mod.Identity("i1", { ...identityArgs(), mfa: "OFF" as never }), /argument "mfa" is "OFF"; allowed: OPTIONAL, ON/);
            assert.throws(() => new mod.Identity("i2", { ...identityArgs(), threatProtection: "max" as never }), /argument "threatProtection"/);
            assert.throws(
                () => new mod.Identity("i3", { ...identityArgs(), callbackUrls: ["http://x.example.com/cb"] }),
                /argument "callbackUrls" is "http:\/\/x.example.com\/cb"; allowed: https:\/\//,
            );
            assert.throws(() => new mod.Identity("i4", { ...identityArgs(), logoutUrls: [] }), /argument "logoutUrls"/);
            // A plain string beside an Output is still checked; a fragment is refused (Cognito rejects it).
            assert.throws(
                () => new mod.Identity("i6", { ...identityArgs(), callbackUrls: [pulumi.output("https://a.example.com/cb"), "https://b.example.com/cb#x"] }),
                /argument "callbackUrls" is "https:\/\/b.example.com\/cb#x"; allowed: https:\/\/ URLs without a fragment/,
            );
            assert.throws(
                () => new mod.Identity("i7", { ...identityArgs(), logoutUrls: ["https:// spaced.example.com/"] }),
                /argument "logoutUrls" is "https:\/\/ spaced.example.com\/"/,
            );
            assert.throws(() => new mod.Identity("i5", { ...identityArgs(), minimumPasswordLength: 8 }), /argument "minimumPasswordLength" is 8/);
        });
    });
});
