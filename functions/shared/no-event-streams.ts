/**
 * Stands in for `@smithy/core/event-streams` inside the Lambda bundles (see components/bundle-options.ts). The
 * SDK's protocols load it with a dynamic `import()` only for operations with event-stream members,
 * and none of the clients we bundle (DynamoDB, SNS, SESv2) has one. Bundling the real module costs
 * more than its own size: esbuild must then wrap every module it shares with the eagerly loaded SDK
 * code in a lazy initializer, so the whole SDK is parsed twice at cold start.
 *
 * A client that has event-stream operations (Lambda's InvokeWithResponseStream, in the release
 * hooks) resolves its event-stream config when it is built; the release hooks never call such an
 * operation, so the config passes through unchanged and the marshaller is never made.
 */
function unsupported(): never {
    throw new Error("Event streams are not included in this bundle: no bundled client operation uses them (see functions/shared/no-event-streams.ts).");
}

export class EventStreamSerde {
    constructor() {
        unsupported();
    }
}

export const eventStreamSerdeProvider = (): never => unsupported();

export const resolveEventStreamSerdeConfig = <T extends object>(input: T): T => input;
