import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ChildKinds, Component, ComponentOptions } from "./component";
import { Monitorable, Monitored } from "./monitorable";
import { PlatformContext } from "./context";

import {
    CUSTOMER_ID_ATTRIBUTE,
    DEFAULT_MINIMUM_PASSWORD_LENGTH,
    MFA_MODES,
    MfaMode,
    THREAT_PROTECTION_MODES,
    ThreatProtectionMode,
    USER_WRITABLE_ATTRIBUTES,
} from "./defaults/cognito";

export { MFA_MODES, THREAT_PROTECTION_MODES };

/** Scopes the machine client may request from the orders resource server. */
export const MACHINE_SCOPES = ["orders.read", "orders.write"] as const;

/** User groups of the workload: customers see their own orders, staff operate the service. */
export const USER_GROUPS = { customers: 10, staff: 1 } as const;

export interface IdentityArgs extends ComponentOptions<IdentityChildren> {
    /** Account, region and naming facts. */
    context: PlatformContext;
    /** MFA: `OPTIONAL` lets users enrol (TOTP), `ON` requires every user to. */
    mfa: MfaMode;
    /** Threat protection (Plus plan): `off`, `audit` (log only) or `enforced` (block risky sign-ins). */
    threatProtection: ThreatProtectionMode;
    /**
     * Cognito deletion protection plus Pulumi `protect`: users and their credentials survive any deploy.
     * @default false
     */
    deletionProtection?: boolean;
    /**
     * HTTPS URLs the hosted sign-in may redirect the web client to after sign-in. At least one.
     * Outputs are accepted (the site's domain is the CloudFront distribution's, known only after the
     * distribution exists); the URLs known as strings are validated here.
     * @example [pulumi.interpolate`https://${edge.domainName}/auth/callback`]
     */
    callbackUrls: pulumi.Input<string>[];
    /** HTTPS URLs the hosted sign-out may redirect to. At least one; strings validated as for `callbackUrls`. */
    logoutUrls: pulumi.Input<string>[];
    /**
     * Minimum password length (12 to 99).
     * @default 14
     */
    minimumPasswordLength?: number;
}

/** The kinds of child resources Identity creates, and the arguments a `transform` of each may edit. */
export interface IdentityChildren extends ChildKinds {
    managedLoginBranding: aws.cognito.ManagedLoginBrandingArgs;
    resourceServer: aws.cognito.ResourceServerArgs;
    userGroup: aws.cognito.UserGroupArgs;
    userPool: aws.cognito.UserPoolArgs;
    userPoolClient: aws.cognito.UserPoolClientArgs;
    userPoolDomain: aws.cognito.UserPoolDomainArgs;
}
const IDENTITY_CHILD_KINDS = ["managedLoginBranding", "resourceServer", "userGroup", "userPool", "userPoolClient", "userPoolDomain"] as const;

/**
 * The Cognito user pool the API authorizes against: strong passwords, TOTP MFA (optional or
 * required), threat protection from config, an app client for the web (authorization code + PKCE,
 * no secret) and one for machines (client credentials), a hosted domain, and the user groups.
 */
export class Identity extends Component<IdentityChildren> implements Monitorable {
    /** What the dashboards chart of this component. */
    public readonly monitored: Monitored;
    /** User pool id. */
    public readonly userPoolId: pulumi.Output<string>;
    /** User pool ARN (the API's authorizer trusts it). */
    public readonly userPoolArn: pulumi.Output<string>;
    /** Token issuer endpoint, without scheme. */
    public readonly userPoolEndpoint: pulumi.Output<string>;
    /** App client ids: `web` (browser, no secret) and `machine` (client credentials). */
    public readonly userPoolClientIds: pulumi.Output<{ web: string; machine: string }>;
    /** Hosted sign-in base URL. */
    public readonly hostedDomainUrl: pulumi.Output<string>;
    /** The user pool, for authorizers. */
    public readonly userPool: aws.cognito.UserPool;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:identity:Identity", "Identity", name, IDENTITY_CHILD_KINDS, args, opts);
        if (!(MFA_MODES as readonly string[]).includes(args.mfa)) {
            this.invalid("mfa", args.mfa, `allowed: ${MFA_MODES.join(", ")} (MFA is never off)`);
        }
        if (!(THREAT_PROTECTION_MODES as readonly string[]).includes(args.threatProtection)) {
            this.invalid("threatProtection", args.threatProtection, `allowed: ${THREAT_PROTECTION_MODES.join(", ")}`);
        }
        for (const [argName, urls] of [
            ["callbackUrls", args.callbackUrls],
            ["logoutUrls", args.logoutUrls],
        ] as const) {
            if (urls.length === 0) {
                this.invalid(argName, urls, "allowed: at least one https:// URL");
            }
            for (const u of urls) {
                // An Output is checked by Cognito when it resolves; a plain string can be checked now.
                if (typeof u === "string" && !/^https:\/\/[^\s/#]+(\/[^\s#]*)?$/.test(u)) {
                    this.invalid(argName, u, "allowed: https:// URLs without a fragment (Cognito refuses plain http outside localhost, and # parts)");
                }
            }
        }
        const minLength = args.minimumPasswordLength ?? DEFAULT_MINIMUM_PASSWORD_LENGTH;
        if (!Number.isInteger(minLength) || minLength < 12 || minLength > 99) {
            this.invalid("minimumPasswordLength", minLength, "allowed: a whole number from 12 to 99");
        }
        const ctx = args.context;
        const protect = args.deletionProtection ?? false;
        const threat = args.threatProtection;

        const pool = this.create(
            "userPool",
            aws.cognito.UserPool,
            `user-pool`,
            {
                name: `${ctx.namePrefix}-users`,
                usernameAttributes: ["email"],
                autoVerifiedAttributes: ["email"],
                usernameConfiguration: { caseSensitive: false },
                passwordPolicy: {
                    minimumLength: minLength,
                    requireLowercase: true,
                    requireUppercase: true,
                    requireNumbers: true,
                    requireSymbols: true,
                    temporaryPasswordValidityDays: 3,
                },
                mfaConfiguration: args.mfa,
                softwareTokenMfaConfiguration: { enabled: true },
                accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
                // The id orders are stored under when it is not the sub: set by an import into a new pool.
                schemas: [
                    {
                        name: CUSTOMER_ID_ATTRIBUTE,
                        attributeDataType: "String",
                        mutable: false,
                        required: false,
                        developerOnlyAttribute: false,
                        stringAttributeConstraints: { minLength: "1", maxLength: "128" },
                    },
                ],
                // Threat protection is a Plus-plan feature; without it the Essentials plan is enough.
                userPoolTier: threat === "off" ? "ESSENTIALS" : "PLUS",
                userPoolAddOns: { advancedSecurityMode: threat.toUpperCase() },
                deletionProtection: protect ? "ACTIVE" : "INACTIVE",
                tags: ctx.tags,
            },
            { parent: this, protect },
        );

        const resourceServer = this.create(
            "resourceServer",
            aws.cognito.ResourceServer,
            `orders-api`,
            {
                userPoolId: pool.id,
                identifier: "orders",
                name: "Orders API",
                scopes: MACHINE_SCOPES.map((s) => ({ scopeName: s, scopeDescription: `Machine access: ${s}` })),
            },
            { parent: this },
        );

        const web = this.create(
            "userPoolClient",
            aws.cognito.UserPoolClient,
            `web-client`,
            {
                name: `${ctx.namePrefix}-web`,
                userPoolId: pool.id,
                generateSecret: false,
                allowedOauthFlowsUserPoolClient: true,
                allowedOauthFlows: ["code"],
                allowedOauthScopes: ["openid", "email", "profile"],
                callbackUrls: args.callbackUrls,
                logoutUrls: args.logoutUrls,
                supportedIdentityProviders: ["COGNITO"],
                explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                // Without a list a client may write every attribute, the customer id too (at sign-up):
                // a customer could then name another's id and read their orders.
                writeAttributes: [...USER_WRITABLE_ATTRIBUTES],
                preventUserExistenceErrors: "ENABLED",
                enableTokenRevocation: true,
                accessTokenValidity: 60,
                idTokenValidity: 60,
                refreshTokenValidity: 30,
                tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
            },
            { parent: this },
        );
        const machine = this.create(
            "userPoolClient",
            aws.cognito.UserPoolClient,
            `machine-client`,
            {
                name: `${ctx.namePrefix}-machine`,
                userPoolId: pool.id,
                generateSecret: true,
                allowedOauthFlowsUserPoolClient: true,
                allowedOauthFlows: ["client_credentials"],
                allowedOauthScopes: MACHINE_SCOPES.map((s) => pulumi.interpolate`${resourceServer.identifier}/${s}`),
                supportedIdentityProviders: ["COGNITO"],
                explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
                // It has no users, but SignUp works through any client that knows its secret.
                writeAttributes: ["email"],
                preventUserExistenceErrors: "ENABLED",
                enableTokenRevocation: true,
                accessTokenValidity: 60,
                tokenValidityUnits: { accessToken: "minutes" },
            },
            { parent: this },
        );

        // Domain prefixes are global across AWS; the account id keeps ours unique.
        const domain = this.create(
            "userPoolDomain",
            aws.cognito.UserPoolDomain,
            `domain`,
            { userPoolId: pool.id, domain: pulumi.interpolate`${ctx.namePrefix}-${ctx.accountId}`, managedLoginVersion: 2 },
            { parent: this },
        );
        // Managed login (version 2) serves an app client's sign-in pages only once a branding style is
        // assigned to it; without one the hosted UI answers "Login pages unavailable". Cognito's
        // default style is enough. The machine client never signs in through the hosted UI.
        this.create(
            "managedLoginBranding",
            aws.cognito.ManagedLoginBranding,
            `web-login-branding`,
            { userPoolId: pool.id, clientId: web.id, useCognitoProvidedValues: true },
            { parent: this, dependsOn: [domain] },
        );

        for (const [group, precedence] of Object.entries(USER_GROUPS)) {
            this.create(
                "userGroup",
                aws.cognito.UserGroup,
                `${group}`,
                { userPoolId: pool.id, name: group, precedence, description: `${group} of ${ctx.namePrefix}` },
                { parent: this },
            );
        }

        this.userPool = pool;
        this.userPoolId = pool.id;
        this.userPoolArn = pool.arn;
        this.userPoolEndpoint = pool.endpoint;
        this.userPoolClientIds = pulumi.output({ web: web.id, machine: machine.id });
        this.monitored = { userPool: { id: this.userPoolId, signInClientId: web.id } };
        this.hostedDomainUrl = pulumi.interpolate`https://${domain.domain}.auth.${ctx.region}.amazoncognito.com`;
        this.registerOutputs({ userPoolId: this.userPoolId, userPoolClientIds: this.userPoolClientIds, hostedDomainUrl: this.hostedDomainUrl });
    }
}
