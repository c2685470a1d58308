#!/bin/sh
# Publishes, for every database of the shared Aurora cluster, its number of connections and (where
# this role may connect) its size as CloudWatch metrics in Platform/DbMetrics, with the dimensions
# Stack (PLATFORM_STACK) and Database.
#
# It logs in with the app's own role from the `database` Secret (PG* variables, TLS verified
# against the RDS CAs), never the master user: pg_stat_database is readable by every role, and
# pg_database_size needs only CONNECT on the database in question.
set -eu

: "${PGHOST:?is set by the database Secret}"
: "${PLATFORM_STACK:?is set by the platform ConfigMap}"
namespace=Platform/DbMetrics # the only namespace the IAM policy allows

log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# One query builds the whole --metric-data JSON, so no value passes through shell parsing.
metric_data=$(psql --no-psqlrc --quiet --tuples-only --no-align \
    --set ON_ERROR_STOP=1 --set stack="$PLATFORM_STACK" <<'SQL'
WITH stats AS (
    SELECT d.datname,
           s.numbackends AS connections,
           CASE WHEN has_database_privilege(d.oid, 'CONNECT')
                THEN pg_database_size(d.oid) END AS size_bytes
      FROM pg_database d
      JOIN pg_stat_database s ON s.datid = d.oid
     WHERE NOT d.datistemplate
       AND d.datname <> 'rdsadmin' -- RDS's own database: not ours to watch
), metrics AS (
    SELECT datname, 'Connections' AS name, connections::float8 AS value, 'Count' AS unit FROM stats
    UNION ALL
    SELECT datname, 'DatabaseSize', size_bytes::float8, 'Bytes' FROM stats WHERE size_bytes IS NOT NULL
)
SELECT coalesce(json_agg(json_build_object(
           'MetricName', name,
           'Value', value,
           'Unit', unit,
           'Dimensions', json_build_array(
               json_build_object('Name', 'Stack', 'Value', :'stack'),
               json_build_object('Name', 'Database', 'Value', datname))
       ) ORDER BY datname, name), '[]')
  FROM metrics;
SQL
)

if [ "$metric_data" = "[]" ]; then
    log "no database visible to ${PGUSER-this role}: nothing to publish"
    exit 1
fi

# At most 1000 values per call: two per database, far more databases than the cluster will hold.
aws cloudwatch put-metric-data --namespace "$namespace" --metric-data "$metric_data"
log "published $(printf '%s' "$metric_data" | grep -o '"MetricName"' | wc -l) values to $namespace"
