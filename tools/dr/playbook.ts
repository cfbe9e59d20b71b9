/**
 * Who does what, in which order, for each failure mode: the part of the business-continuity plan that
 * does not follow from configuration. The commands are the recovery tools' (tools/recovery: restore,
 * reindex, export-users) and the pipeline's; the runbooks hold each step's detail.
 */
import type { FailureMode } from "./model";

/** The roles the plan assigns; each stack's mailboxes for them come from its config (alertEmails, escalationEmails). */
export const ROLES = {
    "on-call engineer": "First line: receives every alarm (alertEmails), runs the commands below, keeps the incident log.",
    "incident commander":
        "The escalated tier (escalationEmails, the pager): declares the incident, chooses the recovery, owns the decision to fail over and communication.",
    "data owner": "The orders team's lead: chooses the point in time to restore to, and reconciles what was written after it.",
    "security lead": "Owns an account compromise: containment, credentials, the recovery account, and the report to the organization.",
} as const;
export type Role = keyof typeof ROLES;

export interface Action {
    who: Role;
    what: string;
    /** The command to run, with `<stack>` for the stack's name. */
    command?: string;
    /** The runbook holding the step's detail, relative to docs/runbooks/. */
    runbook?: string;
}

export interface Play {
    /** What tells the team it is happening. */
    trigger: string;
    /** Depends on the stack's strategy: region loss differs between pilot-light and backup-restore. */
    actions: (strategy: { pilotLight: boolean; standby: string }) => Action[];
}

export const PLAYBOOK: Record<FailureMode, Play> = {
    "bad-deploy": {
        trigger: "A release's rollback alarms (error rate, p99 duration, the API's 5xx and latency) or a DeploymentFailure notification on the warning topic.",
        actions: () => [
            {
                who: "on-call engineer",
                what: "Confirm CodeDeploy rolled the release back (it does by itself on its alarms).",
                runbook: "release-and-rollback.md",
            },
            {
                who: "on-call engineer",
                what: "If the fault is an infrastructure change, revert its commit and let the pipeline run `pulumi up` of the previous commit.",
                runbook: "release-and-rollback.md",
            },
            { who: "incident commander", what: "Decide whether data was written wrongly meanwhile; if so, continue with bad-data." },
        ],
    },
    "bad-data": {
        trigger: "Customers or the business KPIs (cancellation rate, no orders) report wrong orders; the trail shows the write.",
        actions: () => [
            {
                who: "incident commander",
                what: "Declare the incident and stop the writer: roll back the release or disable the consumer that writes the bad data.",
            },
            { who: "data owner", what: "Choose the restore time: just before the first bad write (the trail's and the functions' logs show it)." },
            {
                who: "on-call engineer",
                what: "Rehearse the restore, then restore to a new table; it verifies the copy and prints the config change that repoints the stack.",
                command: "npm run restore -- --stack <stack> --to <ISO time> --dry-run",
                runbook: "restore-table.md",
            },
            {
                who: "on-call engineer",
                what: "Run the restore for real.",
                command: "npm run restore -- --stack <stack> --to <ISO time>",
                runbook: "restore-table.md",
            },
            {
                who: "on-call engineer",
                what: "Apply the printed config change and run `pulumi up`; the release shifts the functions to the restored table.",
                runbook: "restore-table.md",
            },
            {
                who: "on-call engineer",
                what: "Rebuild the search index from the restored table.",
                command: "npm run reindex -- --stack <stack> --from-table NAME",
                runbook: "rebuild-search-index.md",
            },
            { who: "data owner", what: "Reconcile the good writes made after the restore time from the old table, which the restore leaves in place." },
        ],
    },
    "table-deleted": {
        trigger: "The API answers 5xx on every route and DynamoDB's system-errors alarm, or the trail's DeleteTable event.",
        actions: () => [
            { who: "incident commander", what: "Declare the incident; find who deleted the table (the trail) and revoke that access if it was not a mistake." },
            {
                who: "on-call engineer",
                what: "Restore the newest state: the deleted table's system backup (point-in-time recovery keeps it 35 days) or the newest recovery point.",
                command: "npm run restore -- --stack <stack> --to latest",
                runbook: "restore-table.md",
            },
            { who: "on-call engineer", what: "Apply the printed config change and run `pulumi up`.", runbook: "restore-table.md" },
            {
                who: "on-call engineer",
                what: "Rebuild the search index.",
                command: "npm run reindex -- --stack <stack> --from-table NAME",
                runbook: "rebuild-search-index.md",
            },
        ],
    },
    "az-loss": {
        trigger: "AWS Health reports a zone impaired; Lambda errors or latency rise in one zone's subnets.",
        actions: () => [
            { who: "on-call engineer", what: "Watch the alarms: the regional services move off the zone by themselves; nothing is restored." },
            { who: "incident commander", what: "If search stays unavailable (no standby replicas), tell customers search is degraded; orders are served." },
        ],
    },
    "region-loss": {
        trigger: "AWS Health reports the Region impaired; the edge's alarms (us-east-1) show the API's origin failing while CloudFront answers.",
        actions: ({ pilotLight, standby }) =>
            pilotLight
                ? [
                      {
                          who: "incident commander",
                          what: `Declare the region loss and the failover to the standby (${standby}).`,
                          runbook: "region-failover.md",
                      },
                      {
                          who: "on-call engineer",
                          what: "Import the users from the newest export (taken every day beforehand, to a bucket in the DR region) into the standby's pool.",
                          runbook: "region-failover.md",
                      },
                      {
                          who: "on-call engineer",
                          what: `Arm the standby: set its kpiBusinessHours (and searchStandbyReplicas, natGateways as prod's) and run \`pulumi up --stack ${standby}\`.`,
                          runbook: "region-failover.md",
                      },
                      { who: "on-call engineer", what: "Move the site's domain to the standby's distribution.", runbook: "region-failover.md" },
                      {
                          who: "incident commander",
                          what: "Tell customers to reset their passwords (passwords cannot be exported), and when the Region is back, plan the return.",
                      },
                  ]
                : [
                      { who: "incident commander", what: "Declare the region loss and the restore in the DR region.", runbook: "region-failover.md" },
                      {
                          who: "on-call engineer",
                          what: "Restore the newest recovery point copied to the DR region's vault.",
                          command: "npm run restore -- --stack <stack> --to latest --from-recovery-point ARN",
                          runbook: "region-failover.md",
                      },
                      {
                          who: "on-call engineer",
                          what: "Deploy the platform in the DR region against the restored table (`pulumi up` of a stack with that aws:region and tableName).",
                          runbook: "region-failover.md",
                      },
                      {
                          who: "on-call engineer",
                          what: "Rebuild the search index there.",
                          command: "npm run reindex -- --stack <stack> --from-table NAME",
                          runbook: "rebuild-search-index.md",
                      },
                      { who: "on-call engineer", what: "Import the users from the newest export and move the site's domain.", runbook: "region-failover.md" },
                  ],
    },
    "account-compromise": {
        trigger: "The security alarms (root account use, trail changes, KMS keys disabled, unauthorized calls) or GuardDuty's critical findings.",
        actions: () => [
            {
                who: "security lead",
                what: "Contain: revoke the attacker's credentials and sessions, lock the root user, keep the trail.",
                runbook: "account-compromise.md",
            },
            {
                who: "incident commander",
                what: "Decide whether the account can be trusted again; if not, recover in the recovery account.",
                runbook: "account-compromise.md",
            },
            {
                who: "on-call engineer",
                what: "In the recovery account, restore the newest recovery point its vault holds and deploy the platform there.",
                command: "npm run restore -- --stack <stack> --to latest --from-recovery-point ARN",
                runbook: "account-compromise.md",
            },
            {
                who: "on-call engineer",
                what: "Import the users (export them first if the pool is intact) and move the site's domain.",
                command: "npm run export-users -- --stack <stack> --to s3://BUCKET/users/",
                runbook: "account-compromise.md",
            },
        ],
    },
};
