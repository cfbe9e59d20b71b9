#!/usr/bin/env bash
# Rolls a stack's functions back to the versions their `live` alias served before a release, through
# CodeDeploy all at once, as docs/runbooks/release-and-rollback.md ("After a deployment succeeded")
# does by hand: the rollback is a recorded deployment, watched by the group's alarms. No lifecycle
# hooks: the versions restored are the ones that served before, and a hook failing on what broke the
# release must not hold the rollback back. tools/ops/release-and-verify.sh records the versions and
# calls this when the smoke checks fail after a release.
#
#   tools/ops/rollback.sh <stack> <versions.json>    versions.json: {"<function key>": "<version>", ...}
#
# Needs the Pulumi CLI (logged in), the AWS CLI with credentials for the stack's account, and jq.
# RELEASE_POLL_SECONDS (default 15) sets how often a deployment's status is read.
set -euo pipefail

USAGE="usage: tools/ops/rollback.sh <stack> <versions.json>   (a Pulumi stack such as acme/platform/prod)

Moves each function's live alias back to the version versions.json names, through CodeDeploy
(CodeDeployDefault.LambdaAllAtOnce); a function already on that version is left alone.
Environment: RELEASE_POLL_SECONDS, seconds between status reads (default: 15).
Exit code: 0 every function serves its recorded version, 1 one does not, 2 bad usage or a missing tool."
case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
  -*) echo "rollback.sh: unknown flag $1; allowed: --help, or a stack and a versions file. Run tools/ops/rollback.sh --help for usage." >&2; exit 2 ;;
esac
if [ $# -ne 2 ] || [ -z "$1" ]; then
  echo "rollback.sh: expected a stack name and a versions file, got $# arguments. Run tools/ops/rollback.sh --help for usage." >&2
  exit 2
fi
STACK=$1
VERSIONS=$2
POLL=${RELEASE_POLL_SECONDS:-15}
for tool in pulumi aws jq; do
  command -v "$tool" >/dev/null || { echo "rollback.sh needs $tool on PATH" >&2; exit 2; }
done
jq -e 'type == "object" and all(.[]; type == "string" and test("^[0-9]+$"))' "$VERSIONS" >/dev/null 2>&1 || {
  echo "rollback.sh: $VERSIONS is not a JSON object of function keys to version numbers such as {\"api\": \"6\"}" >&2
  exit 2
}

RELEASES=$(pulumi stack output releases --stack "$STACK" --json)

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

failed=0
# One line per recorded function: its key, version, and the release's application, group, function and alias.
while read -r FN WANT APP GROUP NAME ALIAS <&3; do
  if [ "$APP" = "-" ]; then
    echo "$FN: not in the stack's releases output; left alone" >&2
    continue
  fi
  CURRENT=$(aws lambda get-alias --function-name "$NAME" --name "$ALIAS" --query FunctionVersion --output text)
  if [ "$CURRENT" = "$WANT" ]; then
    echo "$FN: $ALIAS already on version $WANT"
    continue
  fi
  APPSPEC=$(jq -nc --arg n "$NAME" --arg a "$ALIAS" --arg c "$CURRENT" --arg t "$WANT" \
    '{version: 0.0, Resources: [{fn: {Type: "AWS::Lambda::Function", Properties: {Name: $n, Alias: $a, CurrentVersion: $c, TargetVersion: $t}}}]}')
  REVISION=$(jq -nc --arg s "$APPSPEC" '{revisionType: "AppSpecContent", appSpecContent: {content: $s}}')
  ID=$(aws deploy create-deployment --application-name "$APP" --deployment-group-name "$GROUP" \
    --deployment-config-name CodeDeployDefault.LambdaAllAtOnce --revision "$REVISION" \
    --description "rollback $FN $CURRENT -> $WANT" --query deploymentId --output text)
  echo "$FN: rolling back $CURRENT -> $WANT in deployment $ID"
  STATUS=$(wait_for "$ID")
  SERVING=$(aws lambda get-alias --function-name "$NAME" --name "$ALIAS" --query FunctionVersion --output text)
  if [ "$STATUS" = Succeeded ] && [ "$SERVING" = "$WANT" ]; then
    echo "$FN: $ALIAS is back on version $WANT"
  else
    echo "$FN: rollback deployment $ID $STATUS and $ALIAS serves version $SERVING, not $WANT: roll back by hand (docs/runbooks/release-and-rollback.md)" >&2
    failed=1
  fi
done 3< <(jq -r --argjson r "$RELEASES" 'to_entries[] | [.key, .value] + ($r[.key] // {} | [.application // "-", .deploymentGroup // "-", .functionName // "-", .alias // "-"]) | join(" ")' "$VERSIONS")
exit "$failed"
