/** Seconds SQS keeps a message: the maximum, so nothing is lost over a long weekend. */
export const MESSAGE_RETENTION_SECONDS = 14 * 24 * 3600;

/** A queue's visibility timeout is at least this many times its consumer's timeout (AWS guidance for Lambda). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Deliveries before a message moves to its dead-letter queue, at least (fewer dead-letters transient failures). */
export const MIN_MAX_RECEIVE_COUNT = 5;

/** What a consumer does with a queue: receive, delete what it processed, read the queue's attributes. */
export const CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
