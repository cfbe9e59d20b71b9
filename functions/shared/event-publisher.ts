import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { OrderEvent } from "./domain";

export interface EventPublisher {
  publish(event: OrderEvent): Promise<void>;
}

/** Publishes domain events to the SNS topic, with `type` as a message attribute for filter policies. */
export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: OrderEvent): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { type: { DataType: "String", StringValue: event.type } },
      }),
    );
  }
}
