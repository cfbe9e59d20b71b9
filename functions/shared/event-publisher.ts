import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { OrderEvent } from "./domain";

export interface EventPublisher {
    publish(event: OrderEvent): Promise<void>;
}

/**
 * Publishes domain events to the SNS topic, with `type` as a message attribute for filter policies.
 * Takes the client, or a factory called on the first publish (the API publishes only on writes).
 */
export class SnsEventPublisher implements EventPublisher {
    private sns?: SNSClient;
    private readonly createClient?: () => SNSClient;

    constructor(
        sns: SNSClient | (() => SNSClient),
        private readonly topicArn: string,
    ) {
        if (typeof sns === "function") this.createClient = sns;
        else this.sns = sns;
    }

    async publish(event: OrderEvent): Promise<void> {
        this.sns ??= (this.createClient as () => SNSClient)();
        await this.sns.send(
            new PublishCommand({
                TopicArn: this.topicArn,
                Message: JSON.stringify(event),
                MessageAttributes: { type: { DataType: "String", StringValue: event.type } },
            }),
        );
    }
}
