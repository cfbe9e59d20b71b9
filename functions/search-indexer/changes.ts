import { parse } from "@aws-lambda-powertools/parser";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, SQSRecord } from "aws-lambda";
import { orderEventSchema, orderSchema, type Order, type OrderEvent } from "../shared/domain";
import { unwrapSnsEnvelope } from "../shared/sqs-body";

export type IndexChange = { kind: "upsert"; order: Order } | { kind: "delete"; orderId: string } | { kind: "ignore" };

type Image = Record<string, AttributeValue>;

/** A stream record becomes an index change; items that are not orders (ledger, suppression) are ignored. */
export function changeFromStream(record: DynamoDBRecord): IndexChange {
    const keysImage = record.dynamodb?.Keys as Image | undefined;
    const sk = keysImage?.sk?.S;
    if (!sk || !sk.startsWith("ORDER#")) return { kind: "ignore" };
    if (record.eventName === "REMOVE") return { kind: "delete", orderId: sk.slice("ORDER#".length) };
    const image = record.dynamodb?.NewImage as Image | undefined;
    // The stream must carry new images (NEW_IMAGE or NEW_AND_OLD_IMAGES); without one nothing can be indexed.
    if (!image) throw new Error(`Stream record ${record.eventID ?? ""} has no NewImage; set the stream view type to NEW_AND_OLD_IMAGES`);
    return { kind: "upsert", order: parse(unmarshall(image), undefined, orderSchema) as Order };
}

export function changeFromMessage(record: SQSRecord): IndexChange {
    const event = parse(unwrapSnsEnvelope(record.body), undefined, orderEventSchema) as OrderEvent;
    return { kind: "upsert", order: event.order };
}
