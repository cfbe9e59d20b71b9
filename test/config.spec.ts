import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_KEYS, ConfigError, parseConfig, RawConfig } from "../config";
import { SECRET_PLACEHOLDER } from "../tools/preview/project";
import { projectConfigSchema } from "../tools/project-config-schema";
import { REQUIRED, problemsFor } from "./shared/config-problems";

const REPO = path.resolve(__dirname, "..");

/**
 * One bad value per key and the message an operator must see. Adding a key to config.ts without a
 * row here fails the spec below, so every key's error is tested.
 */
const BAD: Record<keyof typeof CONFIG_KEYS, [string, RegExp]> = {
    environment: ["qa", /^platform:environment: "qa" is not one of dev, staging, prod$/],
    logRetentionDays: ["45", /^platform:logRetentionDays: 45 is not one of 1, 3, 5, 7, 14, 30, 60, 90/],
    auditLogRetentionDays: ["100", /^platform:auditLogRetentionDays: 100 is not one of 1, 3, 5, 7, 14, 30, 60, 90/],
    alertEmails: ['["ops@example.com", "not-an-email"]', /^platform:alertEmails\[1\]: "not-an-email" is not an email address$/],
    escalationEmails: ['["lead@example"]', /^platform:escalationEmails\[0\]: "lead@example" is not an email address$/],
    pagerUrl: ["http://pager.example.com/hook", /^platform:pagerUrl: "http:\/\/pager.example.com\/hook" is not an https:\/\/ URL$/],
    escalationMinutes: ["2", /^platform:escalationMinutes: 2 is below the minimum 5 \(allowed: 5 to 1440\)$/],
    apiFunctionTimeoutSeconds: ["30", /^platform:apiFunctionTimeoutSeconds: 30 is above the maximum 29 \(allowed: 1 to 29\)$/],
    workerFunctionTimeoutSeconds: ["1000", /^platform:workerFunctionTimeoutSeconds: 1000 is above the maximum 900/],
    functionMemoryMb: ["64", /^platform:functionMemoryMb: 64 is below the minimum 128 \(allowed: 128 to 10240\)$/],
    functionReservedConcurrency: ["0", /^platform:functionReservedConcurrency: 0 is below the minimum 1/],
    functionErrorRatePercent: ["2.5", /^platform:functionErrorRatePercent: 2.5 is not a whole number$/],
    functionDurationPercentOfTimeout: ["5", /^platform:functionDurationPercentOfTimeout: 5 is below the minimum 10/],
    apiThrottleRateLimit: ["fast", /^platform:apiThrottleRateLimit: "fast" is not a number$/],
    apiThrottleBurstLimit: ["5001", /^platform:apiThrottleBurstLimit: 5001 is above the maximum 5000/],
    apiCacheEnabled: ["yes", /^platform:apiCacheEnabled: "yes" is not true or false$/],
    apiCacheSizeGb: ["2", /^platform:apiCacheSizeGb: "2" is not one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237$/],
    apiLatencyP99Ms: ["30000", /^platform:apiLatencyP99Ms: 30000 is above the maximum 29000/],
    api5xxRatePercent: ["101", /^platform:api5xxRatePercent: 101 is above the maximum 100/],
    wafRateLimit: ["50", /^platform:wafRateLimit: 50 is below the minimum 100/],
    wafBlockedRatePercent: ["0", /^platform:wafBlockedRatePercent: 0 is below the minimum 1 \(allowed: 1 to 100\)$/],
    shieldAdvanced: ["1", /^platform:shieldAdvanced: "1" is not true or false$/],
    edgeDomainName: ["WWW.Example", /^platform:edgeDomainName: "WWW.Example" is not a lower-case DNS domain name/],
    edgeCertificateArn: [
        "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123",
        /^platform:edgeCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate\/abc-123" is not an ACM certificate ARN in us-east-1/,
    ],
    edgeHostedZoneId: [
        "/hostedzone/Z0123456789ABCDEFGHIJ",
        /^platform:edgeHostedZoneId: "\/hostedzone\/Z0123456789ABCDEFGHIJ" is not a Route 53 hosted zone id \(Z and upper-case letters and digits/,
    ],
    edge5xxRatePercent: ["0", /^platform:edge5xxRatePercent: 0 is below the minimum 1 \(allowed: 1 to 100\)$/],
    cognitoMfa: ["REQUIRED", /^platform:cognitoMfa: "REQUIRED" is not one of OPTIONAL, ON$/],
    cognitoThreatProtection: ["block", /^platform:cognitoThreatProtection: "block" is not one of off, audit, enforced$/],
    deletionProtection: ["on", /^platform:deletionProtection: "on" is not true or false$/],
    maxReceiveCount: ["3", /^platform:maxReceiveCount: 3 is below the minimum 5 \(allowed: 5 to 1000\)$/],
    queueMaxAgeSeconds: ["30", /^platform:queueMaxAgeSeconds: 30 is below the minimum 60/],
    releaseStrategy: ["big-bang", /^platform:releaseStrategy: "big-bang" is not one of blue-green, rolling, canary$/],
    releaseStepPercent: ["100", /^platform:releaseStepPercent: 100 is above the maximum 99/],
    releaseIntervalMinutes: ["0", /^platform:releaseIntervalMinutes: 0 is below the minimum 1/],
    releaseBakeMinutes: ["13", /^platform:releaseBakeMinutes: 13 is above the maximum 12 \(allowed: 1 to 12\)$/],
    backupRetentionDays: ["0", /^platform:backupRetentionDays: 0 is below the minimum 1/],
    backupFrequentRetentionDays: ["0", /^platform:backupFrequentRetentionDays: 0 is below the minimum 1/],
    rpoMinutes: ["4", /^platform:rpoMinutes: 4 is below the minimum 5: DynamoDB point-in-time recovery restores to about 5 minutes ago at best/],
    rtoMinutes: ["1", /^platform:rtoMinutes: 1 is below the minimum 5/],
    tableName: ["orders table", /^platform:tableName: "orders table" is not a DynamoDB table name \(3 to 255 letters, digits, '_', '-' and '\.'\)$/],
    drCopies: ["yes", /^platform:drCopies: "yes" is not true or false$/],
    drRegion: ["eu-central-9", /^platform:drRegion: "eu-central-9" is not an AWS region \(such as eu-central-1\)$/],
    drStrategy: ["warm-standby", /^platform:drStrategy: "warm-standby" is not one of backup-restore, pilot-light$/],
    drCopyRetentionDays: ["0", /^platform:drCopyRetentionDays: 0 is below the minimum 1 \(allowed: 1 to 36500\)$/],
    drAccountId: ["12345", /^platform:drAccountId: "12345" is not a 12-digit AWS account id$/],
    drVaultArn: ["arn:aws:backup:eu-central-1:123:vault/x", /^platform:drVaultArn: "arn:aws:backup:eu-central-1:123:vault\/x" is not an AWS Backup vault ARN/],
    drClaims: [
        '["az-loss", "everything"]',
        /^platform:drClaims\[1\]: "everything" is not one of bad-deploy, bad-data, table-deleted, az-loss, region-loss, account-compromise$/,
    ],
    tableSizeGb: ["0", /^platform:tableSizeGb: 0 is below the minimum 1 \(allowed: 1 to 100000\)$/],
    drMeasuredRestoreMinutes: ["-1", /^platform:drMeasuredRestoreMinutes: -1 is below the minimum 0 \(allowed: 0 to 10080\)$/],
    drStandbyOf: ["Prod", /^platform:drStandbyOf: "Prod" is not a stack name \(lower-case letters, digits and dashes\)$/],
    drReplicaStreamArn: [
        "arn:aws:dynamodb:eu-west-1:1:table/x",
        /^platform:drReplicaStreamArn: "arn:aws:dynamodb:eu-west-1:1:table\/x" is not a DynamoDB stream ARN/,
    ],
    drReplicaKeyArn: ["alias/platform-prod-orders-replica", /^platform:drReplicaKeyArn: "alias\/platform-prod-orders-replica" is not a KMS key ARN/],
    drPrimaryStack: ["prod", /^platform:drPrimaryStack: "prod" is not a stack reference \(<organization>\/<project>\/<stack>\)/],
    emailDomain: ["Orders.Example", /^platform:emailDomain: "Orders.Example" is not a lower-case DNS domain name/],
    searchStandbyReplicas: ["maybe", /^platform:searchStandbyReplicas: "maybe" is not true or false$/],
    availabilityZones: ["1", /^platform:availabilityZones: 1 is below the minimum 2 \(allowed: 2 to 3\)$/],
    natGateways: ["None", /^platform:natGateways: "None" is not one of Single, OnePerAz$/],
    vpcCidr: [
        "10.0.0.0/8",
        /^platform:vpcCidr: "10.0.0.0\/8" has a \/8 prefix, which a VPC with a public and a private subnet in each zone cannot use \(allowed: an IPv4 CIDR block from \/16 to \/24/,
    ],
    threatDetection: ["all", /^platform:threatDetection: "all" is not one of full, guardduty-only$/],
    kpiNoOrderMinutes: ["2", /^platform:kpiNoOrderMinutes: 2 is below the minimum 5 \(allowed: 5 to 1439\)$/],
    kpiBusinessHours: [
        "Mon-Fri 08:30-20:00",
        /^platform:kpiBusinessHours: "Mon-Fri 08:30-20:00" starts or ends within an hour: the window must start and end on the hour \(allowed: "none", or days and whole hours such as "Mon-Fri 08:00-20:00"/,
    ],
    kpiTimeZone: [
        "Europe/Pariss",
        /^platform:kpiTimeZone: "Europe\/Pariss" is not a time zone of the IANA tz database \(allowed: an IANA time zone name such as Europe\/Paris/,
    ],
    kpiCancellationRatePercent: ["0", /^platform:kpiCancellationRatePercent: 0 is below the minimum 1 \(allowed: 1 to 100\)$/],
    kpiCancellationMinOrders: ["0", /^platform:kpiCancellationMinOrders: 0 is below the minimum 1 \(allowed: 1 to 1000000\)$/],
    // Capacity keys (issue 14).
    apiMemoryMb: ["64", /^platform:apiMemoryMb: 64 is outside 128 to 10240 \(allowed: 0 for functionMemoryMb, or 128 to 10240\)$/],
    apiReservedConcurrency: [
        "1001",
        /^platform:apiReservedConcurrency: 1001 is outside 1 to 1000 \(allowed: 0 for functionReservedConcurrency, or 1 to 1000\)$/,
    ],
    apiDurationP99Ms: ["0", /^platform:apiDurationP99Ms: 0 is below the minimum 1 \(allowed: 1 to 900000\)$/],
    emailWorkerMemoryMb: ["64", /^platform:emailWorkerMemoryMb: 64 is outside 128 to 10240 \(allowed: 0 for functionMemoryMb, or 128 to 10240\)$/],
    emailWorkerReservedConcurrency: [
        "1001",
        /^platform:emailWorkerReservedConcurrency: 1001 is outside 1 to 1000 \(allowed: 0 for functionReservedConcurrency, or 1 to 1000\)$/,
    ],
    emailWorkerTimeoutSeconds: [
        "901",
        /^platform:emailWorkerTimeoutSeconds: 901 is outside 1 to 900 \(allowed: 0 for workerFunctionTimeoutSeconds, or 1 to 900\)$/,
    ],
    emailWorkerDurationP99Ms: ["0", /^platform:emailWorkerDurationP99Ms: 0 is below the minimum 1 \(allowed: 1 to 900000\)$/],
    searchIndexerMemoryMb: ["64", /^platform:searchIndexerMemoryMb: 64 is outside 128 to 10240 \(allowed: 0 for functionMemoryMb, or 128 to 10240\)$/],
    searchIndexerReservedConcurrency: [
        "1001",
        /^platform:searchIndexerReservedConcurrency: 1001 is outside 1 to 1000 \(allowed: 0 for functionReservedConcurrency, or 1 to 1000\)$/,
    ],
    searchIndexerTimeoutSeconds: [
        "901",
        /^platform:searchIndexerTimeoutSeconds: 901 is outside 1 to 900 \(allowed: 0 for workerFunctionTimeoutSeconds, or 1 to 900\)$/,
    ],
    searchIndexerDurationP99Ms: ["0", /^platform:searchIndexerDurationP99Ms: 0 is below the minimum 1 \(allowed: 1 to 900000\)$/],
    sesFeedbackMemoryMb: ["64", /^platform:sesFeedbackMemoryMb: 64 is outside 128 to 10240 \(allowed: 0 for functionMemoryMb, or 128 to 10240\)$/],
    sesFeedbackReservedConcurrency: [
        "1001",
        /^platform:sesFeedbackReservedConcurrency: 1001 is outside 1 to 1000 \(allowed: 0 for functionReservedConcurrency, or 1 to 1000\)$/,
    ],
    sesFeedbackTimeoutSeconds: [
        "901",
        /^platform:sesFeedbackTimeoutSeconds: 901 is outside 1 to 900 \(allowed: 0 for workerFunctionTimeoutSeconds, or 1 to 900\)$/,
    ],
    sesFeedbackDurationP99Ms: ["0", /^platform:sesFeedbackDurationP99Ms: 0 is below the minimum 1 \(allowed: 1 to 900000\)$/],
    apiProvisionedConcurrencyMin: ["-1", /^platform:apiProvisionedConcurrencyMin: -1 is below the minimum 0 \(allowed: 0 to 1000\)$/],
    apiProvisionedConcurrencyMax: ["1001", /^platform:apiProvisionedConcurrencyMax: 1001 is above the maximum 1000 \(allowed: 0 to 1000\)$/],
    apiProvisionedConcurrencyTargetPercent: ["95", /^platform:apiProvisionedConcurrencyTargetPercent: 95 is above the maximum 90 \(allowed: 10 to 90\)$/],
    apiProvisionedConcurrencySchedule: [
        '["weekdays 10"]',
        /^platform:apiProvisionedConcurrencySchedule\[0\]: "weekdays 10" is not a scheduled capacity \(allowed: "<cron\(\.\.\.\)\|rate\(\.\.\.\)\|at/,
    ],
    apiProvisionedConcurrencyTimeZone: [
        "Mars/Olympus",
        /^platform:apiProvisionedConcurrencyTimeZone: "Mars\/Olympus" is not a time zone of the IANA tz database/,
    ],
    accountConcurrencyQuota: ["50", /^platform:accountConcurrencyQuota: 50 is below the minimum 100 \(allowed: 100 to 10000000\)$/],
    sesSendingQuotaPerSecond: ["0", /^platform:sesSendingQuotaPerSecond: 0 is below the minimum 1 \(allowed: 1 to 100000\)$/],
    sesSendingQuotaPer24h: ["0", /^platform:sesSendingQuotaPer24h: 0 is below the minimum 1 \(allowed: 1 to 1000000000\)$/],
    searchMaxIndexingOcus: ["1701", /^platform:searchMaxIndexingOcus: 1701 is above the maximum 1700 \(allowed: 1 to 1700\)$/],
    searchMaxSearchOcus: ["0", /^platform:searchMaxSearchOcus: 0 is below the minimum 1 \(allowed: 1 to 1700\)$/],
    dynamodbTableReadQuota: ["0", /^platform:dynamodbTableReadQuota: 0 is below the minimum 1/],
    dynamodbTableWriteQuota: ["many", /^platform:dynamodbTableWriteQuota: "many" is not a number$/],
    apiGatewayAccountRateQuota: ["0", /^platform:apiGatewayAccountRateQuota: 0 is below the minimum 1/],
    snsPublishQuotaPerSecond: ["-5", /^platform:snsPublishQuotaPerSecond: -5 is below the minimum 0 \(allowed: 0 to 1000000\)$/],
};

describe("stack configuration", () => {
    it("applies every default and returns typed values", () => {
        const c = parseConfig(REQUIRED);
        assert.equal(c.environment, "dev");
        assert.deepEqual(c.alertEmails, ["ops@example.com"]);
        assert.equal(c.logRetentionDays, 30);
        assert.equal(c.apiCacheEnabled, false);
        assert.equal(c.releaseStrategy, "canary");
        assert.equal(c.pagerUrl, "");
    });

    it("has a bad-value case for every key", () => {
        assert.deepEqual(Object.keys(BAD).sort(), Object.keys(CONFIG_KEYS).sort());
    });

    for (const [name, [value, expected]] of Object.entries(BAD)) {
        it(`names platform:${name}, its value and what is allowed`, () => {
            const problems = problemsFor({ [`platform:${name}`]: value });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], expected);
        });
    }

    it("lists every missing required key with how to set it", () => {
        const problems = (() => {
            try {
                parseConfig({});
                return [];
            } catch (err) {
                return (err as ConfigError).problems;
            }
        })();
        assert.deepEqual(
            problems.map((p) => p.split(" ")[0]),
            ["platform:environment", "platform:alertEmails", "platform:emailDomain", "aws:region"],
        );
        assert.match(problems[1], /Set it with `pulumi config set alertEmails <value>`/);
    });

    it("takes a custom edge domain with or without its own certificate, but a certificate or a zone only with a domain", () => {
        const cert = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
        const zone = "Z0123456789ABCDEFGHIJ";
        // No certificate: the stack requests one (its validation records become a stack output).
        assert.deepEqual(problemsFor({ "platform:edgeDomainName": "www.example.com" }), []);
        assert.deepEqual(problemsFor({ "platform:edgeDomainName": "www.example.com", "platform:edgeCertificateArn": cert }), []);
        assert.deepEqual(problemsFor({ "platform:edgeDomainName": "www.example.com", "platform:edgeHostedZoneId": zone }), []);
        assert.deepEqual(problemsFor({ "platform:edgeCertificateArn": cert }), [
            "platform:edgeCertificateArn is set but platform:edgeDomainName is empty: it belongs to a custom domain; set platform:edgeDomainName too, or remove platform:edgeCertificateArn",
        ]);
        assert.deepEqual(
            problemsFor({ "platform:edgeCertificateArn": cert, "platform:edgeHostedZoneId": zone }).map((p) => p.split(" ")[0]),
            ["platform:edgeCertificateArn", "platform:edgeHostedZoneId"],
        );
        // A domain that is not a DNS name is refused on its own, not also as "empty".
        assert.deepEqual(
            problemsFor({ "platform:edgeDomainName": "https://shop.example.com", "platform:edgeHostedZoneId": zone }).map((p) => p.split(":")[1]),
            ["edgeDomainName"],
        );
        assert.match(
            problemsFor({ "platform:edgeDomainName": "shop.example.com." })[0],
            /^platform:edgeDomainName: "shop.example.com." is not a lower-case DNS domain name/,
        );
    });

    it("refuses release steps, canary bakes and post-release bakes shorter than the rollback alarms' detection time", () => {
        const rolling = problemsFor({ "platform:releaseStrategy": "rolling", "platform:releaseIntervalMinutes": "2" });
        assert.deepEqual(rolling, [
            "platform:releaseIntervalMinutes: 2 minutes (how long each rolling step lasts) is shorter than the 3 minutes the rollback alarms need to detect a bad version " +
                "(3 breaching datapoints of 1 minute); set platform:releaseIntervalMinutes to 3 or more, or use platform:releaseStrategy blue-green",
        ]);
        assert.match(
            problemsFor({ "platform:releaseIntervalMinutes": "1" })[0],
            /^platform:releaseIntervalMinutes: 1 minutes \(how long the canary bakes\) is shorter than the 3 minutes/,
        );
        const bake = problemsFor({ "platform:releaseStrategy": "blue-green", "platform:releaseBakeMinutes": "2" });
        assert.deepEqual(bake, [
            "platform:releaseBakeMinutes: 2 minutes leaves no margin over the 3 minutes the rollback alarms need to detect a bad version (3 breaching datapoints of 1 minute): " +
                "a release failing from its first minute could complete as its alarm fires; set platform:releaseBakeMinutes to 5 or more (the detection time and 2 minutes of margin; at most 12)",
        ]);
        // The bare detection time is no margin (dev's former 3: its drill's release completed as the 5xx alarm fired).
        for (const minutes of ["3", "4"])
            assert.match(problemsFor({ "platform:releaseStrategy": "blue-green", "platform:releaseBakeMinutes": minutes })[0], /leaves no margin/, minutes);
        assert.deepEqual(problemsFor({ "platform:releaseStrategy": "blue-green", "platform:releaseBakeMinutes": "5" }), []);
        // Blue/green has no steps: its interval is not judged, only the bake that follows the shift.
        assert.deepEqual(problemsFor({ "platform:releaseStrategy": "blue-green", "platform:releaseIntervalMinutes": "1" }), []);
        assert.deepEqual(
            problemsFor({ "platform:releaseStrategy": "rolling", "platform:releaseIntervalMinutes": "3", "platform:releaseBakeMinutes": "5" }),
            [],
        );
    });

    describe("a prod stack's escalated tier", () => {
        const prod = { "platform:environment": "prod" };
        it("refuses prod with neither escalationEmails nor pagerUrl, naming both keys and how to set them", () => {
            const problems = problemsFor(prod);
            assert.deepEqual(problems, [
                "platform:environment is prod, but the escalated tier has no target beyond the alertEmails mailboxes: set platform:escalationEmails " +
                    "(`pulumi config set --path 'escalationEmails[0]' oncall-lead@example.com`) or platform:pagerUrl (`pulumi config set --secret pagerUrl https://...`)",
            ]);
            assert.deepEqual(problemsFor({ ...prod, "platform:escalationEmails": "[]" }), problems, "an explicit empty list is no tier either");
        });
        it("accepts prod with escalationEmails, with a pager, or with a secret pager the preview cannot read", () => {
            assert.deepEqual(problemsFor({ ...prod, "platform:escalationEmails": '["oncall-lead@example.com"]' }), []);
            assert.deepEqual(problemsFor({ ...prod, "platform:pagerUrl": "https://events.pagerduty.example.com/integration/abc/enqueue" }), []);
            const secretKeys = new Set(["platform:pagerUrl"]);
            // What the offline preview hands the program for a `secure:` value it cannot decrypt.
            const c = parseConfig({ ...REQUIRED, ...prod, "platform:pagerUrl": SECRET_PLACEHOLDER }, "platform", { secretKeys, skipSecretFormat: true });
            assert.deepEqual(c.escalationEmails, []);
        });
        it("refuses, on every stack, an escalation list that adds no one to alertEmails and no pager: it would escalate to no one new", () => {
            const same = (environment: string, list: string, alerts = '["ops@example.com"]') =>
                problemsFor({ "platform:environment": environment, "platform:alertEmails": alerts, "platform:escalationEmails": list });
            const problem =
                'platform:escalationEmails: ["ops@example.com"] are all alertEmails mailboxes, so an escalation reaches no one who has not had the warning: ' +
                "name the escalated tier's own mailbox (`pulumi config set --path 'escalationEmails[0]' oncall-lead@example.com`), or set platform:pagerUrl";
            for (const environment of ["dev", "staging", "prod"]) assert.deepEqual(same(environment, '["ops@example.com"]'), [problem], environment);
            assert.deepEqual(same("dev", '["Ops@Example.com"]').length, 1, "mailboxes compare case-insensitively");
            assert.deepEqual(same("dev", '["b@example.com"]', '["a@example.com", "b@example.com"]').length, 1, "a subset is no one new either");
            assert.deepEqual(same("dev", '["ops@example.com", "lead@example.com"]'), [], "one mailbox of its own is someone new");
            const pager = { "platform:pagerUrl": "https://events.pagerduty.example.com/integration/abc/enqueue" };
            assert.deepEqual(
                problemsFor({ ...pager, "platform:escalationEmails": '["ops@example.com"]' }),
                [],
                "the pager, which a warning never pages, is someone new",
            );
        });
        it("lets dev and staging fall back to alertEmails, and reports a bad prod mailbox once, as a bad mailbox", () => {
            assert.deepEqual(problemsFor({ "platform:environment": "staging" }), []);
            assert.deepEqual(parseConfig(REQUIRED).escalationEmails, []);
            const problems = problemsFor({ ...prod, "platform:escalationEmails": '["oncall lead"]' });
            assert.deepEqual(problems, ['platform:escalationEmails[0]: "oncall lead" is not an email address']);
        });
    });

    describe("business KPIs: business hours, time zone and the no-order window", () => {
        it("takes day ranges, day lists and whole hours up to 24:00, and none", () => {
            for (const hours of ["Mon-Fri 08:00-20:00", "Mon,Wed,Sat 09:00-17:00", "Sat-Sun 10:00-24:00", "Sun 00:00-02:00", "none"]) {
                assert.deepEqual(problemsFor({ "platform:kpiBusinessHours": hours }), [], hours);
            }
            assert.deepEqual(parseConfig(REQUIRED).kpiBusinessHours, "Mon-Fri 08:00-20:00", "armed by default");
            assert.deepEqual(parseConfig(REQUIRED).kpiTimeZone, "UTC");
        });

        it("refuses windows over midnight, unknown days and other shapes, saying what is allowed", () => {
            assert.match(
                problemsFor({ "platform:kpiBusinessHours": "Mon-Fri 22:00-06:00" })[0],
                /does not end after it starts within one day \(a window over midnight is two windows/,
            );
            assert.match(
                problemsFor({ "platform:kpiBusinessHours": "Fri-Mon 08:00-20:00" })[0],
                /does not name its days as Mon to Sun, a range such as Mon-Fri/,
            );
            assert.match(problemsFor({ "platform:kpiBusinessHours": "Weekdays 08:00-20:00" })[0], /does not name its days/);
            assert.match(
                problemsFor({ "platform:kpiBusinessHours": "8-20" })[0],
                /^platform:kpiBusinessHours: "8-20" is not a business-hours window \(allowed: "none", or days/,
            );
        });

        it("refuses a fixed UTC offset, which does not follow daylight saving time", () => {
            assert.match(
                problemsFor({ "platform:kpiTimeZone": "+01:00" })[0],
                /^platform:kpiTimeZone: "\+01:00" is not a time zone name \(allowed: an IANA time zone name/,
            );
            assert.deepEqual(problemsFor({ "platform:kpiTimeZone": "America/New_York" }), []);
        });

        it("refuses a no-order window a business day cannot hold: the alarm could never fire", () => {
            assert.deepEqual(problemsFor({ "platform:kpiBusinessHours": "Mon-Fri 09:00-17:00", "platform:kpiNoOrderMinutes": "480" }), [
                'platform:kpiNoOrderMinutes: 480 is not shorter than a business day of platform:kpiBusinessHours "Mon-Fri 09:00-17:00" (480 minutes): ' +
                    "no order-free stretch that long fits in business hours, so the alarm could never fire; set platform:kpiNoOrderMinutes below 480",
            ]);
            assert.deepEqual(problemsFor({ "platform:kpiBusinessHours": "Mon-Fri 09:00-17:00", "platform:kpiNoOrderMinutes": "479" }), []);
            // Not armed, so not judged.
            assert.deepEqual(problemsFor({ "platform:kpiBusinessHours": "none", "platform:kpiNoOrderMinutes": "1000" }), []);
        });

        it("refuses a prod stack without business hours: the issue's no-order alarm must be armed there", () => {
            const prod = { "platform:environment": "prod", "platform:escalationEmails": '["lead@example.com"]' };
            assert.deepEqual(problemsFor({ ...prod, "platform:kpiBusinessHours": "none" }), [
                "platform:environment is prod, but platform:kpiBusinessHours is none: the no-order alarm would never be armed; " +
                    'set the hours orders are expected (`pulumi config set kpiBusinessHours "Mon-Fri 08:00-20:00"`) and platform:kpiTimeZone',
            ]);
            assert.deepEqual(problemsFor({ "platform:environment": "staging", "platform:kpiBusinessHours": "none" }), []);
        });
    });

    it("rejects an empty alert list and a misspelt key", () => {
        const problems = problemsFor({ "platform:alertEmails": "[]", "platform:logRetention": "30" });
        assert.match(problems[0], /^platform:alertEmails: \[\] needs at least one email address$/);
        assert.match(problems[1], /^platform:logRetention is not a configuration key of this project \(known keys: environment, logRetentionDays,/);
    });

    describe("values no component could use, refused with the rest", () => {
        it("a mailbox listed twice, in either list, whatever its case", () => {
            assert.deepEqual(problemsFor({ "platform:alertEmails": '["ops@example.com", "oncall@example.com", "Ops@Example.com"]' }), [
                'platform:alertEmails[2]: "Ops@Example.com" is listed twice (also at [0]); each mailbox is subscribed once',
            ]);
            assert.match(
                problemsFor({ "platform:escalationEmails": '["lead@example.com", "lead@example.com"]' })[0],
                /^platform:escalationEmails\[1\]: "lead@example.com" is listed twice/,
            );
        });

        it("a backlog alarm at or past the queues' retention, which could never fire", () => {
            assert.match(
                problemsFor({ "platform:queueMaxAgeSeconds": "1209600" })[0],
                /^platform:queueMaxAgeSeconds: 1209600 is above the maximum 1209599: SQS deletes a message after the queues' retention \(1209600 s\)/,
            );
            assert.deepEqual(problemsFor({ "platform:queueMaxAgeSeconds": "1209599" }), []);
        });

        it("a throttle burst below the rate", () => {
            assert.deepEqual(problemsFor({ "platform:apiThrottleRateLimit": "200", "platform:apiThrottleBurstLimit": "150" }), [
                "platform:apiThrottleBurstLimit: 150 is below platform:apiThrottleRateLimit 200: API Gateway's token bucket holds at most the burst, so a steady 200 requests a second would be throttled; set the burst to 200 or more, or lower the rate",
            ]);
            assert.deepEqual(problemsFor({ "platform:apiThrottleRateLimit": "200", "platform:apiThrottleBurstLimit": "200" }), []);
        });

        it("frequent recovery points kept longer than the daily one; the default fits any retention", () => {
            assert.deepEqual(problemsFor({ "platform:backupRetentionDays": "7", "platform:backupFrequentRetentionDays": "8" }), [
                "platform:backupFrequentRetentionDays: 8 is above platform:backupRetentionDays 7: the frequent recovery points are kept at most as long as the daily one; set it to 7 or less, or raise backupRetentionDays",
            ]);
            assert.deepEqual(problemsFor({ "platform:backupRetentionDays": "7", "platform:backupFrequentRetentionDays": "7" }), []);
            assert.deepEqual(problemsFor({ "platform:backupRetentionDays": "1" }), [], "the default 2 is capped at a 1-day retention, not refused");
        });

        it("a VPC block that is not a network address, or one too small for a subnet pair per zone", () => {
            assert.match(
                problemsFor({ "platform:vpcCidr": "10.0.1.0/16" })[0],
                /^platform:vpcCidr: "10.0.1.0\/16" is not the start of a \/16 block: its host bits are set/,
            );
            assert.match(problemsFor({ "platform:vpcCidr": "10.0.0.0/26" })[0], /has a \/26 prefix/);
            assert.match(problemsFor({ "platform:vpcCidr": "10.0.300.0/24" })[0], /is not an IPv4 CIDR block/);
            assert.deepEqual(problemsFor({ "platform:vpcCidr": "172.31.128.0/20" }), []);
        });

        it("an aws:region that is not an AWS region, naming the regions it might have meant", () => {
            assert.deepEqual(problemsFor({ "aws:region": "eu-west-9" }), [
                'aws:region: "eu-west-9" is not an AWS region (regions of eu: eu-central-1, eu-central-2, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-2, eu-west-3, eu-isoe-west-1)',
            ]);
            assert.match(problemsFor({ "aws:region": "ireland" })[0], /^aws:region: "ireland" is not an AWS region \(allowed: af-south-1, /);
            assert.deepEqual(problemsFor({ "aws:region": "us-gov-west-1" }), []);
        });

        it("every one of them in the same list, so one pass over the stack file fixes them all", () => {
            const problems = problemsFor({
                "aws:region": "mars-1",
                "platform:alertEmails": '["a@example.com", "a@example.com"]',
                "platform:rpoMinutes": "1",
                "platform:vpcCidr": "10.0.0.0/8",
                "platform:queueMaxAgeSeconds": "2000000",
                "platform:apiThrottleBurstLimit": "10",
            });
            assert.deepEqual(
                problems.map((p) => p.split(/[:[ ]/).slice(0, 2).join(":")),
                [
                    "platform:alertEmails",
                    "platform:queueMaxAgeSeconds",
                    "platform:rpoMinutes",
                    "platform:vpcCidr",
                    "platform:apiThrottleBurstLimit",
                    "aws:region",
                ],
            );
        });
    });

    it("reports every problem at once, in one error", () => {
        assert.throws(
            () => parseConfig({ ...REQUIRED, "platform:environment": "qa", "platform:maxReceiveCount": "2" }),
            (err: Error) => /Invalid stack configuration:\n  - platform:environment.*\n  - platform:maxReceiveCount/.test(err.message),
        );
    });

    it("never prints a secret's value, and leaves an undecryptable secret for pulumi up to check", () => {
        const secretKeys = new Set(["platform:pagerUrl"]);
        assert.throws(
            () => parseConfig({ ...REQUIRED, "platform:pagerUrl": "http://token@pager" }, "platform", { secretKeys }),
            (err: Error) => err.message.includes("platform:pagerUrl: [secret] is not an https:// URL") && !err.message.includes("token"),
        );
        const c = parseConfig({ ...REQUIRED, "platform:pagerUrl": "[secret]" }, "platform", { secretKeys, skipSecretFormat: true });
        assert.equal(c.pagerUrl, "[secret]");
    });

    it("Pulumi.yaml declares exactly config.ts's keys, types, defaults and descriptions", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
        const projectKeys = Object.fromEntries(Object.entries(doc.config).filter(([k]) => !k.includes(":")));
        assert.deepEqual(projectKeys, projectConfigSchema(), "Pulumi.yaml is stale: run `npx ts-node --transpile-only tools/project-config-schema.ts`");
    });

    for (const stack of ["dev", "staging", "prod"]) {
        it(`Pulumi.${stack}.yaml is valid and sets only keys the project declares`, () => {
            const doc = YAML.parse(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
            const raw: RawConfig = {};
            for (const [k, v] of Object.entries(doc.config)) {
                raw[k] = typeof v === "string" ? v : JSON.stringify(v);
            }
            const c = parseConfig(raw);
            assert.equal(c.environment, stack);
            assert.ok(typeof doc.config["aws:region"] === "string", "each stack names its region");
        });
    }
});
