import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { ApiDeps } from "../deps";
import { json, query } from "../http";

/**
 * No auth: deploy checks and the smoke command call it. A DynamoDB failure is a 503 the canary alarm
 * sees; a caller's mistake (a query parameter, which health takes none of) is a 400, checked first, so
 * a malformed probe never reads as the platform being down.
 */
export async function health(deps: ApiDeps, event: APIGatewayProxyEvent, requestId: string): Promise<APIGatewayProxyResult> {
    query(event, []);
    try {
        await deps.store.ping();
        return json(200, { status: "ok", version: deps.version, checks: { dynamodb: "ok" } });
    } catch (error) {
        deps.observability.logger.error("Health check failed: DynamoDB unreachable", { requestId, error: error as Error });
        return json(503, {
            error: { code: "unhealthy", message: "A dependency is unavailable.", details: { dynamodb: "error", version: deps.version, requestId } },
        });
    }
}
