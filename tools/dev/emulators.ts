/**
 * Real local AWS emulators on loopback ports chosen by the OS, for the dev server and the specs.
 * DynamoDB: dynalite (in-memory; no transactions, streams or TTL). SQS: local-aws-sqs (DLQ,
 * StartMessageMoveTask). SES v2: aws-ses-v2-local (its /store and web page show what was "sent").
 */
import type { AddressInfo, Server } from "node:net";
import { createServer } from "node:net";
import dynalite from "dynalite";
import { createSqsServer } from "local-aws-sqs";
import startSes from "aws-ses-v2-local";

export function listen(server: Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
}

export function close(server: Server): Promise<void> {
    return new Promise((resolve) => server.close(() => resolve()));
}

export interface Emulator {
    endpoint: string;
    stop(): Promise<void>;
}

export async function startDynamo(): Promise<Emulator> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as unknown as Server;
    const port = await listen(server);
    return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

export async function startSqs(): Promise<Emulator> {
    // Port 0 is not accepted by its option parser reliably, so find a free port first.
    const probe = createServer();
    const port = await listen(probe);
    await close(probe);
    const server = await createSqsServer({ port, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false } as Parameters<typeof createSqsServer>[0]);
    return {
        endpoint: `http://127.0.0.1:${port}`,
        stop: async () => {
            server.closeAllConnections?.();
            await close(server as unknown as Server);
        },
    };
}

export async function startSes2(): Promise<Emulator & { emails(): Promise<SesStoredEmail[]>; clear(): Promise<void> }> {
    const probe = createServer();
    const port = await listen(probe);
    await close(probe);
    const server = (await startSes({ host: "127.0.0.1", port })) as unknown as Server & { closeAllConnections?: () => void };
    const endpoint = `http://127.0.0.1:${port}`;
    return {
        endpoint,
        emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: SesStoredEmail[] }).emails,
        clear: async () => {
            await fetch(`${endpoint}/clear-store`, { method: "POST" });
        },
        stop: async () => {
            server.closeAllConnections?.();
            await close(server);
        },
    };
}

export interface SesStoredEmail {
    messageId: string;
    from: string;
    destination: { to: string[] };
    subject: string;
    body: { text?: string; html?: string };
}
