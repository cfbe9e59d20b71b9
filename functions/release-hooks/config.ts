import * as z from "zod/mini";
import { loadConfig, vars } from "../shared/config";

import { RELEASE_CHECKS, type ReleaseCheck } from "../../components/defaults/codedeploy";

/** How a hook checks each function (components/defaults/codedeploy.ts). */
export const TARGET_KINDS = RELEASE_CHECKS;
export type TargetKind = ReleaseCheck;

const targets = z.pipe(
    z.string(),
    z.transform((raw, ctx): Record<string, TargetKind> => {
        try {
            const parsed: unknown = JSON.parse(raw);
            if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
                const entries = Object.entries(parsed as Record<string, unknown>);
                if (entries.length > 0 && entries.every(([name, kind]) => name !== "" && (TARGET_KINDS as readonly unknown[]).includes(kind))) {
                    return Object.fromEntries(entries) as Record<string, TargetKind>;
                }
            }
        } catch {
            // reported below
        }
        ctx.issues.push({ code: "custom", input: raw, message: `expected a JSON object of function name to ${TARGET_KINDS.join(" or ")}` });
        return {};
    }),
);

const common = {
    POWERTOOLS_SERVICE_NAME: vars.name,
    RELEASE_TARGETS: targets,
    MACHINE_CLIENT_ID: z.string().check(z.regex(/^[\w+]{1,128}$/, "expected a Cognito app client id")),
    MACHINE_SCOPE: z.string().check(z.regex(/^\S+\/\S+$/, "expected a resource-server scope such as orders/orders.read")),
};

const preTrafficEnv = z.object(common);

const postTrafficEnv = z.object({
    ...common,
    API_URL: z.string().check(z.regex(/^https:\/\/[^\s/]+(\/\S*)?$/, "expected the API stage's https:// invoke URL")),
    TOKEN_URL: z.string().check(z.regex(/^https:\/\/[^\s/]+\/oauth2\/token$/, "expected the Cognito domain's https://.../oauth2/token URL")),
    USER_POOL_ID: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, "expected a Cognito user pool id such as eu-west-1_AbC123")),
    BAKE_MINUTES: z.pipe(z.string().check(z.regex(/^\d{1,2}$/, "expected whole minutes")), z.transform(Number)),
});

export type PreTrafficConfig = z.infer<typeof preTrafficEnv>;
export type PostTrafficConfig = z.infer<typeof postTrafficEnv>;

export const loadPreTrafficConfig = (env: NodeJS.ProcessEnv = process.env): PreTrafficConfig => loadConfig("release-pre-traffic", preTrafficEnv, env);
export const loadPostTrafficConfig = (env: NodeJS.ProcessEnv = process.env): PostTrafficConfig => loadConfig("release-post-traffic", postTrafficEnv, env);
