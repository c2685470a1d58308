/**
 * Offline admission: what the cluster would refuse when Argo CD (or Pulumi) applies an object,
 * checked before anything reaches it. Three sources, one place per rule:
 *
 * - the Pod Security Standards' `restricted` profile (which includes `baseline`), as the app
 *   namespaces enforce it: https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * - what EKS Fargate cannot run ("AWS Fargate considerations"):
 *   https://docs.aws.amazon.com/eks/latest/userguide/fargate.html#fargate-considerations
 * - what the API server's validation refuses at apply time (names, selectors, schedules, ports):
 *   https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 *
 * Plain data in, refusals out. Each refusal names the object (`Kind/name`), the field path from the
 * object's root (`spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation`) and
 * what is expected there.
 */
import { NAME_RULES, NameRule, nameViolation } from "../naming";
import type { Manifest } from "./checks";

/** One thing the cluster would refuse. */
export interface Refusal {
    /** The object, `Kind/name`. */
    readonly object: string;
    /** Path of the field from the object's root, e.g. `spec.template.spec.hostNetwork`. */
    readonly field: string;
    /** What is wrong with the value, and what is expected. */
    readonly message: string;
}

/** A refusal as one line: `<where>: <Kind>/<name>: <field>: <message>`. */
export function formatRefusal(where: string, r: Refusal): string {
    return `${where}: ${r.object}: ${r.field}: ${r.message}`;
}

// ---------------------------------------------------------------------------------------------
// Pod templates
// ---------------------------------------------------------------------------------------------

/** Where a kind keeps its pod template: the path of the template's metadata and of its PodSpec. */
const TEMPLATE_PATHS: Record<string, { metadata: string; spec: string } | undefined> = {
    Pod: { metadata: "metadata", spec: "spec" },
    Deployment: { metadata: "spec.template.metadata", spec: "spec.template.spec" },
    ReplicaSet: { metadata: "spec.template.metadata", spec: "spec.template.spec" },
    StatefulSet: { metadata: "spec.template.metadata", spec: "spec.template.spec" },
    DaemonSet: { metadata: "spec.template.metadata", spec: "spec.template.spec" },
    Job: { metadata: "spec.template.metadata", spec: "spec.template.spec" },
    CronJob: { metadata: "spec.jobTemplate.spec.template.metadata", spec: "spec.jobTemplate.spec.template.spec" },
};

/** The value at a dotted path (`spec.template.spec`), or undefined. */
function at(object: any, path: string): any {
    return path.split(".").reduce((value, key) => (value === undefined || value === null ? undefined : value[key]), object);
}

/** A workload's pod template: its PodSpec and metadata, with the paths they have in the object. */
export interface PodTemplate {
    /** The PodSpec. */
    readonly spec: any;
    /** Its path from the object's root, e.g. `spec.template.spec`. */
    readonly specPath: string;
    /** The template's metadata (a Pod's own metadata), `{}` when absent. */
    readonly metadata: any;
    /** Its path from the object's root, e.g. `spec.template.metadata`. */
    readonly metadataPath: string;
}

/**
 * The pod template of a workload (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob).
 *
 * @param m The object.
 * @returns undefined for other kinds, and for a workload without a PodSpec.
 */
export function podTemplate(m: Manifest): PodTemplate | undefined {
    const paths = TEMPLATE_PATHS[m.kind];
    const spec = paths && at(m, paths.spec);
    if (!paths || spec === undefined || spec === null) return undefined;
    return { spec, specPath: paths.spec, metadata: at(m, paths.metadata) ?? {}, metadataPath: paths.metadata };
}

/**
 * The PodSpec of a workload, or undefined for other kinds.
 *
 * @param m The object.
 */
export function podSpec(m: Manifest): any | undefined {
    return podTemplate(m)?.spec;
}

/** The three lists of containers a PodSpec holds; each is checked alike. */
export const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

/** Every container of a PodSpec with its list and index. */
function containersOf(pod: any): { list: string; index: number; c: any }[] {
    return CONTAINER_LISTS.flatMap((list) => (Array.isArray(pod[list]) ? pod[list] : []).map((c: any, index: number) => ({ list, index, c: c ?? {} })));
}

// ---------------------------------------------------------------------------------------------
// Names the API server accepts
// ---------------------------------------------------------------------------------------------

/**
 * RFC 1035 label: a DNS label that starts with a letter. Service names (their name becomes a DNS
 * name in the cluster). https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names
 */
export const DNS_1035_LABEL: NameRule = {
    min: 1,
    max: 63,
    pattern: /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/,
    says: "an RFC 1035 label: 1-63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
};

/**
 * CronJob names: a DNS subdomain of at most 52 characters, because the CronJob controller appends
 * 11 characters to name each Job. https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec
 */
export const CRONJOB_NAME: NameRule = {
    min: 1,
    max: 52,
    pattern: NAME_RULES.dnsSubdomain.pattern,
    says: "a DNS subdomain of at most 52 characters (the CronJob controller appends 11 to name its Jobs)",
};

/**
 * Role and binding names are path segments: anything but `.`, `..`, `/` and `%`.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#path-segment-names
 */
export const PATH_SEGMENT_NAME: NameRule = {
    min: 1,
    max: 253,
    pattern: /^(?!\.\.?$)[^/%]+$/,
    says: "a path segment: not '.' or '..', and without '/' or '%'",
};

/**
 * Port names: an IANA service name, at most 15 lower-case letters, digits and single hyphens,
 * with at least one letter, not starting or ending with a hyphen.
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports (ContainerPort.name)
 * https://www.rfc-editor.org/rfc/rfc6335#section-5.1
 */
export const IANA_SVC_NAME: NameRule = {
    min: 1,
    max: 15,
    pattern: /^(?=.*[a-z])(?!-)(?!.*--)[-a-z0-9]*[a-z0-9]$/,
    says: "an IANA service name: 1-15 lower-case letters, digits and '-', with a letter, no '--', not starting or ending with '-'",
};

/**
 * The rule the API server applies to an object's `metadata.name`, by kind: a DNS subdomain unless
 * the kind says otherwise (Namespace and StatefulSet: a DNS label, because the name becomes a
 * label value or host name; Service: an RFC 1035 label; CronJob: 52 characters; Job: 63, the
 * `job-name` label its pods get; RBAC: path segments).
 *
 * @param kind The object's kind.
 */
export function objectNameRule(kind: string): NameRule {
    switch (kind) {
        case "Namespace":
        case "StatefulSet":
            return NAME_RULES.dnsLabel;
        case "Service":
            return DNS_1035_LABEL;
        case "CronJob":
            return CRONJOB_NAME;
        case "Job":
            return NAME_RULES.jobName;
        case "Role":
        case "RoleBinding":
        case "ClusterRole":
        case "ClusterRoleBinding":
            return PATH_SEGMENT_NAME;
        default:
            return NAME_RULES.dnsSubdomain;
    }
}

/** Why a name breaks the rule (`"<value>" must be <rule>`, or that it is missing), else undefined. */
function nameRefusal(rule: NameRule, name: unknown): string | undefined {
    if (name === undefined || name === null || name === "") return `is required: ${rule.says}`;
    if (typeof name !== "string") return `${JSON.stringify(name)} must be ${rule.says}`;
    return nameViolation(rule, name) ? `${JSON.stringify(name)} must be ${rule.says}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// CronJob schedules and time zones
// ---------------------------------------------------------------------------------------------

/**
 * The macros a CronJob schedule may be instead of five fields.
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 */
export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** The five fields of a standard cron schedule: bounds and the names each takes. */
const CRON_FIELDS: readonly { what: string; min: number; max: number; names?: readonly string[] }[] = [
    { what: "minute", min: 0, max: 59 },
    { what: "hour", min: 0, max: 23 },
    { what: "day of month", min: 1, max: 31 },
    { what: "month", min: 1, max: 12, names: MONTHS },
    { what: "day of week", min: 0, max: 6, names: WEEKDAYS },
];

/** A Go duration (`time.ParseDuration`): `@every 1h30m`. */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$/;

/** One field of a schedule: why it does not parse, or undefined. */
function cronFieldProblem(field: string, f: (typeof CRON_FIELDS)[number]): string | undefined {
    const value = (s: string): number | undefined => {
        const named = f.names?.indexOf(s.toLowerCase()) ?? -1;
        if (named >= 0) return f.min + named;
        return /^\d+$/.test(s) ? Number(s) : undefined;
    };
    for (const part of field.split(",")) {
        const [range, step, ...extra] = part.split("/");
        if (extra.length > 0) return `${f.what} ${JSON.stringify(part)} has more than one '/'`;
        let start: number | undefined;
        let end: number | undefined;
        if (range === "*" || range === "?") {
            start = f.min;
            end = f.max;
        } else {
            const bounds = range.split("-");
            if (bounds.length > 2) return `${f.what} ${JSON.stringify(part)} has more than one '-'`;
            start = value(bounds[0]);
            // `5/15` runs from 5 to the end of the field, every 15.
            end = bounds.length === 2 ? value(bounds[1]) : step !== undefined ? f.max : start;
            if (start === undefined || end === undefined) {
                return `${f.what} ${JSON.stringify(part)} is not a number${f.names ? ` or a name (${f.names.join(", ")})` : ""}`;
            }
        }
        if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return `${f.what} step ${JSON.stringify(step)} must be a positive number`;
        if (start < f.min || end > f.max) return `${f.what} ${JSON.stringify(part)} is outside ${f.min}-${f.max}`;
        if (start > end) return `${f.what} range ${JSON.stringify(part)} starts after it ends`;
    }
    return undefined;
}

/**
 * Why a CronJob `schedule` does not parse, as the API server's validation (the standard cron parser
 * of robfig/cron) sees it; undefined when it does. Five fields (minute hour day-of-month month
 * day-of-week) with `*`, `?`, ranges, steps, lists, month and weekday names, or a macro. `TZ=` and
 * `CRON_TZ=` in the schedule are refused since Kubernetes 1.25: `spec.timeZone` says it.
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#unsupported-timezone-specification
 *
 * @param schedule The schedule.
 */
export function cronScheduleProblem(schedule: unknown): string | undefined {
    if (typeof schedule !== "string" || schedule.trim() === "") return "is required: five cron fields (minute hour day-of-month month day-of-week) or a macro such as @daily";
    if (schedule.includes("TZ")) return "may not name a time zone (TZ= or CRON_TZ=): set spec.timeZone instead";
    const text = schedule.trim();
    if (text.startsWith("@")) {
        if ((CRON_MACROS as readonly string[]).includes(text)) return undefined;
        if (text.startsWith("@every ") && GO_DURATION.test(text.slice("@every ".length).trim())) return undefined;
        return `macro ${JSON.stringify(text)} is not one of ${CRON_MACROS.join(", ")}`;
    }
    const fields = text.split(/\s+/);
    if (fields.length !== CRON_FIELDS.length) {
        return `has ${fields.length} field${fields.length === 1 ? "" : "s"}; expected 5 (minute hour day-of-month month day-of-week) or a macro such as @daily`;
    }
    for (const [i, field] of fields.entries()) {
        const problem = cronFieldProblem(field, CRON_FIELDS[i]);
        if (problem) return problem;
    }
    return undefined;
}

/** The IANA time zones of this Node.js (its ICU data), plus the UTC names Go knows too. */
let zones: Set<string> | undefined;
function timeZones(): Set<string> {
    zones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"]);
    return zones;
}

/**
 * Whether a CronJob `timeZone` is an IANA time zone name, as the API server requires (it loads the
 * name from the tz database; `Local` and offsets are refused). Node's list holds canonical names;
 * an alias (`Asia/Kolkata`, `US/Eastern`) counts when ICU resolves it to one of them.
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
 *
 * @param name The time zone.
 */
export function isTimeZone(name: unknown): boolean {
    if (typeof name !== "string" || name === "") return false;
    if (timeZones().has(name)) return true;
    try {
        const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
        // Only an alias, not the same name in other letter case: the tz database is case-sensitive.
        return timeZones().has(resolved) && resolved.toLowerCase() !== name.toLowerCase();
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/**
 * Checks a label selector against a pod template's labels.
 *
 * @param selector The `{matchLabels, matchExpressions}` selector.
 * @param labels The template's labels.
 * @param path Path of the selector, for the refusals.
 * @returns The problems (field, message) of a malformed selector, then, if it is well formed,
 *          whether it selects the labels.
 */
function selectorCheck(selector: any, labels: Record<string, string>, path: string): { problems: [string, string][]; matches: boolean } {
    const problems: [string, string][] = [];
    let matches = true;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[key] !== value) matches = false;
    }
    for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
        const field = `${path}.matchExpressions[${i}]`;
        const values: unknown[] = e?.values ?? [];
        if (!SELECTOR_OPERATORS.includes(e?.operator)) {
            problems.push([`${field}.operator`, `${JSON.stringify(e?.operator ?? null)} must be one of ${SELECTOR_OPERATORS.join(", ")}`]);
            continue;
        }
        const needsValues = e.operator === "In" || e.operator === "NotIn";
        if (needsValues && values.length === 0) problems.push([`${field}.values`, `must not be empty with operator ${e.operator}`]);
        if (!needsValues && values.length > 0) problems.push([`${field}.values`, `must be empty with operator ${e.operator}`]);
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const ok = { In: has && values.includes(labels[e.key]), NotIn: !has || !values.includes(labels[e.key]), Exists: has, DoesNotExist: !has }[e.operator as string];
        if (!ok) matches = false;
    }
    return { problems, matches };
}

/** Refusals of a workload's selector: missing where required, empty, malformed, or not selecting its own pods. */
function selectorRefusals(m: Manifest, template: PodTemplate, refuse: (field: string, message: string) => void): void {
    if (m.kind === "Pod") return;
    const jobSpec = m.kind === "CronJob" ? "spec.jobTemplate.spec" : m.kind === "Job" ? "spec" : undefined;
    const path = `${jobSpec ?? "spec"}.selector`;
    const selector = at(m, path);
    const labelsPath = `${template.metadataPath}.labels`;
    if (jobSpec !== undefined) {
        if (selector === undefined || selector === null) return;
        // The Job controller generates the selector (and the label it selects) unless told otherwise.
        // https://kubernetes.io/docs/concepts/workloads/controllers/job/#specifying-your-own-pod-selector
        if (at(m, `${jobSpec}.manualSelector`) !== true) {
            refuse(path, "is generated by the Job controller: leave it out, or set manualSelector: true beside it");
            return;
        }
    } else if (selector === undefined || selector === null) {
        refuse(path, `is required (apps/v1): matchLabels naming labels of the pod template (${labelsPath})`);
        return;
    }
    if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
        refuse(path, `is empty, which the API server refuses for a workload; name labels of the pod template (${labelsPath}) in matchLabels`);
        return;
    }
    const labels: Record<string, string> = template.metadata.labels ?? {};
    const { problems, matches } = selectorCheck(selector, labels, path);
    for (const [field, message] of problems) refuse(field, message);
    if (problems.length === 0 && !matches) {
        refuse(path, `does not select the pod template's labels (${labelsPath}: ${JSON.stringify(labels)}); the API server refuses a workload whose selector misses its own pods`);
    }
}

// ---------------------------------------------------------------------------------------------
// Pod Security Standards and Fargate
// ---------------------------------------------------------------------------------------------

/**
 * Capabilities `baseline` lets a container add (the container runtime's defaults); `restricted`
 * allows only {@link RESTRICTED_ADD_CAPABILITIES}.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const BASELINE_ADD_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/** The one capability `restricted` lets a container add. https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted */
export const RESTRICTED_ADD_CAPABILITIES = ["NET_BIND_SERVICE"] as const;

/**
 * Volume types `restricted` allows: those that cannot reach the node (a claim names its own
 * storage). https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"] as const;

/**
 * Sysctls `baseline` allows: namespaced and isolated from other pods (the list of Kubernetes 1.32
 * and later). https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
] as const;

/** SELinux types `baseline` allows (user and role may not be set). https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline */
export const SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"] as const;

/** Seccomp and AppArmor profile types the profiles allow (`Unconfined` is refused). */
export const CONFINED_PROFILE_TYPES = ["RuntimeDefault", "Localhost"] as const;

/** The legacy AppArmor annotation of a pod template, per container. */
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** Fargate has no GPUs: a pod asking for one never schedules. https://docs.aws.amazon.com/eks/latest/userguide/fargate.html#fargate-considerations */
const GPU_RESOURCES = /^(nvidia\.com|amd\.com|aws\.amazon\.com)\/(gpu|neuron.*)$/;

const BASELINE = "Pod Security baseline";
const RESTRICTED = "Pod Security restricted";

/** The pod-level refusals of a PodSpec: host namespaces, volumes, sysctls, pod security context. */
function podRefusals(t: PodTemplate, refuse: (field: string, message: string) => void): void {
    const { spec: pod, specPath: p } = t;
    // Host namespaces: baseline; Fargate gives no pod the host's network (each pod its own ENI).
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (pod[field]) refuse(`${p}.${field}`, `must be unset or false (${BASELINE}${field === "hostNetwork" ? "; Fargate pods cannot use the host network" : ""})`);
    }
    for (const [i, v] of (Array.isArray(pod.volumes) ? pod.volumes : []).entries()) {
        for (const type of Object.keys(v ?? {}).filter((k) => k !== "name")) {
            if (type === "hostPath") {
                refuse(`${p}.volumes[${i}].hostPath`, `volume ${v.name}: hostPath volumes are refused (${BASELINE}; a Fargate pod has no host to mount): use an emptyDir or the platform's claim`);
            } else if (!(RESTRICTED_VOLUME_TYPES as readonly string[]).includes(type)) {
                refuse(`${p}.volumes[${i}].${type}`, `volume ${v.name}: type ${type} is refused (${RESTRICTED}); allowed: ${RESTRICTED_VOLUME_TYPES.join(", ")}`);
            }
        }
    }
    const sc = pod.securityContext ?? {};
    const sp = `${p}.securityContext`;
    for (const [i, s] of (Array.isArray(sc.sysctls) ? sc.sysctls : []).entries()) {
        if (!(SAFE_SYSCTLS as readonly string[]).includes(s?.name)) refuse(`${sp}.sysctls[${i}].name`, `${JSON.stringify(s?.name ?? null)} is not a safe sysctl (${BASELINE}); allowed: ${SAFE_SYSCTLS.join(", ")}`);
    }
    securityContextRefusals(sc, sp, refuse);
    if (sc.runAsNonRoot === false) refuse(`${sp}.runAsNonRoot`, `must be true (${RESTRICTED}), not false`);
    if (sc.seccompProfile?.type !== undefined && !(CONFINED_PROFILE_TYPES as readonly string[]).includes(sc.seccompProfile.type)) {
        refuse(`${sp}.seccompProfile.type`, `${JSON.stringify(sc.seccompProfile.type)} must be RuntimeDefault or Localhost (${RESTRICTED})`);
    }
    for (const [key, value] of Object.entries(t.metadata.annotations ?? {})) {
        if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !String(value).startsWith("localhost/")) {
            refuse(`${t.metadataPath}.annotations[${key}]`, `${JSON.stringify(value)} must be runtime/default or localhost/<profile> (${BASELINE})`);
        }
    }
}

/** Rules shared by the pod's and each container's security context (both may set these fields). */
function securityContextRefusals(sc: any, path: string, refuse: (field: string, message: string) => void): void {
    if (sc.windowsOptions?.hostProcess === true) refuse(`${path}.windowsOptions.hostProcess`, `must be unset or false (${BASELINE})`);
    const se = sc.seLinuxOptions ?? {};
    if (se.type !== undefined && se.type !== "" && !(SELINUX_TYPES as readonly string[]).includes(se.type)) {
        refuse(`${path}.seLinuxOptions.type`, `${JSON.stringify(se.type)} must be unset or one of ${SELINUX_TYPES.join(", ")} (${BASELINE})`);
    }
    for (const field of ["user", "role"]) {
        if (se[field] !== undefined && se[field] !== "") refuse(`${path}.seLinuxOptions.${field}`, `must be unset (${BASELINE})`);
    }
    if (sc.appArmorProfile?.type !== undefined && !(CONFINED_PROFILE_TYPES as readonly string[]).includes(sc.appArmorProfile.type)) {
        refuse(`${path}.appArmorProfile.type`, `${JSON.stringify(sc.appArmorProfile.type)} must be RuntimeDefault or Localhost (${BASELINE})`);
    }
    if (sc.runAsUser === 0) refuse(`${path}.runAsUser`, `must not be 0, root (${RESTRICTED}); use the image's non-root uid`);
}

/** Number or name of a port, as probes give it. */
type PortRef = number | string;

/** The refusals of one container: security context, ports, probes, resources. */
function containerRefusals(pod: any, podPath: string, list: string, index: number, c: any, refuse: (field: string, message: string) => void): void {
    const cp = `${podPath}.${list}[${index}]`;
    const name = c.name;
    const nameProblem = nameRefusal(NAME_RULES.dnsLabel, name);
    if (nameProblem) refuse(`${cp}.name`, nameProblem);

    const sc = c.securityContext ?? {};
    const sp = `${cp}.securityContext`;
    const podSc = pod.securityContext ?? {};
    // Fargate: "Privileged containers aren't supported on Fargate"; baseline refuses them anyway.
    if (sc.privileged === true) refuse(`${sp}.privileged`, `must be unset or false (${BASELINE}; Fargate runs no privileged containers)`);
    if (sc.allowPrivilegeEscalation !== false) refuse(`${sp}.allowPrivilegeEscalation`, `must be false (${RESTRICTED}), got ${JSON.stringify(sc.allowPrivilegeEscalation ?? null)}`);
    if (sc.runAsNonRoot === false) refuse(`${sp}.runAsNonRoot`, `must be true (${RESTRICTED}), not false`);
    else if (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true) {
        refuse(`${sp}.runAsNonRoot`, `must be true (${RESTRICTED}): set it here or in the pod's securityContext (${podPath}.securityContext.runAsNonRoot)`);
    }
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && !(CONFINED_PROFILE_TYPES as readonly string[]).includes(seccomp)) {
        refuse(`${sp}.seccompProfile.type`, `${JSON.stringify(seccomp)} must be RuntimeDefault or Localhost (${RESTRICTED})`);
    } else if (seccomp === undefined && !(CONFINED_PROFILE_TYPES as readonly string[]).includes(podSc.seccompProfile?.type)) {
        refuse(`${sp}.seccompProfile.type`, `must be RuntimeDefault or Localhost (${RESTRICTED}): set it here or in the pod's securityContext (${podPath}.securityContext.seccompProfile.type)`);
    }
    const drop: unknown[] = sc.capabilities?.drop ?? [];
    if (!drop.includes("ALL")) refuse(`${sp}.capabilities.drop`, `must include ALL (${RESTRICTED}), got ${JSON.stringify(drop)}`);
    for (const [i, cap] of (sc.capabilities?.add ?? []).entries()) {
        if ((RESTRICTED_ADD_CAPABILITIES as readonly string[]).includes(cap)) continue;
        const baseline = (BASELINE_ADD_CAPABILITIES as readonly string[]).includes(cap);
        refuse(
            `${sp}.capabilities.add[${i}]`,
            `${JSON.stringify(cap)} may not be added (${RESTRICTED} allows only ${RESTRICTED_ADD_CAPABILITIES.join(", ")}${baseline ? "" : `; not even ${BASELINE} allows it`})`,
        );
    }
    if (sc.procMount !== undefined && sc.procMount !== "Default") refuse(`${sp}.procMount`, `${JSON.stringify(sc.procMount)} must be unset or Default (${BASELINE})`);
    securityContextRefusals(sc, sp, refuse);

    const declared = new Set<PortRef>();
    for (const [i, port] of (Array.isArray(c.ports) ? c.ports : []).entries()) {
        const pp = `${cp}.ports[${i}]`;
        if (!isPortNumber(port?.containerPort)) refuse(`${pp}.containerPort`, `${JSON.stringify(port?.containerPort ?? null)} must be a port number, 1-65535`);
        else declared.add(port.containerPort);
        // Fargate: "Pods running on Fargate can't specify HostPort or HostNetwork"; baseline too.
        if (port?.hostPort !== undefined && port.hostPort !== 0) refuse(`${pp}.hostPort`, `must be unset (${BASELINE}; Fargate pods cannot use host ports)`);
        if (port?.name !== undefined) {
            const problem = nameRefusal(IANA_SVC_NAME, port.name);
            if (problem) refuse(`${pp}.name`, problem);
            else declared.add(port.name);
        }
    }
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const pr = c[probe];
        if (!pr) continue;
        for (const action of ["httpGet", "tcpSocket", "grpc"]) {
            if (!pr[action]) continue;
            const field = `${cp}.${probe}.${action}.port`;
            const port: PortRef | undefined = pr[action].port;
            // gRPC probes take a number only; HTTP and TCP probes a number or a port's name.
            const wellFormed = isPortNumber(port) || (action !== "grpc" && typeof port === "string" && port !== "");
            if (!wellFormed) {
                refuse(field, `${JSON.stringify(port ?? null)} must be ${action === "grpc" ? "a port number" : "a port number or name"} of the container (1-65535)`);
            } else if (!declared.has(port)) {
                refuse(field, `${JSON.stringify(port)} is not a port the container declares (${cp}.ports: ${[...declared].map((d) => JSON.stringify(d)).join(", ") || "none"})`);
            }
            if (action !== "grpc" && pr[action].host) refuse(`${cp}.${probe}.${action}.host`, `must be unset (${BASELINE}): a probe checks its own pod`);
        }
    }
    for (const hook of ["postStart", "preStop"]) {
        for (const action of ["httpGet", "tcpSocket"]) {
            if (c.lifecycle?.[hook]?.[action]?.host) refuse(`${cp}.lifecycle.${hook}.${action}.host`, `must be unset (${BASELINE}): a lifecycle hook calls its own pod`);
        }
    }
    for (const kind of ["requests", "limits"]) {
        for (const resource of Object.keys(c.resources?.[kind] ?? {})) {
            if (GPU_RESOURCES.test(resource)) refuse(`${cp}.resources.${kind}.${resource}`, "Fargate has no GPUs or accelerators; such a pod would never be scheduled");
        }
    }
}

function isPortNumber(port: unknown): port is number {
    return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

// ---------------------------------------------------------------------------------------------
// Everything together
// ---------------------------------------------------------------------------------------------

/**
 * Every refusal of one object: its name; for a workload its selector and pod template (Pod Security
 * `restricted`, Fargate, container names and ports, probes); for a CronJob its schedule and time
 * zone; a DaemonSet at all (Fargate runs none).
 *
 * @param m The object, as Kustomize renders it or as Pulumi registers it.
 */
export function admissionRefusals(m: Manifest): Refusal[] {
    const object = `${m.kind}/${m.metadata?.name}`;
    const refusals: Refusal[] = [];
    const refuse = (field: string, message: string) => refusals.push({ object, field, message });

    const nameProblem = nameRefusal(objectNameRule(m.kind), m.metadata?.name);
    if (nameProblem) refuse("metadata.name", nameProblem);
    if (m.kind === "DaemonSet") {
        refuse("kind", "Fargate runs no DaemonSets (a pod per node, and every Fargate pod is its own node): run the process as a sidecar container");
    }
    if (m.kind === "CronJob") {
        const problem = cronScheduleProblem(m.spec?.schedule);
        if (problem) refuse("spec.schedule", `${JSON.stringify(m.spec?.schedule ?? null)} ${problem}`);
        if (m.spec?.timeZone !== undefined && !isTimeZone(m.spec.timeZone)) {
            refuse("spec.timeZone", `${JSON.stringify(m.spec.timeZone)} is not an IANA time zone name (such as Asia/Tokyo or Etc/UTC)`);
        }
    }

    const template = podTemplate(m);
    if (!template) return refusals;
    selectorRefusals(m, template, refuse);
    podRefusals(template, refuse);
    const seen = new Map<string, string>();
    for (const { list, index, c } of containersOf(template.spec)) {
        const field = `${template.specPath}.${list}[${index}]`;
        if (typeof c.name === "string" && seen.has(c.name)) refuse(`${field}.name`, `${JSON.stringify(c.name)} is already the name of ${seen.get(c.name)}; container names must be unique across containers, initContainers and ephemeralContainers`);
        else if (typeof c.name === "string") seen.set(c.name, field);
        containerRefusals(template.spec, template.specPath, list, index, c, refuse);
    }
    return refusals;
}

/**
 * Every refusal of a set of objects, one line each: `<where>: <Kind>/<name>: <field>: <message>`.
 *
 * @param manifests The objects (an app's rendered overlay, or the platform's own Jobs).
 * @param where Prefix of every line, e.g. `apps/chat/overlays/dev` or `plan dev`.
 */
export function admissionProblems(manifests: readonly Manifest[], where: string): string[] {
    return manifests.flatMap((m) => admissionRefusals(m).map((r) => formatRefusal(where, r)));
}
