// Composition root: configuration -> components -> the exported output contract. Every stack builds
// the same components; stacks differ only in configuration values (see test/stacks/parity.spec.ts).
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { Alerting } from "./components/alerting";
import { platformContext } from "./components/context";
import { DataClass, Encryption } from "./components/encryption";
import { Severity } from "./components/alarms";

const config = loadConfig();
const context = platformContext({ project: config.project, stack: config.stack, environment: config.environment });

const encryption = new Encryption("encryption", {
    context,
    protect: config.deletionProtection,
});

const alerting = new Alerting("alerting", {
    context,
    kmsKeyArn: encryption.messagingKeyArn,
    emails: config.alertEmails,
    pagerUrl: config.pagerUrl,
    hasPager: config.hasPager,
    escalationMinutes: config.escalationMinutes,
});

/** ARN of each customer-managed KMS key by data class. */
export const kmsKeyArns: pulumi.Output<Record<DataClass, string>> = encryption.keyArns;
/** ARN of each severity topic; other stacks route their alarms here. */
export const alertTopicArns: pulumi.Output<Record<Severity, string>> = alerting.topicArns;
