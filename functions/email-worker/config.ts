import * as z from "zod/mini";
import { baseShape, loadConfig, vars } from "../shared/config";

const emailWorkerEnv = z.object({
    ...baseShape,
    TABLE_NAME: vars.tableName,
    SES_CONFIGURATION_SET: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "expected an SES configuration set name")),
    SES_FROM_ADDRESS: vars.email,
});

export type EmailWorkerConfig = z.infer<typeof emailWorkerEnv>;

export const loadEmailWorkerConfig = (env: NodeJS.ProcessEnv = process.env): EmailWorkerConfig => loadConfig("email-worker", emailWorkerEnv, env);
