import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { AppError, notFound } from "../shared/errors";
import type { ApiDeps } from "./deps";
import { checkEvent, errorResponse, json } from "./http";
import { matchRoute } from "./router";
import { createOrderRoute } from "./routes/create-order";
import { health } from "./routes/health";
import { cancelOrder, getOrder, listOrders } from "./routes/orders";
import { searchOrders } from "./routes/search";

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Builds the REST API proxy handler. Caller mistakes are AppErrors and become 4xx bodies; anything
 * else is a failure of AWS (or a bug) and becomes a 500 logged with the request id, never leaking
 * the underlying message to the client.
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
    const { logger, kpis, responses, tracer } = deps.observability;
    const createOrder = createOrderRoute(deps);

    const answer: ApiHandler = async (event, context) => {
        const requestId = event.requestContext?.requestId ?? context.awsRequestId;
        logger.addContext(context);
        logger.setCorrelationId(requestId);
        try {
            const found = matchRoute(event.httpMethod ?? "", event.path ?? "");
            if (found.kind === "not_found") throw notFound("No such route.");
            if (found.kind === "method_not_allowed") {
                return errorResponse(new AppError(405, "method_not_allowed", `Use ${found.allowed.join(" or ")} on this path.`, { allowed: found.allowed }), {
                    allow: found.allowed.join(", "),
                });
            }
            const { route, id = "" } = found.match;
            tracer.putAnnotation("route", route);
            // One check for every route, before any of them reads the event or touches a dependency.
            checkEvent(event);
            switch (route) {
                case "health":
                    return await health(deps, event, requestId);
                case "createOrder":
                    return await createOrder(event, context);
                case "listOrders":
                    return await listOrders(deps, event);
                case "searchOrders":
                    return await searchOrders(deps, event);
                case "getOrder":
                    return await getOrder(deps, event, id);
                case "cancelOrder":
                    return await cancelOrder(deps, event, id);
            }
        } catch (error) {
            if (error instanceof AppError) {
                if (error.status >= 500) logger.error("Request failed", { requestId, code: error.code });
                return errorResponse(error);
            }
            logger.error("Unhandled failure", { requestId, error: error as Error });
            return json(500, { error: { code: "internal_error", message: "The request could not be completed; retry later.", details: { requestId } } });
        } finally {
            kpis.flush();
        }
    };

    return async (event, context) => {
        let response: APIGatewayProxyResult | undefined;
        try {
            response = await answer(event, context);
            return response;
        } finally {
            // No answer (a throw past the catch-all) reaches the caller as API Gateway's 502: a server error as well.
            const status = response?.statusCode ?? 500;
            // Lambda names the version it ran, also when invoked through an alias; "$LATEST" when unqualified.
            responses.record(status, context.functionVersion || "$LATEST");
            tracer.putAnnotation("status", status);
        }
    };
}
