/**
 * npm run export-users against aws-sdk-client-mock stand-ins of Cognito and S3: every page of users,
 * groups and members, the JSON document and the import CSV, the conditional writes, the refusal to
 * overwrite, and bad flags.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    CognitoIdentityProviderClient,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
    type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { UsageError } from "../../tools/cli";
import { exitCodeOf } from "../../tools/recovery/common";
import { EXPORT_FORMAT, csvKey, importCsv, main, type UserExport } from "../../tools/recovery/export-users";

const POOL = "eu-west-1_AbC123";
const HEADER = ["name", "given_name", "email", "email_verified", "phone_number", "phone_number_verified", "cognito:mfa_enabled", "cognito:username"];

const user = (n: number, over: Partial<UserType> = {}): UserType => ({
    Username: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    Attributes: [
        { Name: "sub", Value: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}` },
        { Name: "email", Value: `user${n}@example.com` },
        { Name: "email_verified", Value: "true" },
        { Name: "name", Value: n === 2 ? 'Doe, "Jo"' : `User ${n}` },
    ],
    Enabled: true,
    UserStatus: "CONFIRMED",
    UserCreateDate: new Date("2025-01-01T00:00:00Z"),
    UserLastModifiedDate: new Date("2025-06-01T00:00:00Z"),
    ...over,
});

const notFound = () => new S3ServiceException({ name: "NotFound", $fault: "client", $metadata: { httpStatusCode: 404 }, message: "Not Found" });

describe("npm run export-users", function () {
    this.timeout(20_000);
    let cognito: AwsClientStub<CognitoIdentityProviderClient>;
    let s3: AwsClientStub<S3Client>;
    let outputs: string;

    const run = async (argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const io = {
            out: (l: string) => out.push(l),
            cognito: () => new CognitoIdentityProviderClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
            s3: () => new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
            now: () => new Date("2026-11-24T22:00:00Z"),
        };
        const code = await exitCodeOf(
            "export-users",
            () => main(argv, io),
            (l) => err.push(l),
        );
        return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const put = (key: string) => s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === key)?.args[0].input;

    before(() => {
        // Made here, not when the file loads: a mock replaces send() of every client of its class until restored.
        cognito = mockClient(CognitoIdentityProviderClient);
        s3 = mockClient(S3Client);
        const dir = mkdtempSync(path.join(tmpdir(), "export-users-spec-"));
        outputs = path.join(dir, "outputs.json");
        writeFileSync(outputs, JSON.stringify({ userPoolId: POOL }));
    });

    beforeEach(() => {
        cognito.reset();
        s3.reset();
        cognito
            .on(ListUsersCommand)
            .resolvesOnce({ Users: [user(1), user(2)], PaginationToken: "page-2" })
            .resolves({ Users: [user(3, { Enabled: false }), user(4, { UserStatus: "EXTERNAL_PROVIDER", Username: "Google_1234" })] });
        cognito
            .on(ListGroupsCommand)
            .resolvesOnce({ Groups: [{ GroupName: "customers", Precedence: 10 }], NextToken: "g2" })
            .resolves({ Groups: [{ GroupName: "staff", Precedence: 1, Description: "staff of platform-prod" }] });
        cognito
            .on(ListUsersInGroupCommand, { GroupName: "customers" })
            .resolvesOnce({ Users: [user(1)], NextToken: "m2" })
            .resolves({ Users: [user(2)] });
        cognito.on(ListUsersInGroupCommand, { GroupName: "staff" }).resolves({ Users: [user(2)] });
        cognito.on(GetCSVHeaderCommand).resolves({ UserPoolId: POOL, CSVHeader: HEADER });
        s3.on(HeadObjectCommand).rejects(notFound());
        s3.on(PutObjectCommand).resolves({});
    });

    after(() => {
        cognito.restore();
        s3.restore();
    });

    it("exports every user and group (all pages) as JSON, and the Cognito import CSV beside it, without overwriting", async () => {
        const r = await run(["--stack", "prod", "--to", "s3://acme-dr-exports/users/prod.json", "--outputs", outputs, "--kms-key", "alias/dr-exports"]);
        assert.equal(r.code, 0, r.err);
        // A pool from before the customer-id attribute: its import would leave the orders behind, and it says so.
        assert.match(r.out, /The pool has no custom:customer_id attribute .*their orders stay under the old one/);
        assert.equal(cognito.commandCalls(ListUsersCommand)[1]!.args[0].input.PaginationToken, "page-2");
        assert.equal(cognito.commandCalls(ListUsersInGroupCommand, { GroupName: "customers" })[1]!.args[0].input.NextToken, "m2");
        const json = put("users/prod.json")!;
        assert.equal(json.IfNoneMatch, "*", "a conditional write: never over an object");
        assert.deepEqual([json.ServerSideEncryption, json.SSEKMSKeyId, json.ContentType], ["aws:kms", "alias/dr-exports", "application/json"]);
        const doc = JSON.parse(String(json.Body)) as UserExport;
        assert.equal(doc.format, EXPORT_FORMAT);
        assert.equal(doc.userPoolId, POOL);
        assert.equal(doc.users.length, 4);
        assert.deepEqual(doc.users[1], {
            username: "00000000-0000-4000-8000-000000000002",
            sub: "00000000-0000-4000-8000-000000000002",
            attributes: { sub: "00000000-0000-4000-8000-000000000002", email: "user2@example.com", email_verified: "true", name: 'Doe, "Jo"' },
            status: "CONFIRMED",
            enabled: true,
            createdAt: "2025-01-01T00:00:00.000Z",
            modifiedAt: "2025-06-01T00:00:00.000Z",
            groups: ["customers", "staff"],
        });
        assert.deepEqual(doc.groups, [
            { name: "customers", precedence: 10, members: ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"] },
            { name: "staff", description: "staff of platform-prod", precedence: 1, members: ["00000000-0000-4000-8000-000000000002"] },
        ]);
        assert.ok(!JSON.stringify(doc).toLowerCase().includes("password"), "nothing of a password");

        const csv = put("users/prod.cognito-import.csv")!;
        assert.equal(csv.IfNoneMatch, "*");
        assert.equal(
            String(csv.Body),
            [
                HEADER.join(","),
                "User 1,,user1@example.com,true,,false,false,user1@example.com",
                '"Doe, ""Jo""",,user2@example.com,true,,false,false,user2@example.com',
                "",
            ].join("\n"),
        );
        assert.match(r.out, /Not in the CSV \(only in the JSON\): 2 user\(s\), disabled or federated: user3@example\.com, user4@example\.com/);
        assert.match(r.out, /RESET_REQUIRED and sets a new one with the forgot-password flow/);
    });

    it("refuses when an export is already at either key, before reading the pool or writing anything", async () => {
        s3.on(HeadObjectCommand, { Key: "users/prod.cognito-import.csv" }).resolves({});
        const r = await run(["--stack", "prod", "--to", "s3://acme-dr-exports/users/prod.json", "--outputs", outputs]);
        assert.equal(r.code, 2);
        assert.equal(r.err, "s3://acme-dr-exports/users/prod.cognito-import.csv exists: refusing to overwrite an export; give another --to key.");
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
        assert.equal(cognito.calls().length, 0);
    });

    it("reports what Cognito refused, naming the permissions, with exit 1 and nothing written", async () => {
        cognito
            .on(ListUsersCommand)
            .rejects(Object.assign(new Error("User is not authorized to perform: cognito-idp:ListUsers"), { name: "AccessDeniedException" }));
        const r = await run(["--stack", "prod", "--to", "s3://acme-dr-exports/u.json", "--outputs", outputs]);
        assert.equal(r.code, 1);
        assert.match(
            r.err,
            /^Reading the user pool eu-west-1_AbC123 failed: AccessDeniedException: .* It needs cognito-idp:ListUsers, ListGroups, ListUsersInGroup and GetCSVHeader/,
        );
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });

    it("names the CSV beside the JSON and builds import rows from the pool's own header", () => {
        assert.equal(csvKey("a/b.json"), "a/b.cognito-import.csv");
        assert.equal(csvKey("a/b"), "a/b.cognito-import.csv");
        const { csv, rows, left } = importCsv(
            ["cognito:username", "email", "custom:tier"],
            [
                { username: "u1", attributes: { email: "a@example.com", "custom:tier": "gold" }, enabled: true, groups: [] },
                { username: "u2", attributes: {}, enabled: true, groups: [] },
            ],
        );
        assert.equal(csv, "cognito:username,email,custom:tier\na@example.com,a@example.com,gold\nu2,,\n");
        assert.deepEqual([rows, left], [2, []]);
    });

    it("carries each user's customer id into the new pool: an earlier import's, else the old sub", () => {
        const { csv } = importCsv(
            ["cognito:username", "custom:customer_id"],
            [
                { username: "u1", sub: "sub-1", attributes: { email: "a@example.com", sub: "sub-1" }, enabled: true, groups: [] },
                // Imported once already: its orders are under the first pool's sub, not this pool's.
                {
                    username: "u2",
                    sub: "sub-2",
                    attributes: { email: "b@example.com", sub: "sub-2", "custom:customer_id": "sub-0" },
                    enabled: true,
                    groups: [],
                },
            ],
        );
        assert.equal(csv, "cognito:username,custom:customer_id\na@example.com,sub-1\nb@example.com,sub-0\n");
    });

    it("refuses bad flags and a stack output that is not a user pool id", async () => {
        const cases: Array<[string[], RegExp]> = [
            [["--to", "s3://acme/x.json"], /^--stack is required/],
            [["--stack", "prod"], /^--to is required/],
            [["--stack", "prod", "--to", "https://acme/x.json"], /^--to "https:\/\/acme\/x\.json" is invalid: expected s3:\/\/<bucket>\/<key>/],
            [["--stack", "prod", "--to", "s3://acme/users/"], /is invalid: .*\(the key ends with "\/": name the object, not a prefix\)\.$/],
            [["--stack", "prod", "--to", "s3://Acme_Bucket/x.json"], /^--to "s3:\/\/Acme_Bucket\/x\.json" is invalid/],
            [
                ["--stack", "prod", "--to", "s3://acme/x.json", "--kms-key", "my-key"],
                /^--kms-key "my-key" is invalid: expected a KMS key ARN, alias ARN or alias\/<name>\.$/,
            ],
        ];
        for (const [argv, message] of cases) await assert.rejects(main(argv), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(" "));
        const dir = mkdtempSync(path.join(tmpdir(), "export-users-bad-"));
        const bad = path.join(dir, "outputs.json");
        writeFileSync(bad, JSON.stringify({ userPoolId: "not-a-pool" }));
        const r = await run(["--stack", "prod", "--to", "s3://acme/x.json", "--outputs", bad]);
        assert.equal(r.code, 2);
        assert.match(r.err, /^Stack "prod" output userPoolId "not-a-pool" is not a user pool id/);
        assert.equal(cognito.calls().length + s3.calls().length, 0);
    });
});
