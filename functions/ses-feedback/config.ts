import * as z from "zod/mini";
import { baseShape, loadConfig, vars } from "../shared/config";

const sesFeedbackEnv = z.object({
    ...baseShape,
    TABLE_NAME: vars.tableName,
});

export type SesFeedbackConfig = z.infer<typeof sesFeedbackEnv>;

export const loadSesFeedbackConfig = (env: NodeJS.ProcessEnv = process.env): SesFeedbackConfig => loadConfig("ses-feedback", sesFeedbackEnv, env);
