/**
 * Exports the stack's Cognito user pool, its users and its groups, to S3: a JSON document of every
 * user (username, sub, attributes, status, enabled, groups) and every group with its members, and
 * beside it a CSV in the format of Cognito's user import (its columns from GetCSVHeader), so a pool
 * can be refilled with CreateUserImportJob.
 *
 *   npm run export-users -- --stack <name> --to s3://<bucket>/<key>.json [--kms-key ARN] [--outputs FILE]
 *
 * No password leaves Cognito: none can be read. Users imported from the CSV are RESET_REQUIRED and set
 * a new password through the forgot-password flow (a code to their verified email) at their next
 * sign-in; their MFA devices are not exported, so they enrol again. Every user gets a new `sub` in a
 * new pool: the CSV's `custom:customer_id` column carries the id their orders are stored under (an
 * earlier import's, else the old `sub`), which the API reads before the `sub`, so their orders follow.
 *
 * Nothing is overwritten: an object already at either key is refused before anything is written, and
 * the writes are conditional (If-None-Match). Exit code: 0 exported, 1 a Cognito or S3 call failed,
 * 2 bad usage, a stack that cannot be read or an object in the way.
 */
import {
    CognitoIdentityProviderClient,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
    type GroupType,
    type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CUSTOMER_ID_CLAIM } from "../../components/defaults/cognito";
import { defineCommand, matching, runProcess, UsageError } from "../cli";
import { stackName } from "../ops/stack-outputs";
import { awsError, PROCESS_OPTIONS, RecoveryFailed, Refused, s3Url, stackOutputs, StackOutputsError, stringOutput } from "./common";

const KMS_KEY = /^(arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[\w/-]+)|alias\/[\w/-]+)$/;
/** The format name and version of the JSON document, for whoever reads it back. */
export const EXPORT_FORMAT = "platform-user-export/1";

export const COMMAND = defineCommand({
    name: "export-users",
    synopsis: "--stack <name> --to s3://<bucket>/<key> [--kms-key ARN] [--outputs FILE]",
    summary:
        "Exports the stack's Cognito users and groups to S3: a JSON document (attributes, status, groups, the old sub) and a CSV in Cognito's user import format. No passwords: imported users reset theirs.",
    flags: {
        stack: { type: "string", value: "<name>", description: "required: the stack whose user pool (stack output userPoolId)", parse: stackName },
        to: {
            type: "string",
            value: "s3://<bucket>/<key>",
            description: "required: the JSON document's object; the CSV goes beside it as <key without .json>.cognito-import.csv. Neither may exist",
            parse: s3Url,
        },
        "kms-key": {
            type: "string",
            value: "ARN",
            description: "encrypt both objects with this KMS key (SSE-KMS)",
            defaultText: "the bucket's default encryption",
            parse: matching(KMS_KEY, "a KMS key ARN, alias ARN or alias/<name>"),
        },
        outputs: {
            type: "string",
            value: "FILE",
            description: "the stack's outputs as `pulumi stack output --json` printed them",
            defaultText: "ask the Pulumi CLI",
        },
    },
    epilog: "Exit code: 0 exported, 1 a Cognito or S3 call failed, 2 bad usage, an unreadable stack or an object already at the key.",
});

export interface ExportedUser {
    username: string;
    /** The user's id in this pool (`customerId` of their orders); a pool the user is imported into gives a new one. */
    sub?: string;
    attributes: Record<string, string>;
    status?: string;
    enabled: boolean;
    createdAt?: string;
    modifiedAt?: string;
    groups: string[];
}

export interface ExportedGroup {
    name: string;
    description?: string;
    precedence?: number;
    roleArn?: string;
    members: string[];
}

export interface UserExport {
    format: typeof EXPORT_FORMAT;
    stack: string;
    userPoolId: string;
    exportedAt: string;
    users: ExportedUser[];
    groups: ExportedGroup[];
}

export interface ExportIo {
    out?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    cognito?: (region: string) => CognitoIdentityProviderClient;
    s3?: () => S3Client;
    now?: () => Date;
}

/** Every page of a Cognito listing. */
async function all<T>(page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
        const answer = await page(token);
        items.push(...(answer.items ?? []));
        token = answer.next;
    } while (token);
    return items;
}

/** A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
function field(value: string): string {
    return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The users as Cognito's import reads them: the pool's own header (GetCSVHeader), one row per user.
 * The pool signs in with email (usernameAttributes), so `cognito:username` holds the email. Federated
 * users (EXTERNAL_PROVIDER) come back by signing in through their provider, and disabled users only
 * by a decision: neither is in the CSV, both are in the JSON.
 */
export function importCsv(header: readonly string[], users: readonly ExportedUser[]): { csv: string; rows: number; left: ExportedUser[] } {
    const left: ExportedUser[] = [];
    const rows: string[] = [header.map(field).join(",")];
    for (const user of users) {
        if (user.status === "EXTERNAL_PROVIDER" || !user.enabled) {
            left.push(user);
            continue;
        }
        rows.push(
            header
                .map((column) => {
                    if (column === "cognito:username") return field(user.attributes.email ?? user.username);
                    // The id the user's orders are stored under: kept from an earlier import, else the old sub.
                    if (column === CUSTOMER_ID_CLAIM) return field(user.attributes[CUSTOMER_ID_CLAIM] ?? user.sub ?? "");
                    // MFA devices cannot be exported: users enrol again (the pool requires it where MFA is ON).
                    if (column === "cognito:mfa_enabled") return "false";
                    const value = user.attributes[column];
                    if (column === "email_verified" || column === "phone_number_verified") return value === "true" ? "true" : "false";
                    return field(value ?? "");
                })
                .join(","),
        );
    }
    return { csv: `${rows.join("\n")}\n`, rows: rows.length - 1, left };
}

function exported(user: UserType, groups: string[]): ExportedUser {
    const attributes = Object.fromEntries((user.Attributes ?? []).filter((a) => a.Name && a.Value !== undefined).map((a) => [a.Name!, a.Value!]));
    return {
        username: user.Username ?? "",
        ...(attributes.sub ? { sub: attributes.sub } : {}),
        attributes,
        ...(user.UserStatus ? { status: user.UserStatus } : {}),
        enabled: user.Enabled !== false,
        ...(user.UserCreateDate ? { createdAt: user.UserCreateDate.toISOString() } : {}),
        ...(user.UserLastModifiedDate ? { modifiedAt: user.UserLastModifiedDate.toISOString() } : {}),
        groups,
    };
}

export function csvKey(key: string): string {
    return `${key.replace(/\.json$/i, "")}.cognito-import.csv`;
}

export async function main(argv: readonly string[], io: ExportIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(COMMAND.help);
        return 0;
    }
    const { stack, to, "kms-key": kmsKey, outputs: outputsFile } = parsed.values;
    if (stack === undefined) throw new UsageError(`--stack is required: the stack whose user pool to export. ${COMMAND.seeHelp}`);
    if (to === undefined) throw new UsageError(`--to is required: where the export goes, s3://<bucket>/<key>. ${COMMAND.seeHelp}`);
    const outputs = await stackOutputs(stack, outputsFile, io.env);
    const userPoolId = stringOutput(outputs, stack, "userPoolId");
    const region = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$/.exec(userPoolId)?.[1];
    if (!region) throw new StackOutputsError(`Stack "${stack}" output userPoolId ${JSON.stringify(userPoolId)} is not a user pool id (<region>_<id>).`);
    const cognito = (io.cognito ?? ((r: string) => new CognitoIdentityProviderClient({ region: r, maxAttempts: 8 })))(region);
    // The bucket may be in another region (the DR region, where the export must survive): follow S3's redirect.
    const s3 = io.s3?.() ?? new S3Client({ region, followRegionRedirects: true });
    const keys = { json: to.key, csv: csvKey(to.key) };

    for (const key of [keys.json, keys.csv]) {
        try {
            await s3.send(new HeadObjectCommand({ Bucket: to.bucket, Key: key }));
        } catch (error) {
            const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            if (status === 404 || (error as { name?: string }).name === "NotFound") continue;
            throw new Refused(`s3://${to.bucket}/${key} cannot be checked (HeadObject: ${awsError(error)}); nothing was written.`);
        }
        throw new Refused(`s3://${to.bucket}/${key} exists: refusing to overwrite an export; give another --to key.`);
    }

    const now = (io.now ?? (() => new Date()))();
    let users: UserType[];
    let groups: GroupType[];
    let header: string[];
    const members = new Map<string, string[]>();
    try {
        users = await all(async (token) => {
            const page = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, ...(token ? { PaginationToken: token } : {}) }));
            return { items: page.Users, next: page.PaginationToken };
        });
        groups = await all(async (token) => {
            const page = await cognito.send(new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60, ...(token ? { NextToken: token } : {}) }));
            return { items: page.Groups, next: page.NextToken };
        });
        for (const group of groups) {
            const name = group.GroupName!;
            const inGroup = await all(async (token) => {
                const page = await cognito.send(
                    new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: name, Limit: 60, ...(token ? { NextToken: token } : {}) }),
                );
                return { items: page.Users, next: page.NextToken };
            });
            members.set(
                name,
                inGroup.map((u) => u.Username ?? "").filter((u) => u !== ""),
            );
        }
        header = (await cognito.send(new GetCSVHeaderCommand({ UserPoolId: userPoolId }))).CSVHeader ?? [];
    } catch (error) {
        throw new RecoveryFailed(
            `Reading the user pool ${userPoolId} failed: ${awsError(error)}. It needs cognito-idp:ListUsers, ListGroups, ListUsersInGroup and GetCSVHeader on the pool.`,
        );
    }
    if (!header.includes("cognito:username")) throw new RecoveryFailed(`GetCSVHeader of ${userPoolId} has no cognito:username column: ${header.join(",")}`);

    const groupsOf = new Map<string, string[]>();
    for (const [group, names] of members) for (const name of names) groupsOf.set(name, [...(groupsOf.get(name) ?? []), group]);
    const document: UserExport = {
        format: EXPORT_FORMAT,
        stack,
        userPoolId,
        exportedAt: now.toISOString(),
        users: users.map((u) => exported(u, (groupsOf.get(u.Username ?? "") ?? []).sort())),
        groups: groups.map((g) => ({
            name: g.GroupName!,
            ...(g.Description ? { description: g.Description } : {}),
            ...(g.Precedence !== undefined ? { precedence: g.Precedence } : {}),
            ...(g.RoleArn ? { roleArn: g.RoleArn } : {}),
            members: members.get(g.GroupName!) ?? [],
        })),
    };
    const { csv, rows, left } = importCsv(header, document.users);

    const put = async (key: string, body: string, contentType: string) => {
        try {
            await s3.send(
                new PutObjectCommand({
                    Bucket: to.bucket,
                    Key: key,
                    Body: body,
                    ContentType: contentType,
                    IfNoneMatch: "*",
                    ...(kmsKey ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKey } : {}),
                }),
            );
        } catch (error) {
            if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
                throw new Refused(`s3://${to.bucket}/${key} appeared while exporting: refusing to overwrite it.`);
            throw new RecoveryFailed(`Writing s3://${to.bucket}/${key} failed: ${awsError(error)}.`);
        }
    };
    await put(keys.json, `${JSON.stringify(document, null, 2)}\n`, "application/json");
    await put(keys.csv, csv, "text/csv; charset=utf-8");
    out(`Exported ${document.users.length} user(s) and ${document.groups.length} group(s) of ${userPoolId} to s3://${to.bucket}/${keys.json}`);
    out(`Cognito import CSV (${rows} user(s)) at s3://${to.bucket}/${keys.csv}`);
    if (left.length > 0)
        out(
            `Not in the CSV (only in the JSON): ${left.length} user(s), disabled or federated: ${left
                .map((u) => u.attributes.email ?? u.username)
                .slice(0, 10)
                .join(", ")}${left.length > 10 ? ", ..." : ""}`,
        );
    if (!header.includes(CUSTOMER_ID_CLAIM))
        out(
            `The pool has no ${CUSTOMER_ID_CLAIM} attribute (a pool from before it; \`pulumi up\` adds it): a pool filled from this CSV gives every user a new sub, and their orders stay under the old one (each user's old sub is in the JSON).`,
        );
    out(
        "No passwords are exported: after an import every user is RESET_REQUIRED and sets a new one with the forgot-password flow (docs/runbooks/account-compromise.md).",
    );
    return 0;
}

if (require.main === module) {
    runProcess("export-users", () => main(process.argv.slice(2)), PROCESS_OPTIONS);
}
