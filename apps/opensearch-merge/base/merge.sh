#!/bin/sh
# Force-merges yesterday's daily index (INDEX_PREFIX + date) down to MAX_NUM_SEGMENTS segments per
# shard on the domain at OPENSEARCH_ENDPOINT. A merged index searches faster and takes less disk;
# it must no longer receive writes, which is why only yesterday's index is touched.
#
# Requests are signed with SigV4 by curl, with the credentials of the app's IRSA role. Any failure
# (no credentials, index missing, HTTP error, failed shards) ends the script non-zero, so the Job
# fails and shows up as failed in Argo CD and in `kubectl get jobs`.
set -eu

: "${AWS_REGION:?is set by the platform ConfigMap}"
: "${OPENSEARCH_ENDPOINT:?is set by the platform ConfigMap (app setting)}"
: "${INDEX_PREFIX:?must be set, e.g. logs-}"
date_format=${INDEX_DATE_FORMAT:-%Y.%m.%d}
max_segments=${MAX_NUM_SEGMENTS:-1}
poll_seconds=${POLL_SECONDS:-30}

host=${OPENSEARCH_ENDPOINT#https://}
host=${host%/}
endpoint=https://$host

# Daily indices are named after the UTC day (the Fluent Bit and Logstash default). `yesterday` in
# UTC is the latest day that is complete, whatever the hour the CronJob runs in Asia/Tokyo.
index=${INDEX_PREFIX}$(date -u -d yesterday +"$date_format")

log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# os METHOD PATH: one signed request. Prints the response body; on failure prints it to stderr
# instead (OpenSearch explains its errors there) and returns non-zero.
# A subshell, so the exported keys never outlive the request. Fetched for every request because an
# IRSA session lasts an hour and a large merge can take longer.
os() (
    method=$1
    path=$2
    creds=$(aws configure export-credentials --format env) || exit 1
    eval "$creds"
    if [ "$method" = HEAD ]; then set -- --head; else set -- --request "$method"; fi
    # The keys reach curl on stdin, not on its command line (which /proc shows to the pod).
    if body=$(printf 'user = "%s:%s"\nheader = "x-amz-security-token: %s"\n' \
        "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" |
        curl --config - --silent --show-error --fail-with-body \
            --connect-timeout 10 --max-time 120 --retry 3 \
            --aws-sigv4 "aws:amz:${AWS_REGION}:es" \
            "$@" "$endpoint$path"); then
        printf '%s\n' "$body"
    else
        rc=$?
        printf '%s\n' "$body" >&2
        exit "$rc"
    fi
)

log "checking $index on $host"
if ! os HEAD "/$index" >/dev/null; then
    log "index $index is missing or could not be checked (error above): nothing merged"
    exit 1
fi

# Asynchronous: a big merge runs far longer than one HTTP request should stay open (and a dropped
# request would leave the merge running unseen), so start it as a task and poll the task.
log "force-merging $index to $max_segments segment(s) per shard"
started=$(os POST "/$index/_forcemerge?max_num_segments=$max_segments&wait_for_completion=false")
task=$(printf '%s' "$started" | jq -er '.task')
log "task $task started"

while :; do
    sleep "$poll_seconds"
    status=$(os GET "/_tasks/$task")
    [ "$(printf '%s' "$status" | jq -r '.completed')" = true ] && break
    log "task $task still running"
done

if ! printf '%s' "$status" | jq -e '.error == null and (.response._shards.failed // 0) == 0' >/dev/null; then
    log "force merge of $index failed: $(printf '%s' "$status" | jq -c '.error // .response')"
    exit 1
fi

stats=$(os GET "/$index/_stats/segments")
segments=$(printf '%s' "$stats" | jq -r --arg i "$index" '.indices[$i].primaries.segments.count')
log "done: $index has $segments segment(s) across its primary shards"
