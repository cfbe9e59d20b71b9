#!/usr/bin/env bash
# The release of a deploy stage, as the Jenkins and Bitbucket pipelines run it: records the version
# each function's `live` alias serves, releases the new versions through CodeDeploy
# (tools/ops/release.sh), then runs the smoke checks (npm run smoke). When the release fails, or the
# smoke checks fail after it, every function goes back to its recorded version (tools/ops/rollback.sh)
# and the script exits 1, failing the build: CodeDeploy rolls back what its alarms catch; this rolls
# back what only the smoke checks see, and the functions a failed release had already moved.
#
#   tools/ops/release-and-verify.sh <stack>     e.g. tools/ops/release-and-verify.sh acme/platform/prod
#
# Writes reports/live-before-<env>.json (the recorded versions) and reports/smoke-after-release-<env>.json.
# Needs what release.sh needs (pulumi, aws, jq) and the project installed (npm ci).
set -euo pipefail

USAGE="usage: tools/ops/release-and-verify.sh <stack>   (a Pulumi stack such as acme/platform/prod)

Records what live serves, runs tools/ops/release.sh, then npm run smoke; rolls back to the recorded
versions (tools/ops/rollback.sh) when either fails.
Exit code: 0 released and smoke-checked, 1 rolled back (or a rollback failed), 2 bad usage or a missing tool."
case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
  -*) echo "release-and-verify.sh: unknown flag $1; allowed: --help, or one stack name. Run tools/ops/release-and-verify.sh --help for usage." >&2; exit 2 ;;
esac
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "release-and-verify.sh: expected one stack name, got $#. Run tools/ops/release-and-verify.sh --help for usage." >&2
  exit 2
fi
STACK=$1
ENVIRONMENT=${STACK##*/}
OPS=$(dirname "$0")
for tool in pulumi aws jq npm; do
  command -v "$tool" >/dev/null || { echo "release-and-verify.sh needs $tool on PATH" >&2; exit 2; }
done
mkdir -p reports
BEFORE=reports/live-before-$ENVIRONMENT.json
SMOKE=reports/smoke-after-release-$ENVIRONMENT.json

RELEASES=$(pulumi stack output releases --stack "$STACK" --json)
recorded=()
while read -r FN NAME ALIAS <&3; do
  VERSION=$(aws lambda get-alias --function-name "$NAME" --name "$ALIAS" --query FunctionVersion --output text)
  recorded+=(--arg "$FN" "$VERSION")
done 3< <(jq -r 'to_entries[] | "\(.key) \(.value.functionName) \(.value.alias)"' <<<"$RELEASES")
jq -n '$ARGS.named' "${recorded[@]}" >"$BEFORE"
echo "live before the release: $(tr -d ' \n' <"$BEFORE")"

rollback() {
  echo "$1: rolling every function back to the versions live served before the release" >&2
  "$OPS/rollback.sh" "$STACK" "$BEFORE" || echo "the rollback did not restore every function; see above" >&2
  exit 1
}

code=0
"$OPS/release.sh" "$STACK" || code=$?
if [ "$code" = 2 ]; then exit 2; fi
if [ "$code" != 0 ]; then rollback "the release of $STACK failed"; fi

code=0
npm run -s smoke -- --stack "$STACK" --json >"$SMOKE" || code=$?
cat "$SMOKE"
if [ "$code" != 0 ]; then rollback "the smoke checks of $STACK failed after the release (exit $code)"; fi
echo "released $STACK and its smoke checks passed"
