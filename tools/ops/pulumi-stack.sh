#!/usr/bin/env bash
# `pulumi preview` or `pulumi up` of one stack with the policy pack at that environment's enforcement
# levels, as the README's Deploy section runs them by hand; the Jenkins and Bitbucket pipelines call it.
# The environment is the stack name's last segment (acme/platform/prod: prod, policies/config/prod.json).
#
#   tools/ops/pulumi-stack.sh preview|up <stack>     e.g. tools/ops/pulumi-stack.sh up acme/platform/prod
#
# The backend: PULUMI_BACKEND_URL (s3://<bucket>, with PULUMI_CONFIG_PASSPHRASE for the stack's secrets)
# or the Pulumi Cloud (PULUMI_ACCESS_TOKEN, or an earlier `pulumi login`).
set -euo pipefail

USAGE="usage: tools/ops/pulumi-stack.sh preview|up <stack>   (a Pulumi stack such as acme/platform/prod)

Runs pulumi preview, or pulumi up --yes, with --policy-pack policies and
--policy-pack-config policies/config/<env>.json, <env> being the stack name's last segment.
Environment: PULUMI_BACKEND_URL (an s3:// state backend) or PULUMI_ACCESS_TOKEN (the Pulumi Cloud).
Exit code: 0 done, pulumi's own when it fails, 2 bad usage, a missing tool or no backend credentials."
case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
  preview | up) ;;
  *) echo "pulumi-stack.sh: expected preview or up first, got '${1:-}'. Run tools/ops/pulumi-stack.sh --help for usage." >&2; exit 2 ;;
esac
if [ $# -ne 2 ] || [ -z "$2" ] || [ "${2#-}" != "$2" ]; then
  echo "pulumi-stack.sh: expected preview|up and one stack name, got: $*. Run tools/ops/pulumi-stack.sh --help for usage." >&2
  exit 2
fi
COMMAND=$1
STACK=$2
ENVIRONMENT=${STACK##*/}
CONFIG=policies/config/$ENVIRONMENT.json
[ -f "$CONFIG" ] || { echo "pulumi-stack.sh: stack $STACK: no policy config $CONFIG; the stack name must end in one of: $(cd policies/config && ls -- *.json | sed 's/\.json$//' | paste -sd, - | sed 's/,/, /g')" >&2; exit 2; }
# The program and the pack run on the `node` first on PATH: the project's Node.js 24, where npm ci put it.
PATH="$PWD/node_modules/.bin:$PATH"
command -v pulumi >/dev/null || { echo "pulumi-stack.sh needs the Pulumi CLI on PATH" >&2; exit 2; }
if [ -z "${PULUMI_BACKEND_URL:-}" ] && [ -z "${PULUMI_ACCESS_TOKEN:-}" ] && ! pulumi whoami --non-interactive >/dev/null 2>&1; then
  echo "pulumi-stack.sh: no Pulumi backend: set PULUMI_ACCESS_TOKEN (the Pulumi Cloud) or PULUMI_BACKEND_URL (s3://<bucket>), or run pulumi login" >&2
  exit 2
fi

if [ "$COMMAND" = up ]; then
  exec pulumi up --yes --non-interactive --stack "$STACK" --policy-pack policies --policy-pack-config "$CONFIG"
fi
exec pulumi preview --non-interactive --stack "$STACK" --policy-pack policies --policy-pack-config "$CONFIG"
