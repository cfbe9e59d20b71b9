/**
 * Stands in for the `debug` package inside the Lambda bundles (see components/bundle-options.ts). Only the
 * OpenSearch client uses it, for traces enabled by a DEBUG variable that Lambda functions never set;
 * our logs go through the Powertools Logger. Saves about 10 KB of bundle and its start-up work.
 */
interface Debugger {
    (...args: unknown[]): void;
    enabled: boolean;
    extend: (namespace: string) => Debugger;
}

function createDebug(_namespace: string): Debugger {
    const log = (() => undefined) as unknown as Debugger;
    log.enabled = false;
    log.extend = createDebug;
    return log;
}

export = createDebug;
