import * as z from "zod/mini";

const recipients = z.array(z.object({ emailAddress: z.string().check(z.minLength(3)) })).check(z.minLength(1));

/**
 * SES publishes two shapes to SNS: identity notifications (`notificationType`) and configuration-set
 * event destinations (`eventType`). Both carry the same `bounce` / `complaint` objects.
 */
export const sesNotification = z.object({
    notificationType: z.optional(z.string()),
    eventType: z.optional(z.string()),
    mail: z.object({ messageId: z.string(), destination: z.optional(z.array(z.string())) }),
    bounce: z.optional(
        z.object({
            bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
            bounceSubType: z.optional(z.string()),
            bouncedRecipients: recipients,
            timestamp: z.string(),
            feedbackId: z.string(),
        }),
    ),
    complaint: z.optional(
        z.object({
            complainedRecipients: recipients,
            complaintFeedbackType: z.optional(z.string()),
            timestamp: z.string(),
            feedbackId: z.string(),
        }),
    ),
});

export type SesNotification = z.infer<typeof sesNotification>;
