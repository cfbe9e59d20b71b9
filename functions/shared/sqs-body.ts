/**
 * An SQS message body subscribed to SNS is either the raw message (raw message delivery) or the
 * SNS notification envelope around it; both are accepted so the subscription setting can change.
 */
export function unwrapSnsEnvelope(body: string): unknown {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && (parsed as { Type?: unknown }).Type === "Notification") {
        const message = (parsed as { Message?: unknown }).Message;
        if (typeof message === "string") return JSON.parse(message);
    }
    return parsed;
}
