import type TransportSerializer from "@opensearch-project/opensearch/lib/Serializer.js";
import type Transport from "@opensearch-project/opensearch/lib/Transport.js";
import { ConnectionPool } from "@opensearch-project/opensearch/lib/pool/index.js";
import { giveAwsV4Signer } from "@opensearch-project/opensearch/lib/aws/shared.js";
import type { AwsCredentialIdentity } from "@smithy/types";
import { EventEmitter } from "node:events";
import { PlainJsonSerializer } from "./search-serializer";

export interface SignedTransportOptions {
    endpoint: string;
    region: string;
    service: "aoss" | "es";
    requestTimeoutMs: number;
}

/**
 * The OpenSearch client's Transport with its AWS SigV4 signer. The signer adds
 * `x-amz-content-sha256`, which OpenSearch Serverless requires. The API builds it on first use (see
 * search-store.ts), so this module and the client library it loads stay out of its cold start; the
 * search indexer, which writes on every invocation, during init (search-indexer/order-index.ts).
 *
 * These are the library's private modules (lib/...): components/bundle-internals.ts lists them with the
 * releases they were verified on, and every build checks the installed one.
 *
 * `giveAwsV4Signer` is the factory behind the library's `aws-v3` entry (`AwsSigv4Signer`); we hand
 * it the same credential loader, but statically imported (search-store.ts, order-index.ts), because the library's
 * dynamic `import()` of the provider makes esbuild wrap the whole SDK in lazy initializers.
 */
export function createSignedTransport(options: SignedTransportOptions, loadCredentials: () => Promise<AwsCredentialIdentity>): Transport {
    const signer = giveAwsV4Signer(loadCredentials)({ region: options.region, service: options.service });
    const emitter = new EventEmitter();
    const emit = emitter.emit.bind(emitter);
    const connectionPool = new ConnectionPool({ Connection: signer.Connection, emit, sniffEnabled: false } as ConstructorParameters<typeof ConnectionPool>[0]);
    connectionPool.addConnection(options.endpoint);
    return new signer.Transport({
        emit,
        connectionPool,
        serializer: new PlainJsonSerializer() as unknown as TransportSerializer,
        maxRetries: 2,
        requestTimeout: options.requestTimeoutMs,
        // No sniffing: OpenSearch Serverless has no `_nodes` API, and the one endpoint is all there is.
        // The Transport sniffs whenever `sniffInterval` is a number, 0 included (`typeof sniffInterval
        // === "number"` in lib/Transport.js: 0 means before every request); `false` is what the library's
        // Client passes to turn it off, which the Transport's declaration (number only) does not admit.
        sniffEndpoint: "_nodes/_all/http",
        sniffOnStart: false,
        sniffInterval: false as unknown as number,
        sniffOnConnectionFault: false,
    });
}
