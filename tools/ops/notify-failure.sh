#!/usr/bin/env bash
# Tells people a pipeline run failed: publishes to an alert topic (aws sns publish) or posts to a chat
# webhook (a JSON {"text": ...}, the form Slack, Mattermost, Rocket.Chat and Google Chat incoming
# webhooks take), whichever ALERT_TARGET names. Jenkins calls it in `post { failure }`, Bitbucket in a
# deploy step's after-script.
#
#   ALERT_TARGET=<topic ARN | https webhook URL> tools/ops/notify-failure.sh <subject> <message>
#
# The topic is one of the stack outputs alertTopicArns (prod's warning topic, say); publishing to it
# needs sns:Publish on it and kms:GenerateDataKey on its key.
set -euo pipefail

USAGE="usage: ALERT_TARGET=<target> tools/ops/notify-failure.sh <subject> <message>

ALERT_TARGET: an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>): aws sns publish to it;
or an https:// URL: POST {\"text\": \"<subject>: <message>\"} to that chat webhook (curl).
Exit code: 0 sent, 1 the publish or the post failed, 2 bad usage or no ALERT_TARGET."
case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
esac
if [ $# -ne 2 ] || [ -z "$1" ]; then
  echo "notify-failure.sh: expected a subject and a message, got $# arguments. Run tools/ops/notify-failure.sh --help for usage." >&2
  exit 2
fi
SUBJECT=$1
MESSAGE=$2
TARGET=${ALERT_TARGET:-}
case "$TARGET" in
  arn:aws*:sns:*:*:*)
    command -v aws >/dev/null || { echo "notify-failure.sh needs the AWS CLI on PATH to publish to $TARGET" >&2; exit 2; }
    # SNS takes a subject of at most 100 characters, with no line breaks.
    if ! aws sns publish --topic-arn "$TARGET" --subject "$(printf '%s' "$SUBJECT" | tr '\r\n' '  ' | cut -c1-100)" --message "$MESSAGE" \
      --message-attributes '{"severity":{"DataType":"String","StringValue":"warning"}}' --query MessageId --output text; then
      echo "notify-failure.sh: aws sns publish to $TARGET failed (see above)" >&2
      exit 1
    fi
    ;;
  # Plain http only on loopback (a local relay, or a test's stand-in); a webhook URL is a secret in transit.
  https://* | http://127.0.0.1[:/]* | http://localhost[:/]*)
    command -v curl >/dev/null || { echo "notify-failure.sh needs curl on PATH to post to the chat webhook" >&2; exit 2; }
    command -v jq >/dev/null || { echo "notify-failure.sh needs jq on PATH" >&2; exit 2; }
    if ! jq -nc --arg t "$SUBJECT: $MESSAGE" '{text: $t}' |
      curl --silent --show-error --fail --max-time 20 --retry 2 -H 'Content-Type: application/json' --data-binary @- "$TARGET" >/dev/null; then
      echo "notify-failure.sh: the post to the chat webhook failed (see above)" >&2
      exit 1
    fi
    echo "posted to the chat webhook"
    ;;
  "")
    echo "notify-failure.sh: ALERT_TARGET is not set: set it to an alert topic ARN (arn:aws:sns:...) or a chat webhook URL (https://...)" >&2
    exit 2
    ;;
  *)
    echo "notify-failure.sh: ALERT_TARGET is neither an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) nor an https:// webhook URL" >&2
    exit 2
    ;;
esac
