import * as pulumi from "@pulumi/pulumi";

/** What a standby needs of its primary's global-table replica in the standby's region. */
export interface StandbyReplica {
    tableName: pulumi.Input<string>;
    streamArn: pulumi.Input<string>;
    kmsKeyArn: pulumi.Input<string>;
}

/**
 * The replica in the primary's `disasterRecovery` output (contract 1.4: `{ region, strategy,
 * backupVaultArn, replica: { tableName, tableArn, streamArn, kmsKeyArn } | null }`), checked: a primary
 * that is not pilot-light, or has not created its replica yet, is named with what to do, rather than
 * deploying a standby against nothing. Pure, for the specs.
 */
export function replicaFromOutput(stack: string, region: string, output: unknown): { tableName: string; streamArn: string; kmsKeyArn: string } {
    const dr = output as { region?: unknown; strategy?: unknown; replica?: Record<string, unknown> | null } | undefined;
    const fail = (why: string): never => {
        throw new pulumi.RunError(`drPrimaryStack ${stack}: ${why}`);
    };
    if (dr === undefined || dr === null || typeof dr !== "object") {
        return fail("has no disasterRecovery output: it predates contract 1.4; run `pulumi up` on it first");
    }
    if (dr.replica === null || dr.replica === undefined) {
        return fail(
            `its disasterRecovery.replica is null (drStrategy ${String(dr.strategy)}): the primary keeps no replica; set its drStrategy to pilot-light and drRegion to ${region}, then \`pulumi up\` it`,
        );
    }
    if (dr.region !== region) {
        return fail(`keeps its replica in ${String(dr.region)}, not in this stack's region ${region}: deploy the standby in the primary's drRegion`);
    }
    const fields = ["tableName", "streamArn", "kmsKeyArn"] as const;
    const missing = fields.filter((f) => typeof dr.replica![f] !== "string" || dr.replica![f] === "");
    if (missing.length > 0) {
        return fail(
            `its disasterRecovery.replica has no ${missing.join(", ")}: the replica is still being created; \`pulumi up\` the primary to completion first`,
        );
    }
    return { tableName: dr.replica.tableName as string, streamArn: dr.replica.streamArn as string, kmsKeyArn: dr.replica.kmsKeyArn as string };
}

/**
 * The replica a standby runs against: the pinned config values where given (drReplicaStreamArn,
 * drReplicaKeyArn: they hold when the backend with the primary's state is unreachable), else the
 * primary's outputs through a StackReference (drPrimaryStack), parented to `parent` when given.
 */
export function standbyReplica(
    config: { drPrimaryStack: string; drReplicaStreamArn: string; drReplicaKeyArn: string; region: string },
    opts?: pulumi.CustomResourceOptions,
): StandbyReplica {
    if (config.drReplicaStreamArn !== "" && config.drReplicaKeyArn !== "") {
        return {
            tableName: /:table\/([^/]+)\/stream\//.exec(config.drReplicaStreamArn)![1]!,
            streamArn: config.drReplicaStreamArn,
            kmsKeyArn: config.drReplicaKeyArn,
        };
    }
    const primary = new pulumi.StackReference(config.drPrimaryStack, undefined, opts);
    const replica = primary.requireOutput("disasterRecovery").apply((v) => replicaFromOutput(config.drPrimaryStack, config.region, v));
    return { tableName: replica.tableName, streamArn: replica.streamArn, kmsKeyArn: replica.kmsKeyArn };
}
