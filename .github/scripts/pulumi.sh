#!/usr/bin/env bash
# Runs a Pulumi command on a stack:
#   .github/scripts/pulumi.sh preview|up|destroy <stack>
# preview and up run with the platform's policy pack. The state backend and the secrets provider
# come from the environment (the stack's repository variables PULUMI_BACKEND_URL_<STACK> and
# PULUMI_SECRETS_PROVIDER_<STACK>, through scripts/ci-stacks.ts); AWS credentials from the OIDC role
# the workflow assumed.
set -euo pipefail
command=${1:-}
stack=${2:-}
case "$command" in
  preview | up | destroy) ;;
  *) echo "usage: $0 preview|up|destroy <stack>" >&2; exit 2 ;;
esac
[ -n "$stack" ] || { echo "usage: $0 preview|up|destroy <stack>" >&2; exit 2; }
suffix=$(printf '%s' "$stack" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9' '_')
: "${PULUMI_BACKEND_URL:?set the repository variable PULUMI_BACKEND_URL_${suffix} (s3://<bucket>, or https://api.pulumi.com with the secret PULUMI_ACCESS_TOKEN): pulumi stack output ciVariables --stack ${stack}}"

pulumi login "$PULUMI_BACKEND_URL"
if [ "$command" = up ]; then
  # Only a deploy creates a stack, with the stack's secrets provider (none: a passphrase, or Pulumi
  # Cloud's own): https://www.pulumi.com/docs/iac/concepts/secrets/#configuring-secrets-encryption
  if [ -n "${PULUMI_SECRETS_PROVIDER:-}" ]; then
    pulumi stack select --create --stack "$stack" --secrets-provider "$PULUMI_SECRETS_PROVIDER"
  else
    pulumi stack select --create --stack "$stack"
  fi
else
  # A preview runs with the read-only preview role, which cannot write the state backend; a destroy
  # of a stack that does not exist has nothing to do. Neither creates one.
  if ! pulumi stack select --stack "$stack"; then
    echo "::error::the stack $stack is not in $PULUMI_BACKEND_URL (or it cannot be read). A new stack is bootstrapped once, by hand, with the account's administrator credentials: pulumi login $PULUMI_BACKEND_URL && pulumi up --stack $stack (README, Delivery); it creates the CI roles, whose ARNs go into the repository variables (pulumi stack output ciVariables --stack $stack). Then the deploy workflow updates it." >&2
    exit 1
  fi
fi
# Mandatory policies fail the command; policy/<stack>.json relaxes some in dev.
args=(--stack "$stack" --policy-pack policy --policy-pack-config "policy/${stack}.json" --non-interactive --color never)
case "$command" in
  preview) pulumi preview "${args[@]}" --diff ;;
  up) pulumi up "${args[@]}" --yes ;;
  # The CI roles (the deploy role running this) are protected: --exclude-protected leaves them, and
  # what they depend on, in place, so the stack can be deployed again from CI. `pulumi destroy` takes
  # no policy pack: https://www.pulumi.com/docs/iac/cli/commands/pulumi_destroy/
  destroy) pulumi destroy --stack "$stack" --exclude-protected --yes --non-interactive --color never ;;
esac
