import { strict as assert } from "node:assert";
import { functionCapacities, parseConfig, type RawConfig } from "../config";
import { REQUIRED, problemsFor } from "./shared/config-problems";

describe("capacity configuration: per-function sizes, provisioned concurrency, account quotas", () => {
    it("sizes each function by its own keys, the stack-wide ones where 0", () => {
        const c = parseConfig({
            ...REQUIRED,
            "platform:functionMemoryMb": "512",
            "platform:apiMemoryMb": "2048",
            "platform:emailWorkerReservedConcurrency": "7",
            "platform:searchIndexerTimeoutSeconds": "60",
        });
        const caps = functionCapacities(c);
        assert.deepEqual(caps.api, { memoryMb: 2048, reservedConcurrency: 10, timeoutSeconds: 10, durationP99Ms: 300 });
        assert.deepEqual(caps["email-worker"], { memoryMb: 512, reservedConcurrency: 7, timeoutSeconds: 30, durationP99Ms: 800 });
        assert.equal(caps["search-indexer"].timeoutSeconds, 60);
        assert.equal(caps["ses-feedback"].reservedConcurrency, 10);
    });

    it("defaults the account quotas to AWS's and provisioned concurrency to none", () => {
        const c = parseConfig(REQUIRED);
        assert.deepEqual(
            [
                c.accountConcurrencyQuota,
                c.sesSendingQuotaPerSecond,
                c.sesSendingQuotaPer24h,
                c.searchMaxSearchOcus,
                c.apiProvisionedConcurrencyMax,
                c.apiProvisionedConcurrencySchedule,
            ],
            [1000, 1, 200, 10, 0, []],
        );
    });

    const cases: [string, RawConfig, RegExp][] = [
        [
            "an email worker too small for its mapping",
            { "platform:functionReservedConcurrency": "2" },
            /^platform:functionReservedConcurrency: the email worker's reserved concurrency 2 is below 3: .*set platform:emailWorkerReservedConcurrency to 3 or more$/,
        ],
        [
            "provisioned concurrency above the api function's reservation",
            { "platform:apiProvisionedConcurrencyMin": "1", "platform:apiProvisionedConcurrencyMax": "20" },
            /^platform:apiProvisionedConcurrencyMax: 20 is above the api function's reserved concurrency 10/,
        ],
        [
            "a minimum without a maximum",
            { "platform:apiProvisionedConcurrencyMin": "3" },
            /^platform:apiProvisionedConcurrencyMin: 3 needs platform:apiProvisionedConcurrencyMax/,
        ],
        [
            "a maximum without a minimum",
            { "platform:apiProvisionedConcurrencyMax": "3" },
            /^platform:apiProvisionedConcurrencyMin: 0 with platform:apiProvisionedConcurrencyMax 3: allowed: 1 to 3/,
        ],
        [
            "a minimum above the maximum",
            { "platform:apiProvisionedConcurrencyMin": "5", "platform:apiProvisionedConcurrencyMax": "3" },
            /^platform:apiProvisionedConcurrencyMin: 5 is above platform:apiProvisionedConcurrencyMax 3$/,
        ],
        [
            "a schedule without provisioned concurrency",
            { "platform:apiProvisionedConcurrencySchedule": '["cron(0 7 ? * MON-FRI *) min=2 max=4"]' },
            /^platform:apiProvisionedConcurrencySchedule: a schedule without provisioned concurrency/,
        ],
        [
            "a scheduled maximum above the reservation",
            {
                "platform:apiProvisionedConcurrencyMin": "1",
                "platform:apiProvisionedConcurrencyMax": "5",
                "platform:apiProvisionedConcurrencySchedule": '["cron(0 7 ? * MON-FRI *) min=2 max=40"]',
            },
            /^platform:apiProvisionedConcurrencySchedule\[0\]: max=40 is above the api function's reserved concurrency 10$/,
        ],
        [
            "a cron of 5 fields",
            { "platform:apiProvisionedConcurrencySchedule": '["cron(0 7 * * MON-FRI) min=2 max=4"]' },
            /\[0\]: "cron\(0 7 \* \* MON-FRI\) min=2 max=4" has a cron expression without the 6 fields/,
        ],
        [
            "a p99 at the timeout",
            { "platform:apiDurationP99Ms": "10000" },
            /^platform:apiDurationP99Ms: 10000 ms is not below the api function's timeout of 10 s/,
        ],
        [
            "reservations that leave less than AWS's unreserved 100",
            { "platform:functionReservedConcurrency": "200", "platform:accountConcurrencyQuota": "800" },
            /^platform:accountConcurrencyQuota: 800 leaves -8 unreserved after the stack's functions reserve 808/,
        ],
        [
            "a daily SES quota below the rate",
            { "platform:sesSendingQuotaPerSecond": "14", "platform:sesSendingQuotaPer24h": "10" },
            /^platform:sesSendingQuotaPer24h: 10 is below platform:sesSendingQuotaPerSecond 14/,
        ],
        [
            "a stage rate over the account's API Gateway quota",
            { "platform:apiGatewayAccountRateQuota": "20" },
            /^platform:apiThrottleRateLimit: 50 is above platform:apiGatewayAccountRateQuota 20/,
        ],
    ];
    for (const [what, raw, expected] of cases) {
        it(`refuses ${what}, in one line naming the key`, () => {
            const problems = problemsFor(raw);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0]!, expected);
        });
    }

    it("accepts prod's provisioned concurrency with its schedule", () => {
        const c = parseConfig({
            ...REQUIRED,
            "platform:apiReservedConcurrency": "200",
            "platform:apiProvisionedConcurrencyMin": "2",
            "platform:apiProvisionedConcurrencyMax": "50",
            "platform:apiProvisionedConcurrencySchedule": '["cron(0 7 ? * MON-FRI *) min=10 max=80", "cron(0 21 ? * * *) min=2 max=50"]',
        });
        assert.equal(c.apiProvisionedConcurrencySchedule.length, 2);
    });
});
