// Secrets in plain sight (75-78): literal secrets in Lambda environment variables and in plain SSM
// parameters, Secrets Manager secrets nobody rotates, and secret policies open to anyone.
//
// A secret is recognised by its name (a word such as PASSWORD, TOKEN or API_KEY at the end of the
// variable's or parameter's name: `TOKEN_TABLE_NAME` or `DB_PASSWORD_SECRET_ARN` only point at one) or
// by its value, whatever the name (an AWS access key id, a PEM private key, a GitHub, Slack or Stripe
// token, a JWT, a URL with a password). A value that is an ARN, an SSM parameter path or a secret's
// name is a reference, not a secret; a value unknown during preview is computed by the program (an
// ARN, an id) and is never judged. Messages never show a secret value, only what it looks like.

import { reportOpenGrants } from "../lib/access";
import { readStatements } from "../lib/iam";
import { refers, sameKnown } from "../lib/graph";
import type { Policies } from "../lib/policy-api";
import { resourceRule, stackRule, Subject, RuleContext } from "../lib/rule";
import { asRecord, asString, get, isUnknown } from "../lib/values";

export const FUNCTION = "aws:lambda/function:Function";
export const SSM_PARAMETER = "aws:ssm/parameter:Parameter";
export const SECRET = "aws:secretsmanager/secret:Secret";
export const SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy";
export const SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

/** Words that, ending a name, say the value is a secret. */
const SECRET_WORDS = new Set([
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "APIKEY",
    "APIKEYS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
]);
/** Words before a final KEY that make it a secret key (`API_KEY`, `PRIVATE_KEY`, `SECRET_KEY`). */
const KEY_QUALIFIERS = new Set(["API", "PRIVATE", "SECRET"]);
/** Trailing words that only say how the secret is written (`DB_PASSWORD_VALUE`, `PRIVATE_KEY_PEM`). */
const ENCODING_WORDS = new Set(["VALUE", "PLAIN", "PLAINTEXT", "RAW", "STR", "STRING", "TEXT", "B64", "BASE64", "HEX", "PEM", "JSON"]);
/** Secret words that often name a Secrets Manager secret rather than hold one (`DB_SECRET: "orders-db"`). */
const NAME_LIKE_WORDS = new Set(["SECRET", "SECRETS", "CREDENTIAL", "CREDENTIALS", "CREDS"]);

/** A name's words, upper-cased: `dbPassword`, `DB_PASSWORD`, `db-password` and `APIKey` split alike. */
export function nameWords(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toUpperCase());
}

/** The secret word a name ends with (`PASSWORD`, `API_KEY`...), or undefined for a name that does not say "secret". */
export function secretWord(name: string): string | undefined {
    const words = nameWords(name);
    while (words.length > 1 && ENCODING_WORDS.has(words[words.length - 1])) {
        words.pop();
    }
    const n = words.length;
    const last = words[n - 1];
    if (last === undefined) {
        return undefined;
    }
    if (SECRET_WORDS.has(last)) {
        return last;
    }
    if ((last === "KEY" || last === "KEYS") && n >= 2) {
        if (KEY_QUALIFIERS.has(words[n - 2])) {
            return `${words[n - 2]}_KEY`;
        }
        if (words[n - 2] === "ACCESS" && words[n - 3] === "SECRET") {
            return "SECRET_ACCESS_KEY";
        }
    }
    return undefined;
}

/** Lower-case words joined by `/ . _ -`, each starting with a letter: `prod/orders/db`, `orders-db-credentials`. */
function isSlug(v: string): boolean {
    const pieces = v.split(/[/._-]/);
    return pieces.length > 1 && pieces.every((p) => /^[a-z][a-z0-9]*$/.test(p));
}

/** A value that points at a secret instead of holding one, or says nothing secret. */
export function isReferenceOrBenign(value: string, word: string): boolean {
    const v = value.trim();
    if (v === "" || /^(true|false|yes|no|on|off|enabled|disabled|none|null|undefined)$/i.test(v) || /^-?\d{1,10}(\.\d+)?$/.test(v)) {
        return true;
    }
    if (v.startsWith("arn:")) {
        return true; // an ARN: of a Secrets Manager secret, an SSM parameter, a KMS key...
    }
    if (/^\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/.test(v)) {
        return true; // an SSM parameter name (path)
    }
    if (/^(\$\{[^}]*\}|\{\{[^}]*\}\})$/.test(v)) {
        return true; // a placeholder or a dynamic reference, not a value
    }
    if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) && urlPassword(v) === undefined) {
        return true; // an endpoint (the token URL of TOKEN_URL-like names)
    }
    if (isSlug(v) && (v.includes("/") || NAME_LIKE_WORDS.has(word))) {
        return true; // a secret's or parameter's name
    }
    if (/^[[{]/.test(v)) {
        // A JSON document of references (`{"db":"arn:aws:secretsmanager:..."}`): every string in it must be one.
        try {
            const leaves = jsonStrings(JSON.parse(v));
            return leaves.every((leaf) => isReferenceOrBenign(leaf, word));
        } catch {
            return false;
        }
    }
    return false;
}

function jsonStrings(v: unknown): string[] {
    if (typeof v === "string") {
        return [v];
    }
    if (v !== null && typeof v === "object") {
        return Object.values(v as Record<string, unknown>).flatMap(jsonStrings);
    }
    return [];
}

/** The password part of a URL's userinfo (`postgres://app:<password>@db`), unless it is a placeholder. */
function urlPassword(v: string): string | undefined {
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/\s?#@]*)@/i.exec(v);
    if (!m || !m[1].includes(":")) {
        return undefined;
    }
    const password = m[1].slice(m[1].indexOf(":") + 1);
    if (password === "" || /^(\$\{.*\}|\{\{.*\}\}|<.*>|\*+|%s|x+|\$[A-Z_]+)$/i.test(password)) {
        return undefined;
    }
    return password;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Decodes base64url to text (ASCII is enough for a JWT header); the pack runs without Node's types, so no Buffer. */
function base64url(s: string): string {
    let bits = 0;
    let acc = 0;
    let out = "";
    for (const ch of s) {
        const i = B64.indexOf(ch);
        if (i < 0) {
            break;
        }
        acc = ((acc << 6) | i) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += String.fromCharCode((acc >> bits) & 0xff);
        }
    }
    return out;
}

function isJwt(v: string): boolean {
    const m = /(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{5,})\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/.exec(v);
    if (!m) {
        return false;
    }
    try {
        const header = JSON.parse(base64url(m[1])) as unknown;
        return typeof asRecord(header)?.alg === "string";
    } catch {
        return false;
    }
}

/** What a value looks like when it is a key or token whatever its name, or undefined. */
export function keyLikeValue(v: string): string | undefined {
    if (/(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/.test(v)) {
        return "an AWS access key id (AKIA.../ASIA...)";
    }
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/.test(v)) {
        return "a private key (-----BEGIN ... PRIVATE KEY-----)";
    }
    if (/(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/.test(v)) {
        return "a GitHub token";
    }
    if (/(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}/.test(v)) {
        return "a Slack token (xox...)";
    }
    if (/(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{16,}/.test(v)) {
        return "a Stripe live key";
    }
    if (isJwt(v)) {
        return "a JSON Web Token";
    }
    if (urlPassword(v) !== undefined) {
        return "a URL with a password in it";
    }
    return undefined;
}

/** A 40-character AWS secret access key (checked only beside an access key id). */
function isSecretAccessKey(v: string): boolean {
    return /^[A-Za-z0-9/+]{40}$/.test(v) && !/^[0-9a-f]{40}$/i.test(v) && /[A-Z]/.test(v) && /[a-z]/.test(v);
}

/** The last segment of a parameter name, without the random suffix Pulumi's autonaming adds (`db-password-1a2b3c4`). */
function leafName(name: string): string {
    return (name.split("/").pop() ?? "").replace(/-[0-9a-f]{7}$/, "");
}

function variablePath(name: string): string {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `environment.variables.${name}` : `environment.variables[${JSON.stringify(name)}]`;
}

const STORE_FIX =
    "store the value in Secrets Manager (aws.secretsmanager.Secret) or an SSM SecureString parameter, pass its ARN or name instead " +
    "(e.g. DB_PASSWORD_SECRET_ARN: secret.arn) with secretsmanager:GetSecretValue on the function's role, read it at run time " +
    "(the AWS Parameters and Secrets Lambda Extension caches it), and rotate the exposed value";

function checkParameterValue(p: Subject, property: string, value: unknown, ctx: RuleContext<object>): boolean {
    const v = asString(value);
    const looks = v === undefined ? undefined : keyLikeValue(v);
    if (looks !== undefined) {
        ctx.report(p, {
            property,
            problem: `holds a value that looks like ${looks} (not shown) in a ${String(p.props.type)} parameter, which any reader of the parameter sees in plain text`,
            fix: 'set type: "SecureString" (with keyId: a customer KMS key) and rotate the exposed value',
        });
        return true;
    }
    return false;
}

export function secretsPolicies(): Policies {
    return [
        resourceRule<{ allowedNames: string[] }>(
            {
                id: "secrets-lambda-env-plaintext",
                no: 75,
                service: "Lambda / Secrets Manager",
                kind: "R",
                checks: "Lambda environment variables hold no literal secret: no value under a secret-like name (`*PASSWORD`, `*SECRET`, `*TOKEN`, `*API_KEY`, `*PRIVATE_KEY`, `*CREDENTIALS`) and no value that looks like a key (AWS access keys, PEM private keys, GitHub/Slack/Stripe tokens, JWTs, URLs with passwords); ARNs and names of secrets are fine.",
                why: "Environment variables are plain text to anyone who can read the function's configuration (lambda:GetFunctionConfiguration, the console, the Pulumi state); a secret there cannot be rotated without a deploy.",
                anchors: "CKV_AWS_45, PRW awslambda_function_no_secrets_in_variables",
                defaultLevel: "mandatory",
                config: {
                    allowedNames: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "Variable names reviewed as not secret despite a secret-like name (their values are still checked for keys and tokens).",
                    },
                },
            },
            {
                types: [FUNCTION],
                validate: (fn, ctx) => {
                    const vars = asRecord(get(fn.props, "environment", "variables"));
                    if (!vars) {
                        return; // none, or computed as a whole (nothing literal to judge)
                    }
                    const entries = Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === "string" && !isUnknown(e[1]));
                    const hasAccessKeyId = entries.some(([, v]) => /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/.test(v));
                    for (const [name, value] of entries) {
                        const looks = keyLikeValue(value);
                        if (looks !== undefined) {
                            const awsKey = looks.startsWith("an AWS access key id");
                            ctx.report(fn, {
                                property: variablePath(name),
                                problem: `holds a value that looks like ${looks} (not shown)`,
                                fix: awsKey
                                    ? "remove the access key: grant the function's execution role the permissions instead (Lambda gives it temporary credentials), and deactivate the key in IAM"
                                    : STORE_FIX,
                            });
                            continue;
                        }
                        if (hasAccessKeyId && isSecretAccessKey(value)) {
                            ctx.report(fn, {
                                property: variablePath(name),
                                problem: "holds a value that looks like an AWS secret access key (40 characters beside an access key id, not shown)",
                                fix: "remove the access key pair: grant the function's execution role the permissions instead, and deactivate the key in IAM",
                            });
                            continue;
                        }
                        const word = secretWord(name);
                        if (word === undefined || ctx.config.allowedNames.includes(name) || isReferenceOrBenign(value, word)) {
                            continue;
                        }
                        ctx.report(fn, {
                            property: variablePath(name),
                            problem: `holds a literal value (${value.length} characters, not shown) under a secret-like name (${word})`,
                            fix: `${STORE_FIX}; a variable that is not a secret goes in allowedNames of secrets-lambda-env-plaintext in policies/config/<env>.json`,
                        });
                    }
                },
            },
        ),
        resourceRule<{ allowedNames: string[] }>(
            {
                id: "secrets-ssm-secure-string",
                no: 76,
                service: "SSM Parameter Store",
                kind: "R",
                checks: "An SSM parameter whose name says secret (`/app/db/password`, `.../api-key`, `.../token`) is a `SecureString`, and no `String`/`StringList` parameter holds a value that looks like a key or token.",
                why: "A String parameter is returned in plain text to anyone with ssm:GetParameter, without a KMS permission, and shows in the console and in the Pulumi state.",
                anchors: "ours (analogue: CKV_AWS_337, a KMS key on SecureString parameters)",
                defaultLevel: "mandatory",
                config: {
                    allowedNames: {
                        type: "array",
                        items: { type: "string", minLength: 1 },
                        default: [],
                        description: "Parameter names reviewed as not secret despite a secret-like name (their values are still checked for keys and tokens).",
                    },
                },
            },
            {
                types: [SSM_PARAMETER],
                validate: (p, ctx) => {
                    const type = p.props.type;
                    const name = p.props.name ?? p.name;
                    if (isUnknown(type)) {
                        if (!isUnknown(name) && secretWord(leafName(String(name))) !== undefined) {
                            ctx.defer("type");
                        }
                        return;
                    }
                    if (type !== "String" && type !== "StringList") {
                        return;
                    }
                    const hit = [checkParameterValue(p, "value", p.props.value, ctx), checkParameterValue(p, "insecureValue", p.props.insecureValue, ctx)];
                    if (isUnknown(name)) {
                        ctx.defer("name");
                        return;
                    }
                    const full = String(name);
                    const word = secretWord(leafName(full));
                    const values = [p.props.value, p.props.insecureValue].map(asString).filter((v): v is string => v !== undefined);
                    const reference = values.length > 0 && values.every((v) => v.trim().startsWith("arn:"));
                    if (word === undefined || ctx.config.allowedNames.includes(full) || reference || hit.some((h) => h)) {
                        return;
                    }
                    ctx.report(p, {
                        property: "type",
                        found: type,
                        problem: `is ${JSON.stringify(type)} for a parameter whose name says it holds a secret (${JSON.stringify(full)}: ${word}), expected "SecureString"`,
                        fix: 'set type: "SecureString" with keyId: a customer KMS key (and value, not insecureValue), and grant readers kms:Decrypt on that key; a parameter that is not a secret goes in allowedNames of secrets-ssm-secure-string in policies/config/<env>.json',
                    });
                },
            },
        ),
        stackRule(
            {
                id: "secrets-manager-rotation",
                no: 77,
                service: "Secrets Manager",
                kind: "S",
                checks: "Every Secrets Manager secret has automatic rotation: an `aws.secretsmanager.SecretRotation` of the stack whose `secretId` is the secret.",
                why: "A secret that never changes stays valid for whoever copied it once; rotation bounds the damage of a leak without a deploy.",
                anchors: "FSBP SecretsManager.1, CKV2_AWS_57, PRW secretsmanager_automatic_rotation_enabled",
                defaultLevel: "advisory",
            },
            {
                primaryType: SECRET,
                subjectTypes: [SECRET],
                validate: (graph, ctx) => {
                    const rotations = graph.ofType(SECRET_ROTATION);
                    for (const s of graph.ofType(SECRET)) {
                        const rotated = rotations.some((r) =>
                            refers(r, "secretId", s, () => sameKnown(r.props.secretId, s.props.name, s.props.arn, s.props.id)),
                        );
                        if (!rotated) {
                            ctx.report(s, {
                                property: "(rotation)",
                                problem: "has no aws.secretsmanager.SecretRotation in this stack (no rotation's secretId is this secret)",
                                fix: "add aws.secretsmanager.SecretRotation { secretId: secret.id, rotationLambdaArn: <rotation function>.arn, rotationRules: { automaticallyAfterDays: 30 } }; a secret that cannot rotate automatically (a third-party key re-issued by hand) goes in exemptResources of secrets-manager-rotation in policies/config/<env>.json",
                            });
                        }
                    }
                },
            },
        ),
        resourceRule(
            {
                id: "secrets-manager-policy-not-public",
                no: 78,
                service: "Secrets Manager",
                kind: "R",
                checks: "A secret's resource policy (`aws.secretsmanager.SecretPolicy` or the Secret's `policy`) is not open to anyone: no `*` principal, wildcard-account ARN or NotPrincipal without a condition that narrows who.",
                why: "A public secret policy lets any AWS account read the secret value (with GetSecretValue) or change it.",
                anchors: "PRW secretsmanager_not_publicly_accessible",
                defaultLevel: "mandatory",
            },
            {
                types: [SECRET, SECRET_POLICY],
                validate: (s, ctx) => {
                    const statements = readStatements(s, "policy", s.props.policy, ctx);
                    if (statements) {
                        const block = s.type === SECRET_POLICY ? " (and set blockPublicPolicy: true so Secrets Manager refuses a policy like this)" : "";
                        reportOpenGrants(s, "policy", statements, ctx, {
                            lets: "read the secret",
                            fix: `name the roles that need the secret (e.g. { AWS: role.arn })${block}`,
                        });
                    }
                },
            },
        ),
    ];
}
