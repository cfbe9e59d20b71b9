import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { AppError, badRequest, issuesToDetails } from "../../shared/errors";
import type { ApiDeps } from "../deps";
import { json, query } from "../http";
import { callerOf } from "../identity";
import { searchQuery } from "../schemas";

export async function searchOrders(deps: ApiDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const caller = callerOf(event);
  const parsed = searchQuery().safeParse(query(event, ["q", "limit"]));
  if (!parsed.success) throw badRequest("validation_failed", "The search query is not valid.", issuesToDetails(parsed.error.issues));
  const text = parsed.data.q.trim();
  if (text === "") throw badRequest("validation_failed", "The search text is blank.", { issues: [{ path: "q", message: "expected a search text" }] });
  if (!deps.search) throw new AppError(503, "search_unavailable", "Search is not configured in this environment.");
  const limit = parsed.data.limit !== undefined ? Number(parsed.data.limit) : 20;
  const documents = await deps.search.searchOrders(caller.customerId, text, limit);
  return json(200, { orders: documents.map(({ customerId: _customerId, ...doc }) => doc) });
}
