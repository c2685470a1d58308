#!/usr/bin/env bash
# Proposes the working tree's changes as a pull request to main, never by pushing to main (branch
# protection forbids it):
#   GH_TOKEN=<GitHub App installation token> [AUTO_MERGE=true] [PR_BODY=...] .github/scripts/open-pr.sh <branch> <title>
# Run in a checkout of main (actions/checkout with persist-credentials: false) whose working tree
# holds the change. Nothing changed: prints "nothing to propose". Otherwise commits everything on
# <branch>, recreated from HEAD, and force-pushes it (unless the branch already holds exactly that
# tree: a rerun pushes nothing and re-triggers no checks); opens a pull request for it unless one is
# open (the push updated it); with AUTO_MERGE=true requests auto-merge (squash).
#
# GH_TOKEN must be a GitHub App's token, not GITHUB_TOKEN: a pull request opened or pushed with
# GITHUB_TOKEN triggers no workflows, so its required checks would never run and it could never
# merge (https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#using-the-github_token-in-a-workflow).
set -euo pipefail
if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  echo "usage: $0 <branch> <title>" >&2
  exit 2
fi
branch=$1
title=$2
base=main
: "${GH_TOKEN:?GH_TOKEN: a GitHub App installation token (actions/create-github-app-token) that may push branches and open pull requests}"

if [ -z "$(git status --porcelain)" ]; then
  echo "nothing to propose"
  exit 0
fi

# git authenticates to github.com with the token (checkout persisted no credentials), passed in the
# environment rather than on a command line (https://git-scm.com/docs/git-config#ENVIRONMENT).
auth=$(printf 'x-access-token:%s' "$GH_TOKEN" | base64 | tr -d '\n')
export GIT_CONFIG_COUNT=1
export GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader"
export GIT_CONFIG_VALUE_0="AUTHORIZATION: basic ${auth}"
echo "::add-mask::${auth}"

# The commit's author when the checkout names none.
git config user.name >/dev/null || git config user.name "github-actions[bot]"
git config user.email >/dev/null || git config user.email "41898282+github-actions[bot]@users.noreply.github.com"

git checkout -q -B "$branch"
git add -A
git commit -q -m "$title"

remote=""
if git fetch -q origin "refs/heads/${branch}" 2>/dev/null; then remote=$(git rev-parse FETCH_HEAD); fi
if [ -n "$remote" ] && [ "$(git rev-parse "${remote}^{tree}")" = "$(git rev-parse "HEAD^{tree}")" ]; then
  echo "${branch} already proposes this change"
else
  git push -q --force origin "HEAD:refs/heads/${branch}"
  echo "pushed ${branch}"
fi

open=$(gh pr list --head "$branch" --base "$base" --state open --json number --jq '.[].number')
if [ -z "$open" ]; then
  gh pr create --head "$branch" --base "$base" --title "$title" --body "${PR_BODY:-Opened by ${GITHUB_WORKFLOW:-a workflow}: ${title}}"
else
  echo "pull request #${open} updated"
fi

if [ "${AUTO_MERGE:-}" = true ]; then
  # A repository without "Allow auto-merge" refuses; the pull request waits for a person instead.
  if ! gh pr merge --auto --squash "$branch"; then
    echo "::warning::auto-merge of ${branch} not enabled (allow auto-merge in the repository's settings); the pull request waits for a merge"
  fi
fi
