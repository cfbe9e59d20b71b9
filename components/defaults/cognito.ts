/** MFA: `OPTIONAL` lets users enrol (TOTP), `ON` requires every user to. Never off. */
export const MFA_MODES = ["OPTIONAL", "ON"] as const;
export type MfaMode = (typeof MFA_MODES)[number];

/** Threat protection (Plus plan): off, audit (log only) or enforced (block risky sign-ins). */
export const THREAT_PROTECTION_MODES = ["off", "audit", "enforced"] as const;
export type ThreatProtectionMode = (typeof THREAT_PROTECTION_MODES)[number];

/** The user pool's minimum password length. */
export const DEFAULT_MINIMUM_PASSWORD_LENGTH = 14;
