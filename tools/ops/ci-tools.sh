#!/usr/bin/env bash
# Installs what a pipeline step needs and its image lacks, as .ci/run does for chromium: Bitbucket's
# steps run in the plain node:24 image. Each tool is installed only where it is missing, so on a Jenkins
# agent that has them (README, "Delivery") this does nothing.
#
#   tools/ops/ci-tools.sh test      java (npm-groovy-lint's CodeNarc in npm test), chromium (the diagram
#                                   render spec), jq
#   tools/ops/ci-tools.sh gate      jq (tools/ops/policy-gate.sh)
#   tools/ops/ci-tools.sh deploy    jq, curl and the AWS CLI (release.sh, notify-failure.sh), and the
#                                   Pulumi CLI of the version package.json pins @pulumi/pulumi to
#                                   (PULUMI_VERSION overrides it)
#
# Debian packages through apt-get, as root or through sudo; the Pulumi CLI through its installer.
set -euo pipefail

USAGE="usage: tools/ops/ci-tools.sh test|gate|deploy

Installs, where missing, the tools the test, gate or deploy steps need (apt-get; the Pulumi CLI's installer).
Exit code: 0 every tool there, 1 an install failed, 2 bad usage."
case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
  test) TOOLS=(java:default-jre-headless chromium:chromium jq:jq) ;;
  gate) TOOLS=(jq:jq) ;;
  deploy) TOOLS=(jq:jq curl:curl aws:awscli pulumi:) ;;
  *) echo "ci-tools.sh: expected test, gate or deploy, got '${1:-}'. Run tools/ops/ci-tools.sh --help for usage." >&2; exit 2 ;;
esac
if [ $# -ne 1 ]; then
  echo "ci-tools.sh: expected one argument, test, gate or deploy, got $#. Run tools/ops/ci-tools.sh --help for usage." >&2
  exit 2
fi

packages=()
pulumi_missing=false
for entry in "${TOOLS[@]}"; do
  tool=${entry%%:*}
  package=${entry#*:}
  if command -v "$tool" >/dev/null 2>&1; then continue; fi
  if [ "$tool" = pulumi ]; then pulumi_missing=true; else packages+=("$package"); fi
done
if [ ${#packages[@]} -eq 0 ] && [ "$pulumi_missing" = false ]; then exit 0; fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  missing="${packages[*]}$([ "$pulumi_missing" = true ] && echo " pulumi")"
  command -v sudo >/dev/null || { echo "ci-tools.sh: missing ${missing# }: not root and no sudo to install them; install them on the agent (README, \"Delivery\")" >&2; exit 1; }
  as_root=(sudo)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "ci-tools.sh: installing ${packages[*]}"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
if [ "$pulumi_missing" = true ]; then
  version=${PULUMI_VERSION:-$(jq -r '.dependencies["@pulumi/pulumi"]' package.json)}
  echo "ci-tools.sh: installing the Pulumi CLI $version"
  curl -fsSL https://get.pulumi.com | sh -s -- --version "$version"
  "${as_root[@]}" ln -sf "$HOME"/.pulumi/bin/* /usr/local/bin/
fi
