/** MFA: `OPTIONAL` lets users enrol (TOTP), `ON` requires every user to. Never off. */
export const MFA_MODES = ["OPTIONAL", "ON"] as const;
export type MfaMode = (typeof MFA_MODES)[number];

/** Threat protection (Plus plan): off, audit (log only) or enforced (block risky sign-ins). */
export const THREAT_PROTECTION_MODES = ["off", "audit", "enforced"] as const;
export type ThreatProtectionMode = (typeof THREAT_PROTECTION_MODES)[number];

/** The user pool's minimum password length. */
export const DEFAULT_MINIMUM_PASSWORD_LENGTH = 14;

/**
 * The user pool's immutable custom attribute that holds the id a customer's orders are stored under,
 * where it is not the `sub`: a user imported into another pool (a region failover, docs/runbooks/
 * region-failover.md) gets a new `sub`, and the import sets this to the old one, so the orders follow.
 * Only an import or an administrator can set it; no app client may write it.
 */
export const CUSTOMER_ID_ATTRIBUTE = "customer_id";
export const CUSTOMER_ID_CLAIM = `custom:${CUSTOMER_ID_ATTRIBUTE}`;

/** Standard attributes a signed-in user may change about themselves (never the custom customer id). */
export const USER_WRITABLE_ATTRIBUTES = [
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
] as const;
