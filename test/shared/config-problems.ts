// The smallest valid stack config, and the problems parseConfig reports for it with a few keys changed:
// shared by the config, capacity-config and recovery-model specs.
import { strict as assert } from "node:assert";
import { ConfigError, parseConfig, type RawConfig } from "../../config";

/** The keys every stack must set, and nothing else. */
export const REQUIRED: RawConfig = {
    "aws:region": "eu-west-1",
    "platform:environment": "dev",
    "platform:alertEmails": '["ops@example.com"]',
    "platform:emailDomain": "orders.example.com",
};

/** The problems of REQUIRED with `raw` laid over it: none when it parses; anything but a ConfigError fails. */
export function problemsFor(raw: RawConfig): string[] {
    try {
        parseConfig({ ...REQUIRED, ...raw });
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    return [];
}
