/**
 * Publishes the landing page to a stack's site bucket and invalidates what changed at the edge.
 *
 *   npm run site:publish -- --stack <name> [--dir DIR] [--region R] [--dry-run]
 *
 * Builds site/ into dist/site (unless --dir names a built site), reads siteBucketName and
 * distributionId from the stack's outputs, and uploads only the files whose content (a sha256 kept as
 * object metadata; the bucket is SSE-KMS, so ETags are not MD5s of the content) or headers differ.
 * Hashed assets go first and index.html last, so the page never references an asset not yet there;
 * nothing is deleted, because a page opened before the publish still loads the assets it names.
 *
 * Cache headers and the edge: the site's cache behaviour uses Managed-CachingOptimized (min TTL 1 s,
 * default 1 day, max 1 year). Hashed assets carry `max-age=31536000, immutable` and stay up to the
 * max; index.html carries `no-cache`, which CloudFront honours only down to the policy's min TTL, so
 * an edge keeps it at most 1 s and browsers revalidate it on every load. What the invalidation of
 * `/index.html` and `/` is for: copies an edge cached before this publish under other headers (an
 * upload without Cache-Control is kept the default TTL, a day; the 403 of an empty bucket too).
 *
 * Exit code: 0 published (or nothing to do), 1 an upload or the invalidation failed, 2 bad usage or the
 * stack could not be read.
 */
import { readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import { CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buildSite, isHashedAsset, siteFiles, SITE_OUT_DIR, type SiteFile } from "../site";
import { defineCommand, matching, UsageError } from "../cli";
import { exitCodeOf, readStackOutputs, stackName, stringOutput } from "./stack-outputs";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const COMMAND = defineCommand({
    name: "site:publish",
    synopsis: "--stack <name> [--dir DIR] [--region R] [--dry-run]",
    summary: "Publishes the landing page to the stack's site bucket, uploading only what changed, and invalidates what changed at the edge.",
    flags: {
        stack: {
            type: "string",
            value: "<name>",
            description: "required: read siteBucketName and distributionId from `pulumi stack output --json --stack <name>`",
            parse: stackName,
        },
        dir: { type: "string", value: "DIR", description: "publish this built site", defaultText: "build site/ into dist/site" },
        region: {
            type: "string",
            value: "R",
            description: "the bucket's region",
            defaultText: "the region of the stack's apiUrl, else AWS_REGION",
            parse: matching(REGION, "an AWS region such as eu-west-1"),
        },
        "dry-run": { type: "boolean", description: "say what would be uploaded and invalidated; change nothing" },
    },
    epilog: "Exit code: 0 published or nothing to do, 1 an upload or the invalidation failed, 2 bad usage or the stack could not be read.",
});

export const USAGE = COMMAND.help;

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const NO_CACHE = "no-cache";

/** Content types by extension; a file of any other kind is refused rather than served as octet-stream under nosniff. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
};

export interface PublishedObject {
    key: string;
    sha256: string;
    contentType: string;
    cacheControl: string;
}

export interface PublishResult {
    uploaded: string[];
    unchanged: string[];
    /** Absent when nothing non-hashed changed. */
    invalidation?: { id: string; paths: string[] };
    dryRun: boolean;
}

export interface PublishOptions {
    bucket: string;
    distributionId: string;
    /** A built site: every file under it is published. */
    dir: string;
    s3: S3Client;
    cloudfront: CloudFrontClient;
    dryRun?: boolean;
    log?: (line: string) => void;
    /** For the invalidation's caller reference. @default Date.now */
    now?: () => number;
}

export class PublishError extends Error {
    override readonly name = "PublishError";
}

export function objectFor(file: SiteFile): PublishedObject {
    const ext = path.posix.extname(file.key).toLowerCase();
    const contentType = CONTENT_TYPES[ext];
    if (!contentType)
        throw new PublishError(`${file.key}: no content type for "${ext || "(no extension)"}"; allowed: ${Object.keys(CONTENT_TYPES).join(", ")}.`);
    return { key: file.key, sha256: file.sha256, contentType, cacheControl: isHashedAsset(file.key) ? IMMUTABLE : NO_CACHE };
}

/** The viewer paths an upload of `key` changes: index.html is also the distribution's default root object. */
export function invalidationPaths(key: string): string[] {
    return key === "index.html" ? ["/index.html", "/"] : [`/${key}`];
}

function reason(error: unknown): string {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    return `${e.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? String(error)}`;
}

/** Whether the object already holds these bytes with these headers. */
async function isCurrent(s3: S3Client, bucket: string, object: PublishedObject): Promise<boolean> {
    try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key }));
        return head.Metadata?.sha256 === object.sha256 && head.ContentType === object.contentType && head.CacheControl === object.cacheControl;
    } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === "NotFound" || e.$metadata?.httpStatusCode === 404) return false;
        const hint =
            e.$metadata?.httpStatusCode === 403
                ? " (without s3:ListBucket S3 answers 403 for a missing object; the publisher needs s3:ListBucket and s3:GetObject)"
                : "";
        throw new PublishError(`HeadObject s3://${bucket}/${object.key} failed: ${reason(error)}${hint}. Nothing was uploaded or invalidated.`);
    }
}

/** Upload order: hashed assets, then other files, index.html last. */
function publishOrder(a: PublishedObject, b: PublishedObject): number {
    const rank = (o: PublishedObject) => (o.key === "index.html" ? 2 : isHashedAsset(o.key) ? 0 : 1);
    return rank(a) - rank(b) || a.key.localeCompare(b.key);
}

export async function publishSite(options: PublishOptions): Promise<PublishResult> {
    const log = options.log ?? (() => {});
    const objects = (await siteFiles(options.dir)).map(objectFor).sort(publishOrder);
    if (!objects.some((o) => o.key === "index.html")) throw new PublishError(`${options.dir} has no index.html: build the site first (npm run site:build).`);

    const changed: PublishedObject[] = [];
    const unchanged: string[] = [];
    for (const object of objects) {
        if (await isCurrent(options.s3, options.bucket, object)) unchanged.push(object.key);
        else changed.push(object);
    }
    const paths = [...new Set(changed.filter((o) => !isHashedAsset(o.key)).flatMap((o) => invalidationPaths(o.key)))];
    for (const key of unchanged) log(`unchanged  ${key}`);

    if (options.dryRun) {
        for (const o of changed) log(`would upload  ${o.key}  (${o.contentType}; ${o.cacheControl})`);
        log(paths.length > 0 ? `would invalidate  ${paths.join(" ")}` : "nothing to invalidate");
        return { uploaded: changed.map((o) => o.key), unchanged, dryRun: true };
    }

    const uploaded: string[] = [];
    for (const object of changed) {
        try {
            const body = await readFile(path.join(options.dir, object.key));
            // No SSE headers: the bucket's default encryption (aws:kms with the data key, S3 Bucket Keys on)
            // applies to every object, and its policy only requires TLS, which the SDK always uses.
            await options.s3.send(
                new PutObjectCommand({
                    Bucket: options.bucket,
                    Key: object.key,
                    Body: body,
                    ContentType: object.contentType,
                    CacheControl: object.cacheControl,
                    Metadata: { sha256: object.sha256 },
                }),
            );
        } catch (error) {
            throw new PublishError(
                `Upload of s3://${options.bucket}/${object.key} failed: ${reason(error)}. ` +
                    `Uploaded before it: ${uploaded.join(", ") || "none"}; nothing was invalidated. Fix the cause and run the publish again: it resumes with what is still missing.`,
            );
        }
        uploaded.push(object.key);
        log(`uploaded  ${object.key}  (${object.contentType}; ${object.cacheControl})`);
    }
    if (paths.length === 0) {
        log(changed.length === 0 ? "nothing changed: no upload, no invalidation" : "only hashed assets changed: no invalidation needed");
        return { uploaded, unchanged, dryRun: false };
    }
    const indexSha = objects.find((o) => o.key === "index.html")!.sha256;
    try {
        const { Invalidation } = await options.cloudfront.send(
            new CreateInvalidationCommand({
                DistributionId: options.distributionId,
                // Unique per publish: a reference CloudFront has seen with the same paths returns that old
                // invalidation instead of making a new one, which would leave a re-published page stale.
                InvalidationBatch: {
                    CallerReference: `site-${indexSha.slice(0, 16)}-${(options.now ?? Date.now)()}`,
                    Paths: { Quantity: paths.length, Items: paths },
                },
            }),
        );
        const id = Invalidation?.Id ?? "(no id returned)";
        log(`invalidation ${id} of ${paths.join(" ")} on distribution ${options.distributionId}`);
        return { uploaded, unchanged, invalidation: { id, paths }, dryRun: false };
    } catch (error) {
        throw new PublishError(
            `CloudFront CreateInvalidation of ${paths.join(" ")} on distribution ${options.distributionId} failed: ${reason(error)}. ` +
                `The files are uploaded (${uploaded.join(", ")}); edges may serve the old index.html until it expires. Run the publish again or invalidate by hand.`,
        );
    }
}

export interface PublishIo {
    out?: (line: string) => void;
    err?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    s3?: (region: string) => S3Client;
    cloudfront?: () => CloudFrontClient;
    now?: () => number;
}

async function run(argv: readonly string[], io: PublishIo, out: (line: string) => void): Promise<number> {
    const parsed = COMMAND.parse(argv);
    if (parsed.help) {
        out(USAGE);
        return 0;
    }
    const { stack, region: regionFlag, dir: dirFlag, "dry-run": dryRun } = parsed.values;
    if (stack === undefined) throw new UsageError(`--stack <name> is required: the bucket and the distribution come from its outputs. ${COMMAND.seeHelp}`);

    const env = io.env ?? process.env;
    const outputs = await readStackOutputs(stack, { env });
    const bucket = stringOutput(outputs, stack, "siteBucketName");
    const distributionId = stringOutput(outputs, stack, "distributionId");
    const apiRegion = typeof outputs.apiUrl === "string" ? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(outputs.apiUrl)?.[1] : undefined;
    const region = regionFlag ?? apiRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError(`The bucket's region is unknown: stack "${stack}" has no execute-api apiUrl and AWS_REGION is not set. Give --region.`);

    let dir: string;
    if (dirFlag !== undefined) {
        dir = path.resolve(dirFlag);
        const isDir = await stat(dir).then(
            (s) => s.isDirectory(),
            () => false,
        );
        if (!isDir) throw new UsageError(`--dir "${dirFlag}" is not a directory: expected a built site such as dist/site (npm run site:build).`);
    } else {
        dir = (await buildSite({ outDir: SITE_OUT_DIR })).outDir;
        out(`built site/ into ${path.relative(process.cwd(), dir) || dir}`);
    }
    const s3 = io.s3?.(region) ?? new S3Client({ region, followRegionRedirects: true, maxAttempts: 5 });
    // CloudFront's API is global and served from us-east-1.
    const cloudfront = io.cloudfront?.() ?? new CloudFrontClient({ region: "us-east-1", maxAttempts: 5 });
    out(`${dryRun ? "dry run: " : ""}publishing ${dir} to s3://${bucket} (distribution ${distributionId}, stack ${stack})`);
    const result = await publishSite({
        bucket,
        distributionId,
        dir,
        s3,
        cloudfront,
        dryRun: dryRun,
        log: out,
        ...(io.now ? { now: io.now } : {}),
    });
    out(
        `${result.dryRun ? "would upload" : "uploaded"} ${result.uploaded.length}, unchanged ${result.unchanged.length}, ${result.invalidation ? `invalidated ${result.invalidation.paths.join(" ")}` : "no invalidation"}`,
    );
    return 0;
}

export async function main(argv: readonly string[], io: PublishIo = {}): Promise<number> {
    const out = io.out ?? ((line: string) => console.log(line));
    const err = io.err ?? ((line: string) => console.error(line));
    return exitCodeOf(
        "site:publish",
        () => run(argv, io, out),
        err,
        (error) => error instanceof PublishError,
    );
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
