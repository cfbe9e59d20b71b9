import type { APIGatewayProxyResult } from "aws-lambda";
import type { ApiDeps } from "../deps";
import { json } from "../http";

/** No auth: deploy checks and the smoke command call it. A DynamoDB failure is a 503 the canary alarm sees. */
export async function health(deps: ApiDeps, requestId: string): Promise<APIGatewayProxyResult> {
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
