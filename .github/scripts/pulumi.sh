#!/usr/bin/env bash
# Runs a Pulumi command on a stack with the platform's policy pack:
#   .github/scripts/pulumi.sh preview|up <stack>
# The state backend and the secrets provider of new stacks come from the environment
# (repository variables PULUMI_BACKEND_URL and PULUMI_SECRETS_PROVIDER); AWS credentials from the
# OIDC role the workflow assumed.
set -euo pipefail
command=$1
stack=$2
: "${PULUMI_BACKEND_URL:?set the repository variable PULUMI_BACKEND_URL (s3://<bucket>, or https://api.pulumi.com with the secret PULUMI_ACCESS_TOKEN)}"

pulumi login "$PULUMI_BACKEND_URL"
if [ -n "${PULUMI_SECRETS_PROVIDER:-}" ]; then
  pulumi stack select --create --stack "$stack" --secrets-provider "$PULUMI_SECRETS_PROVIDER"
else
  pulumi stack select --create --stack "$stack"
fi
# Mandatory policies fail the command; policy/<stack>.json relaxes some in dev.
args=(--stack "$stack" --policy-pack policy --policy-pack-config "policy/${stack}.json" --non-interactive --color never)
case "$command" in
  preview) pulumi preview "${args[@]}" --diff ;;
  up) pulumi up "${args[@]}" --yes ;;
  *) echo "usage: $0 preview|up <stack>" >&2; exit 2 ;;
esac
