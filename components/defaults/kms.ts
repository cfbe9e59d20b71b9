/** The AWS services a key is used through on a role's behalf (`kms:ViaService`). */
export const KEY_VIAS = ["dynamodb", "sns", "sqs"] as const;
export type KeyVia = (typeof KEY_VIAS)[number];

/**
 * The key actions a role needs when an AWS service uses a customer key on its behalf
 * (`kms:ViaService`): DynamoDB encrypts and decrypts items and describes the key; SNS and SQS
 * make a data key per message on send and decrypt it on receive.
 */
export const KEY_USE_VIA: Record<KeyVia, string[]> = {
    dynamodb: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    sns: ["kms:GenerateDataKey", "kms:Decrypt"],
    sqs: ["kms:GenerateDataKey", "kms:Decrypt"],
};
