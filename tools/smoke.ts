/**
 * Smoke checks of a deployed stack (or a bare API URL), for operators and CI after a deploy. The
 * checks themselves live in functions/shared/smoke-checks.ts, which the CodeDeploy hook runs too.
 *
 *   npm run smoke -- --stack <name> [--site-url <url>] [--client-secret-env VAR] [--timeout-ms N] [--json]
 *   npm run smoke -- --url <api url> [--site-url <url>] [--timeout-ms N] [--json]
 *
 * Exit code: 0 every check passed, 1 a check failed, 2 bad usage or the target could not be resolved
 * (stack outputs or the machine client's secret unreadable): then no check ran.
 */
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DEFAULT_TIMEOUT_MS, runSmokeChecks, SMOKE_SCOPE, type CheckResult, type MachineCredentials, type SmokeTarget } from "../functions/shared/smoke-checks";
import { defineCommand, matching, UsageError } from "./cli";
import { exitCodeOf, readStackOutputs, stackName, StackOutputsError, stringOutput } from "./ops/stack-outputs";

export { REQUIRED_SITE_HEADERS } from "../functions/shared/smoke-checks";

const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const COMMAND = defineCommand({
    name: "smoke",
    synopsis: [
        "--stack <name> [--site-url <url>] [--client-secret-env <VAR>] [--timeout-ms <ms>] [--json]",
        "--url <api url> [--site-url <url>] [--timeout-ms <ms>] [--json]",
    ],
    summary:
        "Smoke checks of a deployed stack, or of a bare API URL: health, anonymous rejections, an authenticated read as the machine client, the landing page.",
    flags: {
        stack: {
            type: "string",
            value: "<name>",
            description: "read apiUrl, the site and the machine client from `pulumi stack output --json --stack <name>`",
            parse: stackName,
        },
        url: {
            type: "string",
            value: "<api url>",
            description: "a bare API URL: health and anonymous rejections only (the authenticated read is skipped)",
            parse: matching(HTTP_URL, "an http(s) URL such as https://abc.execute-api.us-east-1.amazonaws.com/prod"),
        },
        "site-url": {
            type: "string",
            value: "<url>",
            description: "the site to check",
            defaultText: "with --stack, https://<distributionDomainName>/",
            parse: matching(HTTP_URL, "an http(s) URL of the site, such as https://d111111abcdef8.cloudfront.net/"),
        },
        "timeout-ms": {
            type: "string",
            value: "<ms>",
            description: "per request, 100 to 999999",
            default: String(DEFAULT_TIMEOUT_MS),
            parse: (text) => Number(matching(/^[1-9]\d{2,5}$/, "milliseconds, 100 to 999999")(text)),
        },
        "client-secret-env": {
            type: "string",
            value: "<VAR>",
            description: "with --stack: the machine client's secret is in $VAR",
            defaultText: "read it with Cognito DescribeUserPoolClient",
            parse: matching(ENV_NAME, "an environment variable name such as SMOKE_CLIENT_SECRET"),
        },
        json: { type: "boolean", description: "print one JSON object { checks, passed, failed, skipped } and nothing else on stdout" },
    },
    epilog: "Exit code: 0 all passed, 1 a check failed, 2 bad usage or the stack could not be read (then no check ran).",
});

export const USAGE = COMMAND.help;

export interface SmokeIo {
    /** stdout, a line at a time. */
    out?: (line: string) => void;
    /** stderr, a line at a time. */
    err?: (line: string) => void;
    /** Where --client-secret-env and the stand-in PATH come from. @default process.env */
    env?: NodeJS.ProcessEnv;
    fetch?: typeof fetch;
    /** @default a client in the user pool's region */
    cognito?: (region: string) => CognitoIdentityProviderClient;
}

export interface SmokeSummary {
    stack?: string;
    apiUrl: string;
    siteUrl?: string;
    checks: CheckResult[];
    passed: number;
    failed: number;
    skipped: number;
}

export function summarize(checks: CheckResult[]): Pick<SmokeSummary, "passed" | "failed" | "skipped"> {
    const skipped = checks.filter((c) => c.skipped).length;
    const passed = checks.filter((c) => c.ok && !c.skipped).length;
    return { passed, failed: checks.length - passed - skipped, skipped };
}

async function machineSecret(stack: string, userPoolId: string, clientId: string, secretEnv: string | undefined, io: SmokeIo): Promise<string> {
    const env = io.env ?? process.env;
    if (secretEnv !== undefined) {
        const value = env[secretEnv];
        if (!value)
            throw new StackOutputsError(
                `--client-secret-env ${secretEnv}: the environment variable ${secretEnv} is not set or empty; export the machine client's secret in it.`,
            );
        return value;
    }
    // A user pool id is "<region>_<id>": the pool's region, whatever the caller's default region is.
    const region = userPoolId.split("_")[0]!;
    const client = io.cognito?.(region) ?? new CognitoIdentityProviderClient({ region, maxAttempts: 3 });
    try {
        const { UserPoolClient } = await client.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
        if (!UserPoolClient?.ClientSecret) throw new Error("the client has no secret");
        return UserPoolClient.ClientSecret;
    } catch (error) {
        const e = error as Error;
        throw new StackOutputsError(
            `Cognito DescribeUserPoolClient (pool ${userPoolId}, machine client ${clientId} of stack "${stack}") failed: ${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}. ` +
                "It needs cognito-idp:DescribeUserPoolClient on the pool; or pass the secret with --client-secret-env VAR.",
        );
    }
}

async function stackTarget(stack: string, secretEnv: string | undefined, io: SmokeIo): Promise<SmokeTarget> {
    const outputs = await readStackOutputs(stack, { env: io.env ?? process.env });
    const apiUrl = stringOutput(outputs, stack, "apiUrl");
    const domain = stringOutput(outputs, stack, "distributionDomainName");
    const authDomainUrl = stringOutput(outputs, stack, "authDomainUrl");
    const userPoolId = stringOutput(outputs, stack, "userPoolId");
    const clientId = stringOutput(outputs, stack, "userPoolClientIds.machine");
    const machine: MachineCredentials = {
        tokenUrl: `${authDomainUrl.replace(/\/+$/, "")}/oauth2/token`,
        clientId,
        clientSecret: await machineSecret(stack, userPoolId, clientId, secretEnv, io),
        scope: SMOKE_SCOPE,
    };
    return { apiUrl, siteUrl: `https://${domain}/`, machine };
}

async function run(argv: readonly string[], io: SmokeIo, out: (line: string) => void): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(USAGE);
        return 0;
    }
    const { stack, url, "client-secret-env": secretEnv, "site-url": siteFlag, "timeout-ms": timeoutMs, json } = parsed.values;
    if (stack !== undefined && url !== undefined)
        throw new UsageError("--stack and --url are mutually exclusive: --stack reads the API URL from the stack's outputs.");
    if (stack === undefined && url === undefined) throw new UsageError(`Give --stack <name> or --url <api url>. ${COMMAND.seeHelp}`);
    if (secretEnv !== undefined && stack === undefined)
        throw new UsageError("--client-secret-env is only allowed with --stack: a bare --url has no machine client.");

    const resolved: SmokeTarget = stack !== undefined ? await stackTarget(stack, secretEnv, io) : { apiUrl: url! };
    const target: SmokeTarget = { ...resolved, ...(siteFlag !== undefined ? { siteUrl: siteFlag } : {}), timeoutMs };
    const checks = await runSmokeChecks(target, io.fetch ? { fetch: io.fetch } : {});
    const summary: SmokeSummary = {
        ...(stack !== undefined ? { stack } : {}),
        apiUrl: target.apiUrl,
        ...(target.siteUrl ? { siteUrl: target.siteUrl } : {}),
        checks,
        ...summarize(checks),
    };
    if (json) {
        out(JSON.stringify(summary, null, 2));
    } else {
        out(
            `Smoke checks of the API ${target.apiUrl}${target.siteUrl ? ` and the site ${target.siteUrl}` : ""}${stack !== undefined ? ` (stack ${stack})` : ""}`,
        );
        for (const c of checks) out(`${c.skipped ? "SKIP" : c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
        out(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
    }
    return summary.failed === 0 ? 0 : 1;
}

/** The command; returns its exit code and never throws: a usage or stack problem goes to `err`. */
export async function main(argv: readonly string[], io: SmokeIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    return exitCodeOf("smoke", () => run(argv, io, out), err);
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
