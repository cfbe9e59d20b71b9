/**
 * `npm run site:publish` (tools/ops/publish-site.ts) against an in-memory bucket behind
 * aws-sdk-client-mock: what it uploads, with which headers and in which order, what it invalidates,
 * and that a failure stops before the invalidation and names the object.
 */
import { strict as assert } from "node:assert";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { IMMUTABLE, main as publish, NO_CACHE, publishSite, USAGE, type PublishIo } from "../../tools/ops/publish-site";
import { buildSite, SITE_OUT_DIR, SITE_SOURCE_DIR } from "../../tools/site";
import { standInPulumi } from "../functions/helpers/stand-in-pulumi";

interface Stored {
    body: string;
    contentType?: string;
    cacheControl?: string;
    metadata?: Record<string, string>;
}

const BUCKET = "platform-dev-site-123";
const DISTRIBUTION = "E2EXAMPLE123";
const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

describe("site publish", function () {
    this.timeout(20_000);
    const s3 = mockClient(S3Client);
    const cloudfront = mockClient(CloudFrontClient);
    let bucket: Map<string, Stored>;
    let built: string;
    let invalidations = 0;

    const s3Error = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const invalidationPaths = () => cloudfront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.InvalidationBatch?.Paths?.Items);
    const copyOfBuild = () => {
        const dir = tempDir("site-copy-");
        cpSync(built, dir, { recursive: true });
        return dir;
    };
    const options = (dir: string) => ({
        bucket: BUCKET,
        distributionId: DISTRIBUTION,
        dir,
        s3: new S3Client({ region: "eu-west-1" }),
        cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    });

    before(async () => {
        built = (await buildSite({ outDir: tempDir("site-publish-") })).outDir;
    });

    beforeEach(() => {
        s3.reset();
        cloudfront.reset();
        bucket = new Map();
        s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
            const object = bucket.get(input.Key);
            if (!object) throw s3Error("NotFound", 404);
            return { ContentType: object.contentType, CacheControl: object.cacheControl, Metadata: object.metadata };
        });
        s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
            bucket.set(input.Key!, {
                body: Buffer.from(input.Body as Uint8Array).toString("utf8"),
                contentType: input.ContentType,
                cacheControl: input.CacheControl,
                metadata: input.Metadata,
            });
            return {};
        });
        cloudfront.on(CreateInvalidationCommand).callsFake(() => ({ Invalidation: { Id: `I${++invalidations}`, Status: "InProgress" } }));
    });

    after(() => {
        s3.restore();
        cloudfront.restore();
    });

    it("first publish: uploads every file with its type and cache headers, assets before index.html, then invalidates / and /index.html", async () => {
        const result = await publishSite(options(built));
        const uploaded = puts();
        assert.deepEqual(
            uploaded.map((p) => [p.Key!.replace(/-[A-Z0-9]{8}\./, "-HASH."), p.ContentType, p.CacheControl]),
            [
                ["assets/app-HASH.js", "text/javascript; charset=utf-8", IMMUTABLE],
                ["assets/styles-HASH.css", "text/css; charset=utf-8", IMMUTABLE],
                ["index.html", "text/html; charset=utf-8", NO_CACHE],
            ],
        );
        assert.equal(IMMUTABLE, "public, max-age=31536000, immutable");
        assert.equal(NO_CACHE, "no-cache");
        for (const p of uploaded) {
            assert.equal(p.Bucket, BUCKET);
            assert.match(p.Metadata?.sha256 ?? "", /^[0-9a-f]{64}$/);
            // The bucket's default encryption applies: explicit SSE headers would only pin a key.
            assert.equal(p.ServerSideEncryption, undefined);
            assert.equal(Buffer.from(p.Body as Uint8Array).toString("utf8"), readFileSync(path.join(built, p.Key!), "utf8"));
        }
        assert.deepEqual(invalidationPaths(), [["/index.html", "/"]]);
        assert.equal(cloudfront.commandCalls(CreateInvalidationCommand)[0]!.args[0].input.DistributionId, DISTRIBUTION);
        assert.deepEqual(result.invalidation?.paths, ["/index.html", "/"]);
    });

    it("a second run with no change uploads nothing and invalidates nothing", async () => {
        await publishSite(options(built));
        s3.resetHistory();
        cloudfront.resetHistory();
        const lines: string[] = [];
        const result = await publishSite({ ...options(built), log: (l) => lines.push(l) });
        assert.deepEqual(puts(), []);
        assert.deepEqual(invalidationPaths(), []);
        assert.equal(s3.commandCalls(HeadObjectCommand).length, 3);
        assert.deepEqual([result.uploaded, result.invalidation], [[], undefined]);
        assert.equal(lines.at(-1), "nothing changed: no upload, no invalidation");
    });

    it("a changed index.html is uploaded alone, and invalidates exactly /index.html and /", async () => {
        await publishSite(options(built));
        s3.resetHistory();
        cloudfront.resetHistory();
        const dir = copyOfBuild();
        writeFileSync(
            path.join(dir, "index.html"),
            readFileSync(path.join(dir, "index.html"), "utf8").replace("<h1>Orders</h1>", "<h1>Orders, now faster</h1>"),
        );
        await publishSite(options(dir));
        assert.deepEqual(
            puts().map((p) => p.Key),
            ["index.html"],
        );
        assert.match(bucket.get("index.html")!.body, /Orders, now faster/);
        assert.deepEqual(invalidationPaths(), [["/index.html", "/"]]);
    });

    it("a new build keeps the old hashed assets an open page may still load, and deletes nothing", async () => {
        await publishSite(options(built));
        const oldAssets = [...bucket.keys()].filter((k) => k.startsWith("assets/"));
        const src = tempDir("site-src-");
        cpSync(SITE_SOURCE_DIR, src, { recursive: true });
        writeFileSync(path.join(src, "app.ts"), readFileSync(path.join(src, "app.ts"), "utf8").replace("The API is up.", "The API is up and well."));
        const next = await buildSite({ srcDir: src, outDir: tempDir("site-next-") });
        s3.resetHistory();
        cloudfront.resetHistory();
        await publishSite(options(next.outDir));
        assert.deepEqual(
            puts().map((p) => p.Key!.replace(/-[A-Z0-9]{8}\./, "-HASH.")),
            ["assets/app-HASH.js", "index.html"],
            "the new script and the page that loads it; the unchanged stylesheet stays",
        );
        for (const key of oldAssets) assert.ok(bucket.has(key), `${key} is still there`);
        assert.equal(s3.commandCalls(DeleteObjectCommand).length + s3.commandCalls(DeleteObjectsCommand).length, 0);
        assert.deepEqual(invalidationPaths(), [["/index.html", "/"]], "hashed names are new: only the page is invalidated");
    });

    it("re-uploads an object whose bytes match but whose headers do not (an upload by hand without Cache-Control)", async () => {
        await publishSite(options(built));
        bucket.set("index.html", { ...bucket.get("index.html")!, cacheControl: undefined });
        s3.resetHistory();
        await publishSite(options(built));
        assert.deepEqual(
            puts().map((p) => [p.Key, p.CacheControl]),
            [["index.html", NO_CACHE]],
        );
    });

    it("gives each invalidation a new caller reference, so re-publishing an earlier page invalidates again", async () => {
        let now = 1_700_000_000_000;
        const edited = copyOfBuild();
        writeFileSync(path.join(edited, "index.html"), `${readFileSync(path.join(edited, "index.html"), "utf8")}\n`);
        for (const dir of [built, edited, built]) await publishSite({ ...options(dir), now: () => (now += 1000) });
        const refs = cloudfront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.InvalidationBatch?.CallerReference);
        assert.equal(refs.length, 3);
        assert.equal(new Set(refs).size, 3, refs.join(", "));
    });

    it("a failed upload stops before the invalidation, exits 1 and names the object", async () => {
        s3.on(PutObjectCommand, { Key: readdirAssets(built).find((k) => k.endsWith(".js")) }).rejects(
            s3Error("AccessDenied", 403, "User is not authorized to perform: kms:GenerateDataKey"),
        );
        const { env } = standInPulumi("dev", {
            siteBucketName: BUCKET,
            distributionId: DISTRIBUTION,
            apiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
        });
        const res = await run(["--stack", "dev", "--dir", built], { env });
        assert.equal(res.code, 1);
        assert.match(
            res.err.join("\n"),
            new RegExp(
                `^Upload of s3://${BUCKET}/assets/app-[A-Z0-9]{8}\\.js failed: AccessDenied \\(HTTP 403\\): User is not authorized to perform: kms:GenerateDataKey\\. Uploaded before it: none; nothing was invalidated`,
            ),
        );
        assert.ok(!bucket.has("index.html"), "the page that needs the asset is not published");
        assert.deepEqual(invalidationPaths(), []);
    });

    it("a HeadObject refused with 403 names the missing permission and uploads nothing", async () => {
        s3.on(HeadObjectCommand).rejects(s3Error("Forbidden", 403));
        await assert.rejects(
            publishSite(options(built)),
            /HeadObject s3:\/\/platform-dev-site-123\/assets\/app-[A-Z0-9]{8}\.js failed: Forbidden \(HTTP 403\).*needs s3:ListBucket and s3:GetObject\)\. Nothing was uploaded or invalidated\./,
        );
        assert.deepEqual(puts(), []);
    });

    it("a failed invalidation is an error that says the files are uploaded", async () => {
        cloudfront
            .on(CreateInvalidationCommand)
            .rejects(Object.assign(new Error("Rate exceeded"), { name: "TooManyInvalidationsInProgress", $metadata: { httpStatusCode: 400 } }));
        await assert.rejects(
            publishSite(options(built)),
            /^PublishError: CloudFront CreateInvalidation of \/index\.html \/ on distribution E2EXAMPLE123 failed: TooManyInvalidationsInProgress \(HTTP 400\): Rate exceeded\. The files are uploaded \(assets\/app-/,
        );
        assert.equal(puts().length, 3);
    });

    it("--dry-run says what it would upload and invalidate, and changes nothing", async () => {
        const { env } = standInPulumi("dev", {
            siteBucketName: BUCKET,
            distributionId: DISTRIBUTION,
            apiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
        });
        const res = await run(["--stack", "dev", "--dir", built, "--dry-run"], { env });
        assert.equal(res.code, 0, res.err.join("\n"));
        assert.deepEqual([puts(), invalidationPaths()], [[], []]);
        assert.match(res.out.join("\n"), /would upload {2}index\.html {2}\(text\/html; charset=utf-8; no-cache\)\nwould invalidate {2}\/index\.html \/\n/);
    });

    it("without --dir builds site/ into dist/site and publishes that", async () => {
        const { env } = standInPulumi("dev", {
            siteBucketName: BUCKET,
            distributionId: DISTRIBUTION,
            apiUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
        });
        const res = await run(["--stack", "dev", "--dry-run"], { env });
        assert.equal(res.code, 0, res.err.join("\n"));
        assert.equal(res.out[0], `built site/ into ${path.relative(process.cwd(), SITE_OUT_DIR)}`);
        const expected = readdirAssets(SITE_OUT_DIR).concat("index.html").sort();
        assert.deepEqual(
            res.out
                .filter((l) => l.startsWith("would upload  "))
                .map((l) => l.split(/\s+/)[2])
                .sort(),
            expected,
        );
        assert.deepEqual(expected, readdirAssets(built).concat("index.html").sort(), "the same build as site/ gives");
    });

    it("reads the bucket and distribution from the stack's outputs, and the bucket's region from its apiUrl", async () => {
        const { env, callsFile } = standInPulumi("acme/platform/prod", {
            siteBucketName: BUCKET,
            distributionId: DISTRIBUTION,
            apiUrl: "https://abc.execute-api.eu-central-1.amazonaws.com/prod",
        });
        const regions: string[] = [];
        const res = await run(["--stack", "acme/platform/prod", "--dir", built], {
            env,
            s3: (region) => {
                regions.push(region);
                return new S3Client({ region });
            },
        });
        assert.equal(res.code, 0, res.err.join("\n"));
        assert.equal(readFileSync(callsFile, "utf8"), "stack output --json --stack acme/platform/prod\n");
        assert.deepEqual(regions, ["eu-central-1"]);
        assert.ok(puts().every((p) => p.Bucket === BUCKET));
        assert.equal(res.out.at(-1), "uploaded 3, unchanged 0, invalidated /index.html /");
    });

    it("refuses a file type it has no content type for, rather than serve it as octet-stream under nosniff", async () => {
        const dir = copyOfBuild();
        writeFileSync(path.join(dir, "setup.exe"), "MZ");
        await assert.rejects(publishSite(options(dir)), /setup\.exe: no content type for "\.exe"; allowed: \.html, \.css, \.js/);
        assert.deepEqual(puts(), []);
    });

    it("--help exits 0; bad usage and an unreadable stack exit 2, naming the flag or the command", async () => {
        assert.deepEqual(await run(["--help"]), { code: 0, out: [USAGE], err: [] });
        const failing = standInPulumi("dev", {}, "error: no stack named dev found");
        const cases: Array<[string[], PublishIo, RegExp]> = [
            [[], {}, /^--stack <name> is required/],
            [["--stack", "dev", "--dry-run=yes"], {}, /^--dry-run takes no value/],
            [["--stack", "dev", "--region", "mars"], {}, /^--region "mars" is invalid: expected an AWS region such as eu-west-1/],
            [["--stack", "dev", "--bucket", "x"], {}, /^Unknown flag --bucket; allowed: --stack, --dir, --region, --dry-run, --help/],
            [["--stack", "dev"], { env: failing.env }, /^`pulumi stack output --json --stack dev` failed \(exit 255\): error: no stack named dev found$/],
            [
                ["--stack", "dev", "--dir", "/nonexistent/site"],
                {
                    env: standInPulumi("dev", {
                        siteBucketName: BUCKET,
                        distributionId: DISTRIBUTION,
                        apiUrl: "https://a.execute-api.eu-west-1.amazonaws.com/x",
                    }).env,
                },
                /^--dir "\/nonexistent\/site" is not a directory/,
            ],
            [
                ["--stack", "dev", "--dir", built],
                { env: standInPulumi("dev", { siteBucketName: BUCKET }).env },
                /^Stack "dev" output distributionId is missing \(outputs: siteBucketName\)/,
            ],
        ];
        for (const [argv, io, message] of cases) {
            const res = await run(argv, io);
            assert.equal(res.code, 2, argv.join(" "));
            assert.match(res.err.join("\n"), message, argv.join(" "));
        }
        assert.deepEqual(puts(), []);
    });
});

function readdirAssets(dir: string): string[] {
    return readdirSync(path.join(dir, "assets")).map((f) => `assets/${f}`);
}

async function run(argv: string[], io: PublishIo = {}): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await publish(argv, { ...io, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
}
