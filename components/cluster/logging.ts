/**
 * Fargate logging: Fargate runs Fluent Bit for every pod and reads its configuration from the
 * ConfigMap `aws-logging` in the namespace `aws-observability`.
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-logging.html
 * The log group names are composed in components/naming.ts.
 */

export const FARGATE_LOGGING_CONFIGMAP = "aws-logging";

/**
 * Days a protected stack keeps its control-plane log group (API server, audit, authenticator): a
 * year of who did what in the cluster. The loader refuses less on a protected stack, and the policy
 * pack's `audit-log-retention` (policy/policies.ts) enforces the same number in prd.
 */
export const AUDIT_LOG_MIN_RETENTION_DAYS = 365;

/** Fargate rejects an aws-logging ConfigMap whose data exceeds 5300 characters. */
export const FARGATE_LOGGING_MAX_CHARS = 5300;

/**
 * Data of the aws-logging ConfigMap: Kubernetes metadata on every record, shipped to one log group
 * that the program owns (auto_create_group off), one stream per pod and container.
 */
export function fargateLoggingData(region: string, logGroupName: string): Record<string, string> {
    return {
        // Fargate's own Fluent Bit process logs would go to a group it creates; keep them off.
        flb_log_cw: "false",
        "filters.conf": [
            "[FILTER]",
            "    Name parser",
            "    Match *",
            "    Key_name log",
            "    Parser crio",
            "[FILTER]",
            "    Name kubernetes",
            "    Match kube.*",
            "    Merge_Log On",
            "    Keep_Log Off",
            "    Buffer_Size 0",
            "    Kube_Meta_Cache_TTL 300s",
            "",
        ].join("\n"),
        "output.conf": [
            "[OUTPUT]",
            "    Name cloudwatch_logs",
            "    Match kube.*",
            `    region ${region}`,
            `    log_group_name ${logGroupName}`,
            "    log_stream_prefix fargate-", // the stream name then ends with the tag: pod, namespace and container
            "    auto_create_group false",
            "",
        ].join("\n"),
        "parsers.conf": [
            "[PARSER]",
            "    Name crio",
            "    Format Regex",
            "    Regex ^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>P|F) (?<log>.*)$",
            "    Time_Key time",
            "    Time_Format %Y-%m-%dT%H:%M:%S.%L%z",
            "",
        ].join("\n"),
    };
}
