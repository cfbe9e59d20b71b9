import { strict as assert } from "node:assert";
import { ALLOWED_DIFFERENCES } from "./allowed-differences";
import { STACKS, StackRun, runProgram } from "./program";

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const ZONE = "Z0123456789ABCDEFGHIJ";
// dev with prod's disaster recovery (copies to drRegion, pilot-light), and what that adds to dev.
const DEV_DR = { "platform:drCopies": "true", "platform:drStrategy": "pilot-light" };
const SECURITY_HUB_ADDED = [
    "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-critical",
    "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-info",
    "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-warning",
    "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-critical-target",
    "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-info-target",
    "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-warning-target",
    "aws:securityhub/account:Account::threat-detection-security-hub",
    "aws:securityhub/standardsSubscription:StandardsSubscription::threat-detection-fsbp",
];
const REPLICA_BUCKET_SETTINGS = {
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "lifecycle",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "ownership",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "public-access",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "encryption",
    "aws:s3/bucketVersioning:BucketVersioning": "versioning",
};
const replicaBucket = (b: string) => [
    `aws:s3/bucket:Bucket::${b}`,
    `platform:storage:SecureBucket::${b}`,
    ...Object.entries(REPLICA_BUCKET_SETTINGS).map(([t, suffix]) => `${t}::${b}-${suffix}`),
];
const DR_ADDED = [
    ...replicaBucket("audit-replica"),
    ...replicaBucket("audit-replica-logs"),
    "aws:backup/vault:Vault::table-backup-dr-vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration::table-backup-dr-vault-lock",
    "aws:cloudwatch/metricAlarm:MetricAlarm::orders-replication-latency",
    "aws:cloudwatch/metricAlarm:MetricAlarm::orders-replication-latency-escalated",
    "aws:cloudwatch/metricAlarm:MetricAlarm::table-backup-copy-jobs-failed",
    "aws:cloudwatch/metricAlarm:MetricAlarm::table-backup-copy-jobs-failed-escalated",
    "aws:iam/role:Role::audit-replication-role",
    "aws:iam/rolePolicy:RolePolicy::audit-replication-policy",
    "aws:kms/alias:Alias::audit-replica-key-alias",
    "aws:kms/alias:Alias::orders-replica-key-alias",
    "aws:kms/alias:Alias::table-backup-dr-key-alias",
    "aws:kms/key:Key::audit-replica-key",
    "aws:kms/key:Key::orders-replica-key",
    "aws:kms/key:Key::table-backup-dr-key",
    "aws:s3/bucketLogging:BucketLogging::audit-replica-access-logs",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig::audit-replication",
    "pulumi:providers:aws::audit-dr",
    "pulumi:providers:aws::orders-dr",
    "pulumi:providers:aws::table-backup-dr",
];
const allowed = (k: string) => {
    const [type, name] = k.split("::");
    return ALLOWED_DIFFERENCES.some((d) => d.type === type && d.name.test(name));
};

describe("stack parity: dev, staging and prod have the same shape", function () {
    this.timeout(120000);
    const runs: Record<string, StackRun> = {};
    let optional: StackRun;
    let devWithDomain: StackRun;
    let devWithSecurityHub: StackRun;

    before(async function () {
        for (const s of STACKS) {
            runs[s] = await runProgram(s);
        }
        optional = await runProgram("prod", {
            "platform:pagerUrl": "https://events.pager.example.com/integration/abc",
            "platform:shieldAdvanced": "true",
            "platform:edgeDomainName": "shop.example.com",
            "platform:edgeCertificateArn": CERT,
            "platform:edgeHostedZoneId": ZONE,
        });
        // What staging and prod do, in dev: a custom domain whose certificate the stack requests.
        devWithDomain = await runProgram("dev", { "platform:edgeDomainName": "dev.shop.example.com" });
        // And staging's and prod's threat detection: Security Hub next to GuardDuty.
        // And prod's disaster recovery, in the same run (each run costs seconds): copies to drRegion and the
        // table's pilot-light replica there. Their additions are disjoint, and each is asserted exactly below.
        devWithSecurityHub = await runProgram("dev", { "platform:threatDetection": "full", ...DEV_DR });
    });

    it("every stack builds the same component types", function () {
        const components = (s: string) => [...new Set(runs[s].run.resources.filter((r) => r.type.startsWith("platform:")).map((r) => r.type))].sort();
        assert.ok(components("dev").length >= 9, `components: ${components("dev").join(", ")}`);
        for (const s of STACKS) {
            assert.deepEqual(components(s), components("dev"), s);
        }
    });

    it("no two components share a name, and each names its children after itself", function () {
        // Pulumi moves a renamed component's children (aliases) only when each child's name starts with
        // the component's: the convention is what makes a rename safe, so a child outside it is a defect.
        for (const s of STACKS) {
            const resources = runs[s].run.resources;
            const components = resources.filter((r) => r.type.startsWith("platform:"));
            const names = components.map((c) => c.name);
            assert.deepEqual(
                names.filter((n, i) => names.indexOf(n) !== i),
                [],
                `${s}: components with the same name`,
            );
            const byUrn = new Map(components.map((c) => [c.urn, c]));
            for (const r of resources) {
                const parent = byUrn.get(r.parentUrn);
                if (parent) {
                    assert.ok(
                        r.name === parent.name || r.name.startsWith(`${parent.name}-`),
                        `${s}: ${r.type} ${r.name} is a child of ${parent.name} but not named ${parent.name}-...`,
                    );
                }
            }
        }
    });

    it("every stack builds the same resource types", function () {
        // Apart from the listed differences: dev has no custom edge domain, so no certificate (ACM) types.
        const types = (s: string) => [...new Set(runs[s].run.resources.filter((r) => !allowed(key(r))).map((r) => r.type))].sort();
        for (const s of STACKS) {
            assert.deepEqual(types(s), types("dev"), s);
        }
    });

    it("logical names match across stacks except for the listed, reasoned differences", function () {
        for (const a of STACKS) {
            for (const b of STACKS) {
                const names = (s: string) => new Set(runs[s].run.resources.map(key));
                const only = [...names(a)].filter((k) => !names(b).has(k));
                const unexplained = only.filter((k) => !allowed(k));
                assert.deepEqual(unexplained, [], `in ${a} but not ${b}, and not in ALLOWED_DIFFERENCES`);
            }
        }
    });

    it("every stack exports the same outputs", function () {
        for (const s of STACKS) {
            assert.deepEqual(runs[s].outputs, runs.dev.outputs, s);
        }
        for (const o of ["apiUrl", "apiId", "userPoolId", "userPoolClientIds", "eventTopicArn", "tableName", "alertTopicArns", "kmsKeyArns", "queues"]) {
            assert.ok(runs.dev.outputs.includes(o), `output ${o}`);
        }
    });

    it("each allowed difference has a reason and is the only change its config makes", function () {
        for (const d of ALLOWED_DIFFERENCES) {
            assert.ok(d.reason.length > 40, `${d.type} ${d.name}: say why`);
        }
        // One run with every optional feature on: a pager, Shield Advanced, and the custom edge domain with
        // an own certificate in a Route 53 zone. What it adds must be exactly the listed differences.
        const addedTo = (base: StackRun, other: StackRun) => {
            const had = new Set(base.run.resources.map(key));
            return other.run.resources
                .map(key)
                .filter((k) => !had.has(k))
                .sort();
        };
        const added = addedTo(runs.prod, optional);
        // The edge's us-east-1 critical topic pages too (CloudFront alarms can only notify topics there),
        // and both escalation topics page: an unresolved warning reaches the pager. The zone gets the
        // domain's alias records; an own certificate needs no validation record.
        assert.deepEqual(added, [
            "aws:route53/record:Record::edge-alias-a",
            "aws:route53/record:Record::edge-alias-aaaa",
            "aws:shield/protection:Protection::edge-shield",
            "aws:sns/topicSubscription:TopicSubscription::alerting-critical-pager",
            "aws:sns/topicSubscription:TopicSubscription::alerting-escalation-pager",
            "aws:sns/topicSubscription:TopicSubscription::edge-alerts-critical-pager",
            "aws:sns/topicSubscription:TopicSubscription::edge-alerts-escalation-pager",
        ]);
        // An own certificate replaces the requested one; a requested one is all a custom domain adds.
        assert.deepEqual(addedTo(optional, runs.prod), [
            "aws:acm/certificate:Certificate::edge-certificate",
            "aws:acm/certificateValidation:CertificateValidation::edge-certificate-validation",
        ]);
        assert.deepEqual(addedTo(runs.dev, devWithDomain), [
            "aws:acm/certificate:Certificate::edge-certificate",
            "aws:acm/certificateValidation:CertificateValidation::edge-certificate-validation",
        ]);
        // Full threat detection adds Security Hub, its standard and its finding rules with their targets, nothing else
        // (the same run turns disaster recovery on: what that adds is the test below's).
        assert.deepEqual(
            addedTo(runs.dev, devWithSecurityHub).filter((k) => !DR_ADDED.includes(k)),
            [
                "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-critical",
                "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-info",
                "aws:cloudwatch/eventRule:EventRule::threat-detection-securityhub-warning",
                "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-critical-target",
                "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-info-target",
                "aws:cloudwatch/eventTarget:EventTarget::threat-detection-securityhub-warning-target",
                "aws:securityhub/account:Account::threat-detection-security-hub",
                "aws:securityhub/standardsSubscription:StandardsSubscription::threat-detection-fsbp",
            ],
        );
        assert.deepEqual(addedTo(devWithSecurityHub, runs.dev), []);
        for (const k of [...added, ...addedTo(runs.dev, devWithDomain), ...addedTo(runs.dev, devWithSecurityHub)]) {
            assert.ok(allowed(k), `${k} is listed in ALLOWED_DIFFERENCES`);
        }
    });

    it("disaster recovery adds exactly its copies in drRegion, the replica, and their alarms, each a listed difference", function () {
        const had = new Set([...runs.dev.run.resources.map(key), ...SECURITY_HUB_ADDED]);
        const added = devWithSecurityHub.run.resources
            .map(key)
            .filter((k) => !had.has(k))
            .sort();
        assert.deepEqual(added, [...DR_ADDED].sort());
        for (const k of added) assert.ok(allowed(k), `${k} is listed in ALLOWED_DIFFERENCES`);
        // Every DR resource goes through a provider for drRegion, none through the stack's own.
        const drProviders = devWithSecurityHub.run.resources.filter((r) => r.type === "pulumi:providers:aws" && /-dr$/.test(r.name));
        assert.deepEqual(
            drProviders.map((p) => [p.name, p.inputs.region]),
            [
                ["orders-dr", "eu-central-1"],
                ["table-backup-dr", "eu-central-1"],
                ["audit-dr", "eu-central-1"],
            ],
        );
    });

    describe("sign-in URLs with a custom edge domain", function () {
        // Where Cognito's hosted sign-in sends the browser back: the site the stack serves. The distribution's
        // own domain is checked in the offline preview (test/preview/stacks.spec.ts, update mode).
        it("the web client returns to the custom domain, not the sending domain or the cloudfront.net name", function () {
            const web = optional.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-web-client");
            assert.deepEqual(web.inputs.callbackUrls, ["https://shop.example.com/auth/callback"]);
            assert.deepEqual(web.inputs.logoutUrls, ["https://shop.example.com/"]);
            assert.deepEqual(optional.run.one("aws:cloudfront/distribution:Distribution", "edge-distribution").inputs.aliases, ["shop.example.com"]);
        });

        it("a known domain makes the client wait for nothing: it does not depend on the distribution", function () {
            const web = optional.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-web-client");
            const distribution = optional.run.one("aws:cloudfront/distribution:Distribution", "edge-distribution");
            assert.ok(!web.dependencies.includes(distribution.urn), "the client waits on the distribution although the URL is known");
        });

        it("the machine client has no hosted-UI URLs, and only the web client gets a managed login style", function () {
            const machine = optional.run.one("aws:cognito/userPoolClient:UserPoolClient", "identity-machine-client");
            assert.equal(machine.inputs.callbackUrls, undefined);
            const branding = optional.run.ofType("aws:cognito/managedLoginBranding:ManagedLoginBranding");
            assert.deepEqual(
                branding.map((b) => b.name),
                ["identity-web-login-branding"],
            );
        });
    });

    it("the API caches only GET /orders/search, keyed by the caller: the same resources in every stack, caching on where the stack says", function () {
        for (const s of STACKS) {
            const r = runs[s].run;
            const settings = r.ofType("aws:apigateway/methodSettings:MethodSettings");
            assert.deepEqual(settings.map((m) => m.inputs.methodPath).sort(), ["*/*", "orders/search/GET"], s);
            const search = settings.find((m) => m.inputs.methodPath === "orders/search/GET");
            assert.equal(search?.inputs.settings.cachingEnabled, s === "prod", s);
            assert.equal(search?.inputs.settings.cacheTtlInSeconds, 30, s);
            assert.equal(settings.find((m) => m.inputs.methodPath === "*/*")?.inputs.settings.cachingEnabled, false, s);
            assert.equal(r.one("aws:apigateway/stage:Stage", "gateway-stage").inputs.cacheClusterEnabled, s === "prod", s);
            const keyed = r.ofType("aws:apigateway/integration:Integration").filter((i) => i.inputs.cacheKeyParameters !== undefined);
            assert.deepEqual(
                keyed.map((i) => [i.name, i.inputs.cacheKeyParameters]),
                [
                    [
                        "gateway-get-orders-search-integration",
                        ["method.request.header.Authorization", "method.request.querystring.q", "method.request.querystring.limit"],
                    ],
                ],
                s,
            );
            // The reads take the machine client's access token; the writes stay on ID tokens (the verified email).
            const machineScopes = r.one("aws:cognito/userPoolClient:UserPoolClient", "identity-machine-client").inputs.allowedOauthScopes as string[];
            for (const m of r.ofType("aws:apigateway/method:Method").filter((x) => x.inputs.authorization === "COGNITO_USER_POOLS")) {
                const scopes = (m.inputs.authorizationScopes ?? []) as string[];
                assert.equal(
                    scopes.some((x) => machineScopes.includes(x)),
                    m.inputs.httpMethod === "GET",
                    `${s} ${m.name}: ${scopes.join(" ")}`,
                );
            }
        }
    });

    it("prod protects stateful resources; dev and staging can be torn down", function () {
        // The backup vault, its lock and plan hold the table's recovery points (components/backup.ts).
        const stateful = [
            "aws:kms/key:Key",
            "aws:dynamodb/table:Table",
            "aws:cognito/userPool:UserPool",
            "aws:backup/vault:Vault",
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "aws:backup/plan:Plan",
        ];
        for (const s of STACKS) {
            const expected = s === "prod";
            for (const r of runs[s].run.resources.filter((x) => stateful.includes(x.type))) {
                assert.equal(r.protect, expected, `${s} ${r.name}`);
            }
        }
    });
});
