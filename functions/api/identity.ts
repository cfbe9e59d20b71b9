import type { APIGatewayProxyEvent } from "aws-lambda";
import { CUSTOMER_ID_CLAIM } from "../../components/defaults/cognito";
import { forbidden, unauthorized } from "../shared/errors";

export interface Caller {
    customerId: string;
    email?: string;
    emailVerified: boolean;
}

// Cognito subs are UUIDs; anything else in the claim did not come from our user pool.
const SUB_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;
const EMAIL_PATTERN = /^[^\s@<>]{1,64}@[^\s@<>]{1,190}\.[^\s@<>]{2,63}$/;

/**
 * The caller comes only from the Cognito authorizer's verified claims in the request context. Any
 * identity a client puts in headers or the body is ignored, so it cannot be forged from outside. The
 * customer id is the pool's immutable `custom:customer_id` where an import set it (a user moved to a
 * new pool keeps the id their orders are stored under; no app client can write it), else the `sub`.
 */
export function callerOf(event: APIGatewayProxyEvent): Caller {
    const claims: unknown = event.requestContext?.authorizer?.claims;
    if (typeof claims !== "object" || claims === null) throw unauthorized("Sign in to call this route.");
    const { sub, email, email_verified: verified, [CUSTOMER_ID_CLAIM]: kept } = claims as Record<string, unknown>;
    if (typeof sub !== "string" || !SUB_PATTERN.test(sub)) throw unauthorized("The token does not identify a customer.");
    if (kept !== undefined && kept !== "" && (typeof kept !== "string" || !SUB_PATTERN.test(kept))) {
        throw unauthorized("The token does not identify a customer.");
    }
    const validEmail = typeof email === "string" && EMAIL_PATTERN.test(email) ? email : undefined;
    return {
        customerId: typeof kept === "string" && kept !== "" ? kept : sub,
        ...(validEmail ? { email: validEmail } : {}),
        emailVerified: verified === true || verified === "true",
    };
}

/** Placing an order sends a confirmation email, so it needs an address the customer has proven. */
export function requireVerifiedEmail(caller: Caller): string {
    if (!caller.email || !caller.emailVerified) throw forbidden("A verified email address is required to place orders.");
    return caller.email;
}
