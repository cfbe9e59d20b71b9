import { PlatformOutputsV1 } from "../../outputs";

/** A complete, valid set of platform outputs for contract 1.4, shaped like a deployed dev stack's. */
export function sampleOutputs(): PlatformOutputsV1 {
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:123456789012:${resource}`;
    const sqs = (name: string) => ({
        url: `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`,
        arn: arn("sqs", name),
        dlqUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}-dlq`,
        dlqArn: arn("sqs", `${name}-dlq`),
    });
    return {
        contractVersion: "1.4",
        apiUrl: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1",
        apiId: "a1b2c3d4e5",
        apiWebAclArn: arn("wafv2", "regional/webacl/platform-dev-api-firewall/0f0e0d0c-0000-4000-8000-0a0b0c0d0e0f"),
        userPoolId: "eu-west-1_AbCdEf123",
        userPoolClientIds: { web: "web-client-id", machine: "machine-client-id" },
        authDomainUrl: "https://platform-dev-123456789012.auth.eu-west-1.amazoncognito.com",
        eventTopicArn: arn("sns", "platform-dev-events"),
        tableName: "platform-dev-orders",
        tableArn: arn("dynamodb", "table/platform-dev-orders"),
        alertTopicArns: {
            critical: arn("sns", "platform-dev-alerts-critical"),
            warning: arn("sns", "platform-dev-alerts-warning"),
            info: arn("sns", "platform-dev-alerts-info"),
        },
        kmsKeyArns: {
            data: arn("kms", "key/11111111-1111-4111-8111-111111111111"),
            logs: arn("kms", "key/22222222-2222-4222-8222-222222222222"),
            messaging: arn("kms", "key/33333333-3333-4333-8333-333333333333"),
        },
        queues: { email: sqs("platform-dev-messaging-email") },
        functionOutputs: {
            api: {
                name: "platform-dev-api",
                aliasArn: arn("lambda", "function:platform-dev-api:live"),
                dlqUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/platform-dev-api-dlq",
                dlqArn: arn("sqs", "platform-dev-api-dlq"),
            },
        },
        releases: {
            api: {
                application: "platform-dev-functions",
                deploymentGroup: "platform-dev-api",
                functionName: "platform-dev-api",
                alias: "live",
                targetVersion: "7",
            },
        },
        backupVaultArn: arn("backup", "backup-vault:platform-dev-table-backup"),
        backupPlanId: "0a1b2c3d-0000-4000-8000-0a1b2c3d4e5f",
        distributionDomainName: "d111111abcdef8.cloudfront.net",
        distributionId: "E2QWRUHAPOMQZL",
        siteBucketName: "platform-dev-site-0b5134e",
        emailDkimRecords: [{ name: "tok1._domainkey.example.com", type: "CNAME", value: "tok1.dkim.amazonses.com" }],
        emailDkimTokens: ["tok1"],
        emailConfigurationSetName: "platform-dev-email",
        searchEndpoint: "https://5e6bcfdca3321e00bcbd.eu-west-1.aoss.amazonaws.com",
        vpcId: "vpc-001e3f379949762f6",
        dashboardUrls: {
            application: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/platform-dev-application",
            infrastructure: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/platform-dev-infrastructure",
            business: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/platform-dev-business",
            security: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/platform-dev-security",
        },
        releaseHooks: { beforeAllowTraffic: "platform-dev-release-pre-traffic", afterAllowTraffic: "platform-dev-release-post-traffic" },
        // dev has no custom edge domain, so no certificate to validate.
        edgeCertificateValidationRecords: [],
        // dev keeps no copies outside its region (drCopies false).
        disasterRecovery: { region: "", strategy: "backup-restore", backupVaultArn: "", replica: null },
    };
}
