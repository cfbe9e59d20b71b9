#!/usr/bin/env bash
# The offline policy gate the Jenkins and Bitbucket pipelines run: every stack in both preview modes,
# no credentials, through `npm run gate`, with its JSON report and JUnit where the pipelines archive and
# read them (reports/policy-gate.json, test-results/policy-gate/junit.xml); its table goes to the log.
#
#   tools/ops/policy-gate.sh [--stack dev,staging,prod] [--mode create,update]
#
# Exit code: 0 no mandatory violation, 1 a mandatory violation, 2 bad usage or a preview that failed.
set -euo pipefail

USAGE="usage: tools/ops/policy-gate.sh [--stack dev,staging,prod] [--mode create,update]

The offline policy gate: npm run gate over the stacks and modes, its JSON report in
reports/policy-gate.json and its JUnit XML in test-results/policy-gate/junit.xml.
Exit code: 0 no mandatory violation, 1 a mandatory violation, 2 bad usage or a preview that failed."
STACKS=dev,staging,prod
MODES=create,update
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) echo "$USAGE"; exit 0 ;;
    --stack | --mode)
      if [ $# -lt 2 ] || [ -z "$2" ] || [ "${2#-}" != "$2" ]; then
        echo "policy-gate.sh: $1 needs a comma-separated list. Run tools/ops/policy-gate.sh --help for usage." >&2
        exit 2
      fi
      if [ "$1" = --stack ]; then STACKS=$2; else MODES=$2; fi
      shift 2 ;;
    *) echo "policy-gate.sh: unknown argument $1; allowed: --stack LIST, --mode LIST, --help. Run tools/ops/policy-gate.sh --help for usage." >&2; exit 2 ;;
  esac
done
for s in ${STACKS//,/ }; do
  [ -f "Pulumi.$s.yaml" ] || { echo "policy-gate.sh: --stack $s: no Pulumi.$s.yaml here; run it from the repository root with stacks that have a file." >&2; exit 2; }
done
for m in ${MODES//,/ }; do
  case "$m" in create | update) ;; *) echo "policy-gate.sh: --mode $m is not one of create, update" >&2; exit 2 ;; esac
done
mkdir -p reports test-results/policy-gate
exec npm run -s gate -- --stack "$STACKS" --mode "$MODES" --json --junit test-results/policy-gate/junit.xml >reports/policy-gate.json
