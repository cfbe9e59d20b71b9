#!/usr/bin/env bash
# Releases each function's newest published version through CodeDeploy: moves its `live` alias by the
# stack's strategy (all-at-once, linear or canary) while CodeDeploy watches the rollback alarms, with
# the stack's BeforeAllowTraffic and AfterAllowTraffic hooks named in the AppSpec (the new version is
# called before it takes traffic; the API is smoke-tested and the alarms baked on after).
# One function at a time; a failed deployment (rolled back by CodeDeploy) stops the loop with the
# others untouched, after waiting for the rollback and reading the version `live` serves again.
# See docs/runbooks/release-and-rollback.md.
#
#   tools/ops/release.sh <stack>        e.g. tools/ops/release.sh acme/platform/prod
#
# Needs the Pulumi CLI (logged in), the AWS CLI with credentials for the stack's account, and jq.
# RELEASE_POLL_SECONDS (default 15) sets how often a deployment's status is read.
set -euo pipefail

USAGE="usage: tools/ops/release.sh <stack>   (a Pulumi stack such as acme/platform/prod)

Releases each function's newest published version through CodeDeploy, one at a time.
Environment: RELEASE_POLL_SECONDS, seconds between status reads (default: 15).
Exit code: 0 released, 1 a deployment failed or was rolled back, 2 bad usage or a missing tool."
case "${1:-}" in
  -h | --help)
    echo "$USAGE"
    exit 0
    ;;
  -*)
    echo "release.sh: unknown flag $1; allowed: --help, or one stack name. Run tools/ops/release.sh --help for usage." >&2
    exit 2
    ;;
esac
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "release.sh: expected one stack name, got $#. Run tools/ops/release.sh --help for usage." >&2
  exit 2
fi
STACK=$1
POLL=${RELEASE_POLL_SECONDS:-15}
for tool in pulumi aws jq; do
  command -v "$tool" >/dev/null || { echo "release.sh needs $tool on PATH" >&2; exit 2; }
done

RELEASES=$(pulumi stack output releases --stack "$STACK" --json)
HOOKS=$(pulumi stack output releaseHooks --stack "$STACK" --json 2>/dev/null || echo null)
BEFORE=$(jq -r '.beforeAllowTraffic // empty' <<<"$HOOKS")
AFTER=$(jq -r '.afterAllowTraffic // empty' <<<"$HOOKS")
if [ -z "$BEFORE" ] || [ -z "$AFTER" ]; then
  echo "release.sh: stack $STACK has no releaseHooks output (contract 1.2 or later); run pulumi up with this version of the platform first" >&2
  exit 2
fi

# Waits for a deployment to end and prints its final status.
wait_for() {
  local id=$1 status
  while :; do
    status=$(aws deploy get-deployment --deployment-id "$id" --query deploymentInfo.status --output text)
    case "$status" in
      Succeeded | Failed | Stopped) echo "$status"; return ;;
      *) sleep "$POLL" ;;
    esac
  done
}

for FN in $(jq -r 'keys[]' <<<"$RELEASES"); do
  APP=$(jq -r --arg f "$FN" '.[$f].application' <<<"$RELEASES")
  GROUP=$(jq -r --arg f "$FN" '.[$f].deploymentGroup' <<<"$RELEASES")
  NAME=$(jq -r --arg f "$FN" '.[$f].functionName' <<<"$RELEASES")
  ALIAS=$(jq -r --arg f "$FN" '.[$f].alias' <<<"$RELEASES")
  TARGET=$(jq -r --arg f "$FN" '.[$f].targetVersion' <<<"$RELEASES")
  CURRENT=$(aws lambda get-alias --function-name "$NAME" --name "$ALIAS" --query FunctionVersion --output text)
  if [ "$CURRENT" = "$TARGET" ]; then
    echo "$FN: $ALIAS already on version $TARGET"
    continue
  fi

  APPSPEC=$(jq -nc --arg n "$NAME" --arg a "$ALIAS" --arg c "$CURRENT" --arg t "$TARGET" --arg b "$BEFORE" --arg z "$AFTER" \
    '{version: 0.0, Resources: [{fn: {Type: "AWS::Lambda::Function", Properties: {Name: $n, Alias: $a, CurrentVersion: $c, TargetVersion: $t}}}],
      Hooks: [{BeforeAllowTraffic: $b}, {AfterAllowTraffic: $z}]}')
  REVISION=$(jq -nc --arg s "$APPSPEC" '{revisionType: "AppSpecContent", appSpecContent: {content: $s}}')
  ID=$(aws deploy create-deployment --application-name "$APP" --deployment-group-name "$GROUP" \
    --revision "$REVISION" --description "$FN $CURRENT -> $TARGET" --query deploymentId --output text)
  echo "$FN: $CURRENT -> $TARGET in deployment $ID"

  # `aws deploy wait` gives up after about 10 minutes; a prod canary holds 10 minutes, then bakes 10 more.
  STATUS=$(wait_for "$ID")
  if [ "$STATUS" = "Succeeded" ]; then
    echo "$FN: released version $TARGET"
    continue
  fi
  aws deploy get-deployment --deployment-id "$ID" --query 'deploymentInfo.[status,errorInformation,rollbackInfo]' --output json >&2
  ROLLBACK=$(aws deploy get-deployment --deployment-id "$ID" --query 'deploymentInfo.rollbackInfo.rollbackDeploymentId' --output text)
  if [ -n "$ROLLBACK" ] && [ "$ROLLBACK" != "None" ]; then
    echo "$FN: deployment $ID $STATUS; waiting for rollback deployment $ROLLBACK" >&2
    echo "$FN: rollback deployment $ROLLBACK $(wait_for "$ROLLBACK")" >&2
  fi
  SERVING=$(aws lambda get-alias --function-name "$NAME" --name "$ALIAS" --query FunctionVersion --output text)
  if [ "$SERVING" = "$CURRENT" ]; then
    echo "$FN: deployment $ID $STATUS; $ALIAS is back on version $CURRENT" >&2
  else
    echo "$FN: deployment $ID $STATUS and $ALIAS serves version $SERVING, not $CURRENT: roll back by hand (docs/runbooks/release-and-rollback.md)" >&2
  fi
  exit 1
done
