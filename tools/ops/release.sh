#!/usr/bin/env bash
# Releases each function's newest published version through CodeDeploy: moves its `live` alias by the
# stack's strategy (all-at-once, linear or canary) while CodeDeploy watches the rollback alarms.
# One function at a time; a failed deployment (rolled back by CodeDeploy) stops the loop with the
# others untouched. See docs/runbooks/release-and-rollback.md.
#
#   tools/ops/release.sh <stack>        e.g. tools/ops/release.sh acme/platform/prod
#
# Needs the Pulumi CLI (logged in), the AWS CLI with credentials for the stack's account, and jq.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: tools/ops/release.sh <stack>   (a Pulumi stack such as acme/platform/prod)" >&2
  exit 2
fi
STACK=$1
for tool in pulumi aws jq; do
  command -v "$tool" >/dev/null || { echo "release.sh needs $tool on PATH" >&2; exit 2; }
done

RELEASES=$(pulumi stack output releases --stack "$STACK" --json)
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

  APPSPEC=$(jq -nc --arg n "$NAME" --arg a "$ALIAS" --arg c "$CURRENT" --arg t "$TARGET" \
    '{version: 0.0, Resources: [{fn: {Type: "AWS::Lambda::Function", Properties: {Name: $n, Alias: $a, CurrentVersion: $c, TargetVersion: $t}}}]}')
  REVISION=$(jq -nc --arg s "$APPSPEC" '{revisionType: "AppSpecContent", appSpecContent: {content: $s}}')
  ID=$(aws deploy create-deployment --application-name "$APP" --deployment-group-name "$GROUP" \
    --revision "$REVISION" --description "$FN $CURRENT -> $TARGET" --query deploymentId --output text)
  echo "$FN: $CURRENT -> $TARGET in deployment $ID"

  # `aws deploy wait` gives up after about 10 minutes; a prod canary holds 10 minutes before the final shift.
  while :; do
    STATUS=$(aws deploy get-deployment --deployment-id "$ID" --query deploymentInfo.status --output text)
    case "$STATUS" in
      Succeeded) echo "$FN: released version $TARGET"; break ;;
      Failed | Stopped)
        aws deploy get-deployment --deployment-id "$ID" --query 'deploymentInfo.[status,errorInformation,rollbackInfo]'
        echo "$FN: deployment $ID $STATUS; CodeDeploy moved $ALIAS back to $CURRENT" >&2
        exit 1 ;;
      *) sleep 15 ;;
    esac
  done
done
