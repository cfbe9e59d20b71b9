import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface PublishedMessage {
    topicArn: string;
    message: string;
    typeAttribute?: string;
}

/**
 * None of the allowed emulators speaks SNS, so the bundle specs point the SDK at this recorder. It
 * answers Publish in both wire protocols the SNS client may use (AWS query or JSON).
 */
export async function startFakeSns(): Promise<{ endpoint: string; published: PublishedMessage[]; failNext: (n: number) => void; stop: () => Promise<void> }> {
    const published: PublishedMessage[] = [];
    let failures = 0;
    const server: Server = createServer((req, res) => {
        let raw = "";
        req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
        req.on("end", () => {
            if (failures > 0) {
                failures -= 1;
                res.writeHead(500, { "content-type": "text/xml" }).end(
                    "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>injected</Message></Error></ErrorResponse>",
                );
                return;
            }
            const json = (req.headers["content-type"] ?? "").includes("json");
            if (json) {
                const body = JSON.parse(raw) as { TopicArn: string; Message: string; MessageAttributes?: { type?: { StringValue?: string } } };
                published.push({ topicArn: body.TopicArn, message: body.Message, typeAttribute: body.MessageAttributes?.type?.StringValue });
                res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify({ MessageId: `m-${published.length}` }));
                return;
            }
            const form = new URLSearchParams(raw);
            published.push({
                topicArn: form.get("TopicArn") ?? "",
                message: form.get("Message") ?? "",
                typeAttribute: form.get("MessageAttributes.entry.1.Value.StringValue") ?? undefined,
            });
            res.writeHead(200, { "content-type": "text/xml" }).end(
                `<PublishResponse><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        published,
        failNext: (n) => (failures = n),
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
