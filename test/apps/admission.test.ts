import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    BASELINE_ADD_CAPABILITIES,
    CRON_MACROS,
    Refusal,
    SAFE_SYSCTLS,
    SELINUX_TYPES,
    admissionProblems,
    admissionRefusals,
    cronScheduleProblem,
    isTimeZone,
    podTemplate,
} from "../../components/apps/admission";
import type { Manifest } from "../../components/apps/checks";
import { JOB_TYPE, checkPlannedApps, recordedJob } from "../../scripts/offline/apps";
import { STACKS, ofType, plan, stackApps } from "../support";

/** A container every rule accepts: named ports, probes on them, restricted security context. */
const container = (name = "web"): any => ({
    name,
    image: "demo/web:3f9c2ab",
    ports: [{ name: "http", containerPort: 8080 }],
    readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
    livenessProbe: { tcpSocket: { port: 8080 } },
    lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
});

/** A PodSpec every rule accepts: non-root and RuntimeDefault seccomp for the whole pod. */
const pod = (): any => ({
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [container()],
    volumes: [{ name: "tmp", emptyDir: {} }],
});

const labels = { app: "web", tier: "front" };

/** One object of each workload kind, each accepted as it is. */
const workloads = {
    Pod: (): any => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels }, spec: pod() }),
    Deployment: (): any => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels }, spec: pod() } },
    }),
    ReplicaSet: (): any => ({
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: "web" },
        spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels }, spec: pod() } },
    }),
    StatefulSet: (): any => ({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "web" },
        spec: { serviceName: "web", selector: { matchLabels: { app: "web" } }, template: { metadata: { labels }, spec: pod() } },
    }),
    Job: (): any => ({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "migrate" },
        spec: { template: { metadata: { labels }, spec: { ...pod(), restartPolicy: "Never" } } },
    }),
    CronJob: (): any => ({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "collect" },
        spec: {
            schedule: "*/15 * * * *",
            timeZone: "Asia/Tokyo",
            jobTemplate: { spec: { template: { metadata: { labels }, spec: { ...pod(), restartPolicy: "Never" } } } },
        },
    }),
};

/** Where each kind keeps its PodSpec. */
const SPEC_PATHS: Record<keyof typeof workloads, string> = {
    Pod: "spec",
    Deployment: "spec.template.spec",
    ReplicaSet: "spec.template.spec",
    StatefulSet: "spec.template.spec",
    Job: "spec.template.spec",
    CronJob: "spec.jobTemplate.spec.template.spec",
};

const refusals = (m: any): Refusal[] => admissionRefusals(m as Manifest);
const show = (rs: Refusal[]) => rs.map((r) => `${r.object}: ${r.field}: ${r.message}`).join("\n") || "(none)";

/** A Deployment with one change made to it. */
function deployment(change: (d: any, p: any, c: any) => void): any {
    const d = workloads.Deployment();
    const p = d.spec.template.spec;
    change(d, p, p.containers[0]);
    return d;
}
const C = "spec.template.spec.containers[0]";
const P = "spec.template.spec";

/**
 * One rule each: a manifest that breaks only it, the one field refused, and the message. The
 * manifest is otherwise the accepted Deployment, so exactly one refusal is expected.
 */
const BROKEN: [string, () => any, string, RegExp][] = [
    // Pod Security baseline
    ["hostNetwork", () => deployment((_, p) => (p.hostNetwork = true)), `${P}.hostNetwork`, /must be unset or false \(Pod Security baseline; Fargate pods cannot use the host network\)/],
    ["hostPID", () => deployment((_, p) => (p.hostPID = true)), `${P}.hostPID`, /must be unset or false \(Pod Security baseline\)/],
    ["hostIPC", () => deployment((_, p) => (p.hostIPC = true)), `${P}.hostIPC`, /must be unset or false \(Pod Security baseline\)/],
    ["a privileged container", () => deployment((_, _p, c) => (c.securityContext.privileged = true)), `${C}.securityContext.privileged`, /baseline; Fargate runs no privileged containers/],
    ["a capability outside baseline's set", () => deployment((_, _p, c) => (c.securityContext.capabilities.add = ["SYS_ADMIN"])), `${C}.securityContext.capabilities.add[0]`, /"SYS_ADMIN" may not be added \(Pod Security restricted allows only NET_BIND_SERVICE; not even Pod Security baseline allows it\)/],
    ["a capability of baseline's set beyond NET_BIND_SERVICE", () => deployment((_, _p, c) => (c.securityContext.capabilities.add = ["NET_BIND_SERVICE", "CHOWN"])), `${C}.securityContext.capabilities.add[1]`, /"CHOWN" may not be added \(Pod Security restricted allows only NET_BIND_SERVICE\)$/],
    ["a hostPath volume", () => deployment((_, p) => p.volumes.push({ name: "host", hostPath: { path: "/var/run" } })), `${P}.volumes[1].hostPath`, /volume host: hostPath volumes are refused \(Pod Security baseline; a Fargate pod has no host to mount\)/],
    ["a hostPort", () => deployment((_, _p, c) => (c.ports[0].hostPort = 8080)), `${C}.ports[0].hostPort`, /must be unset \(Pod Security baseline; Fargate pods cannot use host ports\)/],
    ["an unconfined AppArmor profile", () => deployment((_, _p, c) => (c.securityContext.appArmorProfile = { type: "Unconfined" })), `${C}.securityContext.appArmorProfile.type`, /"Unconfined" must be RuntimeDefault or Localhost \(Pod Security baseline\)/],
    ["an unconfined AppArmor annotation", () => deployment((d) => (d.spec.template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined" })), "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]", /"unconfined" must be runtime\/default or localhost\/<profile>/],
    ["an SELinux type of its own", () => deployment((_, p) => (p.securityContext.seLinuxOptions = { type: "spc_t" })), `${P}.securityContext.seLinuxOptions.type`, /"spc_t" must be unset or one of container_t, container_init_t, container_kvm_t, container_engine_t \(Pod Security baseline\)/],
    ["an SELinux user", () => deployment((_, _p, c) => (c.securityContext.seLinuxOptions = { user: "system_u" })), `${C}.securityContext.seLinuxOptions.user`, /must be unset \(Pod Security baseline\)/],
    ["an unmasked /proc", () => deployment((_, _p, c) => (c.securityContext.procMount = "Unmasked")), `${C}.securityContext.procMount`, /"Unmasked" must be unset or Default \(Pod Security baseline\)/],
    ["an unsafe sysctl", () => deployment((_, p) => (p.securityContext.sysctls = [{ name: "net.ipv4.tcp_syncookies", value: "1" }, { name: "kernel.msgmax", value: "65536" }])), `${P}.securityContext.sysctls[1].name`, /"kernel\.msgmax" is not a safe sysctl \(Pod Security baseline\)/],
    ["a Windows HostProcess container", () => deployment((_, _p, c) => (c.securityContext.windowsOptions = { hostProcess: true })), `${C}.securityContext.windowsOptions.hostProcess`, /must be unset or false \(Pod Security baseline\)/],
    ["a probe of another host", () => deployment((_, _p, c) => (c.readinessProbe.httpGet.host = "10.0.0.1")), `${C}.readinessProbe.httpGet.host`, /must be unset \(Pod Security baseline\)/],
    ["a lifecycle hook calling another host", () => deployment((_, _p, c) => (c.lifecycle.preStop = { httpGet: { host: "10.0.0.1", port: 80, path: "/" } })), `${C}.lifecycle.preStop.httpGet.host`, /must be unset \(Pod Security baseline\)/],
    // Pod Security restricted
    ["a volume type outside restricted's list", () => deployment((_, p) => p.volumes.push({ name: "share", nfs: { server: "nfs.example", path: "/" } })), `${P}.volumes[1].nfs`, /volume share: type nfs is refused \(Pod Security restricted\); allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret/],
    ["privilege escalation left to the default", () => deployment((_, _p, c) => delete c.securityContext.allowPrivilegeEscalation), `${C}.securityContext.allowPrivilegeEscalation`, /must be false \(Pod Security restricted\), got null/],
    ["root allowed: runAsNonRoot neither in the pod nor in the container", () => deployment((_, p) => delete p.securityContext.runAsNonRoot), `${C}.securityContext.runAsNonRoot`, /must be true \(Pod Security restricted\): set it here or in the pod's securityContext \(spec\.template\.spec\.securityContext\.runAsNonRoot\)/],
    ["a container turning runAsNonRoot off", () => deployment((_, _p, c) => (c.securityContext.runAsNonRoot = false)), `${C}.securityContext.runAsNonRoot`, /must be true \(Pod Security restricted\), not false/],
    ["a pod turning runAsNonRoot off, every container turning it on", () => deployment((_, p, c) => ((p.securityContext.runAsNonRoot = false), (c.securityContext.runAsNonRoot = true))), `${P}.securityContext.runAsNonRoot`, /must be true \(Pod Security restricted\), not false/],
    ["uid 0 for the pod", () => deployment((_, p) => (p.securityContext.runAsUser = 0)), `${P}.securityContext.runAsUser`, /must not be 0, root \(Pod Security restricted\)/],
    ["uid 0 for a container", () => deployment((_, _p, c) => (c.securityContext.runAsUser = 0)), `${C}.securityContext.runAsUser`, /must not be 0, root/],
    ["no seccomp profile", () => deployment((_, p) => delete p.securityContext.seccompProfile), `${C}.securityContext.seccompProfile.type`, /must be RuntimeDefault or Localhost \(Pod Security restricted\): set it here or in the pod's securityContext/],
    ["an unconfined seccomp profile for a container", () => deployment((_, _p, c) => (c.securityContext.seccompProfile = { type: "Unconfined" })), `${C}.securityContext.seccompProfile.type`, /"Unconfined" must be RuntimeDefault or Localhost \(Pod Security restricted\)/],
    ["an unconfined seccomp profile for the pod, confined containers", () => deployment((_, p, c) => ((p.securityContext.seccompProfile = { type: "Unconfined" }), (c.securityContext.seccompProfile = { type: "RuntimeDefault" }))), `${P}.securityContext.seccompProfile.type`, /"Unconfined" must be RuntimeDefault or Localhost/],
    ["capabilities not all dropped", () => deployment((_, _p, c) => (c.securityContext.capabilities.drop = ["NET_RAW"])), `${C}.securityContext.capabilities.drop`, /must include ALL \(Pod Security restricted\), got \["NET_RAW"\]/],
    ["an init container with the default security context", () => deployment((_, p) => p.initContainers = [{ ...container("init"), ports: undefined, readinessProbe: undefined, livenessProbe: undefined, securityContext: { capabilities: { drop: ["ALL"] } } }]), "spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation", /must be false/],
    ["an ephemeral container that may escalate", () => deployment((_, p) => p.ephemeralContainers = [{ name: "debug", image: "demo/web:3f9c2ab", securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ["ALL"] } } }]), "spec.template.spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation", /must be false \(Pod Security restricted\), got true/],
    // Fargate
    ["a GPU", () => deployment((_, _p, c) => (c.resources.limits["nvidia.com/gpu"] = 1)), `${C}.resources.limits.nvidia.com/gpu`, /Fargate has no GPUs/],
    // The API server: names
    ["an object name that is no DNS subdomain", () => deployment((d) => (d.metadata.name = "Web_1")), "metadata.name", /"Web_1" must be a DNS subdomain/],
    ["a container name that is no DNS label", () => deployment((_, _p, c) => (c.name = "web.server")), `${C}.name`, /"web\.server" must be a DNS label/],
    ["a container without a name", () => deployment((_, _p, c) => delete c.name), `${C}.name`, /is required: a DNS label/],
    ["a container name used twice", () => deployment((_, p) => (p.initContainers = [{ ...container("web"), ports: undefined, readinessProbe: undefined, livenessProbe: undefined }])), `${P}.initContainers[0].name`, /"web" is already the name of spec\.template\.spec\.containers\[0\]; container names must be unique/],
    ["a port name longer than 15 characters", () => deployment((_, _p, c) => c.ports.push({ name: "metrics-endpoint", containerPort: 9090 })), `${C}.ports[1].name`, /"metrics-endpoint" must be an IANA service name: 1-15/],
    ["a port name without a letter", () => deployment((_, _p, c) => c.ports.push({ name: "9090", containerPort: 9090 })), `${C}.ports[1].name`, /"9090" must be an IANA service name/],
    ["a port name with a double hyphen", () => deployment((_, _p, c) => c.ports.push({ name: "a--b", containerPort: 9090 })), `${C}.ports[1].name`, /"a--b" must be an IANA service name/],
    ["port 0", () => deployment((_, _p, c) => c.ports.push({ containerPort: 0 })), `${C}.ports[1].containerPort`, /0 must be a port number, 1-65535/],
    ["port 65536", () => deployment((_, _p, c) => c.ports.push({ containerPort: 65536 })), `${C}.ports[1].containerPort`, /65536 must be a port number, 1-65535/],
    ["a probe on a port number the container does not declare", () => deployment((_, _p, c) => (c.livenessProbe.tcpSocket.port = 9090)), `${C}.livenessProbe.tcpSocket.port`, /9090 is not a port the container declares \(spec\.template\.spec\.containers\[0\]\.ports: 8080, "http"\)/],
    ["a probe on a port name the container does not declare", () => deployment((_, _p, c) => (c.readinessProbe.httpGet.port = "health")), `${C}.readinessProbe.httpGet.port`, /"health" is not a port the container declares/],
    ["a startup probe on a port out of range", () => deployment((_, _p, c) => (c.startupProbe = { httpGet: { path: "/", port: 70000 } })), `${C}.startupProbe.httpGet.port`, /70000 must be a port number or name of the container/],
    ["a gRPC probe on a port name", () => deployment((_, _p, c) => (c.livenessProbe = { grpc: { port: "http" } })), `${C}.livenessProbe.grpc.port`, /"http" must be a port number of the container/],
    // The API server: selectors
    ["a selector that misses the template's labels", () => deployment((d) => (d.spec.selector.matchLabels = { app: "api" })), "spec.selector", /does not select the pod template's labels \(spec\.template\.metadata\.labels: \{"app":"web","tier":"front"\}\)/],
    ["no selector", () => deployment((d) => delete d.spec.selector), "spec.selector", /is required \(apps\/v1\): matchLabels naming labels of the pod template \(spec\.template\.metadata\.labels\)/],
    ["an empty selector", () => deployment((d) => (d.spec.selector = {})), "spec.selector", /is empty/],
    ["a selector expression the labels fail", () => deployment((d) => (d.spec.selector.matchExpressions = [{ key: "tier", operator: "NotIn", values: ["front"] }])), "spec.selector", /does not select the pod template's labels/],
    ["a selector expression with an unknown operator", () => deployment((d) => (d.spec.selector.matchExpressions = [{ key: "tier", operator: "Equals", values: ["front"] }])), "spec.selector.matchExpressions[0].operator", /"Equals" must be one of In, NotIn, Exists, DoesNotExist/],
    ["an In expression without values", () => deployment((d) => (d.spec.selector.matchExpressions = [{ key: "tier", operator: "In" }])), "spec.selector.matchExpressions[0].values", /must not be empty with operator In/],
    ["an Exists expression with values", () => deployment((d) => (d.spec.selector.matchExpressions = [{ key: "tier", operator: "Exists", values: ["front"] }])), "spec.selector.matchExpressions[0].values", /must be empty with operator Exists/],
];

describe("offline admission (components/apps/admission.ts)", () => {
    for (const [kind, make] of Object.entries(workloads)) {
        it(`accepts a restricted ${kind} that Fargate runs and the API server takes`, () => {
            assert.deepEqual(refusals(make()), []);
        });
        it(`finds the PodSpec of a ${kind} at ${SPEC_PATHS[kind as keyof typeof workloads]} and checks it there`, () => {
            const m = make();
            const t = podTemplate(m);
            assert.equal(t?.specPath, SPEC_PATHS[kind as keyof typeof workloads]);
            t!.spec.containers[0].securityContext.privileged = true;
            const rs = refusals(m);
            assert.deepEqual(rs.map((r) => [r.object, r.field]), [[`${kind}/${m.metadata.name}`, `${t!.specPath}.containers[0].securityContext.privileged`]], show(rs));
        });
    }

    it("checks no pod rule on objects without a pod template", () => {
        assert.equal(podTemplate({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: {} }), undefined);
        assert.deepEqual(refusals({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { hostNetwork: "true" } }), []);
    });

    for (const [what, make, field, message] of BROKEN) {
        it(`refuses ${what}: ${field}`, () => {
            const rs = refusals(make());
            assert.equal(rs.length, 1, `expected exactly one refusal:\n${show(rs)}`);
            assert.equal(rs[0].object, `Deployment/${make().metadata.name}`);
            assert.equal(rs[0].field, field, show(rs));
            assert.match(rs[0].message, message);
        });
    }

    it("accepts what the profiles allow: NET_BIND_SERVICE, safe sysctls, SELinux container types, confined profiles, restricted volume types", () => {
        const d = deployment((_, p, c) => {
            c.securityContext.capabilities.add = ["NET_BIND_SERVICE"];
            c.securityContext.seLinuxOptions = { type: SELINUX_TYPES[0], level: "s0:c123,c456" };
            c.securityContext.appArmorProfile = { type: "RuntimeDefault" };
            c.securityContext.procMount = "Default";
            c.readinessProbe.httpGet.host = "";
            p.securityContext.sysctls = SAFE_SYSCTLS.map((name) => ({ name, value: "1" }));
            p.securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "k8s-web" };
            p.volumes.push(
                { name: "claim", persistentVolumeClaim: { claimName: "data" } },
                { name: "config", configMap: { name: "settings" } },
                { name: "secret", secret: { secretName: "database" } },
                { name: "token", projected: { sources: [] } },
                { name: "info", downwardAPI: { items: [] } },
                { name: "csi", csi: { driver: "secrets-store.csi.k8s.io" } },
                { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } },
            );
        });
        d.spec.template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "runtime/default" };
        assert.deepEqual(refusals(d), []);
    });

    it("accepts runAsNonRoot and seccomp set in every container instead of the pod", () => {
        const d = deployment((_, p, c) => {
            p.securityContext = {};
            c.securityContext.runAsNonRoot = true;
            c.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/web.json" };
        });
        assert.deepEqual(refusals(d), []);
        // ...but then every container has to: one more without them is refused, on its own fields.
        d.spec.template.spec.initContainers = [{ ...container("init"), ports: undefined, readinessProbe: undefined, livenessProbe: undefined }];
        assert.deepEqual(
            refusals(d).map((r) => r.field),
            [`${P}.initContainers[0].securityContext.runAsNonRoot`, `${P}.initContainers[0].securityContext.seccompProfile.type`],
        );
    });

    it("keeps baseline's list of capabilities apart from restricted's: each of baseline's but NET_BIND_SERVICE is refused without 'not even baseline'", () => {
        for (const cap of BASELINE_ADD_CAPABILITIES) {
            const rs = refusals(deployment((_, _p, c) => (c.securityContext.capabilities.add = [cap])));
            if (cap === "NET_BIND_SERVICE") assert.deepEqual(rs, []);
            else assert.ok(rs.length === 1 && !/not even/.test(rs[0].message), `${cap}: ${show(rs)}`);
        }
    });

    it("refuses a DaemonSet (Fargate runs none), and checks its pod template like any other", () => {
        const d = workloads.Deployment();
        const rs = refusals({ ...d, kind: "DaemonSet" });
        assert.deepEqual(rs.map((r) => [r.object, r.field]), [["DaemonSet/web", "kind"]]);
        assert.match(rs[0].message, /Fargate runs no DaemonSets.*sidecar/);
    });

    describe("object names, per kind", () => {
        const named = (kind: string, name: string | undefined): any => ({ apiVersion: "v1", kind, metadata: name === undefined ? {} : { name } });
        const nameRefusals = (kind: string, name: string | undefined) => refusals(named(kind, name)).filter((r) => r.field === "metadata.name");
        const cases: [string, string | undefined, RegExp | undefined][] = [
            ["ConfigMap", "app.settings-1", undefined],
            ["ConfigMap", "a".repeat(253), undefined],
            ["ConfigMap", "a".repeat(254), /must be a DNS subdomain: 1-253/],
            ["ConfigMap", "Settings", /"Settings" must be a DNS subdomain/],
            ["ConfigMap", undefined, /is required: a DNS subdomain/],
            ["Service", "web-1", undefined],
            ["Service", "1web", /"1web" must be an RFC 1035 label: .*starting with a letter/],
            ["Service", "web.internal", /must be an RFC 1035 label/],
            ["Namespace", "app-chat", undefined],
            ["Namespace", "app.chat", /"app\.chat" must be a DNS label/],
            ["StatefulSet", "db.primary", /"db\.primary" must be a DNS label/],
            ["CronJob", "c".repeat(52), undefined],
            ["CronJob", "c".repeat(53), /must be a DNS subdomain of at most 52 characters/],
            ["Job", "j".repeat(63), undefined],
            ["Job", "j".repeat(64), /at most 63 characters/],
            ["Role", "system:reader", undefined],
            ["RoleBinding", "a/b", /must be a path segment/],
        ];
        for (const [kind, name, message] of cases) {
            it(`${message ? "refuses" : "accepts"} a ${kind} named ${name === undefined ? "(nothing)" : JSON.stringify(name.length > 20 ? `${name.slice(0, 3)}... (${name.length})` : name)}`, () => {
                const rs = nameRefusals(kind, name);
                if (!message) assert.deepEqual(rs, []);
                else {
                    assert.equal(rs.length, 1, show(rs));
                    assert.match(rs[0].message, message);
                }
            });
        }
    });

    describe("Jobs' selectors", () => {
        it("refuses a Job's own selector unless manualSelector is set, then checks it like any other", () => {
            const job = workloads.Job();
            job.spec.selector = { matchLabels: { app: "web" } };
            assert.deepEqual(refusals(job).map((r) => [r.field, r.message]), [["spec.selector", "is generated by the Job controller: leave it out, or set manualSelector: true beside it"]]);
            job.spec.manualSelector = true;
            assert.deepEqual(refusals(job), []);
            job.spec.selector = { matchLabels: { app: "api" } };
            assert.deepEqual(refusals(job).map((r) => r.field), ["spec.selector"]);
        });

        it("looks for a CronJob's selector in its jobTemplate", () => {
            const cron = workloads.CronJob();
            cron.spec.jobTemplate.spec.selector = { matchLabels: { app: "web" } };
            assert.deepEqual(refusals(cron).map((r) => r.field), ["spec.jobTemplate.spec.selector"]);
        });
    });

    describe("CronJob schedules (the API server's standard cron parser)", () => {
        const accepted = [
            "*/15 * * * *",
            "30 3 * * *",
            "0 10 * * 1-5",
            "0 9-17/2 1,15 * MON-FRI",
            "5/10 * ? jan-jun sun",
            "0 0 1 DEC *",
            "  0   0  * * 6 ",
            "@every 1h30m",
            ...CRON_MACROS,
        ];
        for (const schedule of accepted) {
            it(`accepts ${JSON.stringify(schedule)}`, () => assert.equal(cronScheduleProblem(schedule), undefined));
        }
        const refused: [unknown, RegExp][] = [
            ["* * * *", /has 4 fields; expected 5/],
            ["0 0 * * * *", /has 6 fields; expected 5/],
            ["60 * * * *", /minute "60" is outside 0-59/],
            ["0 24 * * *", /hour "24" is outside 0-23/],
            ["0 0 0 * *", /day of month "0" is outside 1-31/],
            ["0 0 * 13 *", /month "13" is outside 1-12/],
            ["0 0 * * 7", /day of week "7" is outside 0-6/],
            ["0 0 * JANUARY *", /month "JANUARY" is not a number or a name \(jan, feb/],
            ["0 0 * * MON-XYZ", /day of week "MON-XYZ" is not a number or a name/],
            ["5-1 * * * *", /minute range "5-1" starts after it ends/],
            ["*/0 * * * *", /minute step "0" must be a positive number/],
            ["1-2-3 * * * *", /more than one '-'/],
            ["*/5/2 * * * *", /more than one '\/'/],
            ["1,,2 * * * *", /minute "" is not a number/],
            ["TZ=Asia/Tokyo 30 3 * * *", /may not name a time zone \(TZ= or CRON_TZ=\): set spec\.timeZone instead/],
            ["CRON_TZ=UTC 0 0 * * *", /set spec\.timeZone instead/],
            ["@fortnightly", /macro "@fortnightly" is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly/],
            ["@every soon", /macro "@every soon" is not one of/],
            ["", /is required/],
            [undefined, /is required/],
        ];
        for (const [schedule, message] of refused) {
            it(`refuses ${JSON.stringify(schedule)}`, () => assert.match(cronScheduleProblem(schedule) ?? "(accepted)", message));
        }

        it("reports a CronJob's bad schedule at spec.schedule with the value", () => {
            const cron = workloads.CronJob();
            cron.spec.schedule = "0 3 * * * *";
            assert.deepEqual(refusals(cron).map((r) => [r.object, r.field, r.message]), [["CronJob/collect", "spec.schedule", '"0 3 * * * *" has 6 fields; expected 5 (minute hour day-of-month month day-of-week) or a macro such as @daily']]);
        });
    });

    describe("CronJob time zones (IANA names)", () => {
        for (const zone of ["Asia/Tokyo", "UTC", "Etc/UTC", "America/Argentina/Buenos_Aires", "Europe/Berlin", "US/Eastern", "Asia/Kolkata"]) {
            it(`accepts ${zone}`, () => assert.ok(isTimeZone(zone)));
        }
        for (const zone of ["Mars/Olympus", "Local", "+09:00", "JST-9", "asia/tokyo", "", 9]) {
            it(`refuses ${JSON.stringify(zone)}`, () => assert.ok(!isTimeZone(zone)));
        }
        it("reports a CronJob's unknown time zone at spec.timeZone", () => {
            const cron = workloads.CronJob();
            cron.spec.timeZone = "Asia/Edo";
            assert.deepEqual(refusals(cron).map((r) => [r.field, r.message]), [["spec.timeZone", '"Asia/Edo" is not an IANA time zone name (such as Asia/Tokyo or Etc/UTC)']]);
        });
    });

    it("reports each refusal as <where>: <Kind>/<name>: <field>: <message>, for every object given", () => {
        const bad = deployment((_, p) => (p.hostNetwork = true));
        const cron = workloads.CronJob();
        cron.spec.timeZone = "Local";
        const lines = admissionProblems([bad, workloads.Pod(), cron] as Manifest[], "apps/demo/overlays/dev");
        assert.deepEqual(lines, [
            "apps/demo/overlays/dev: Deployment/web: spec.template.spec.hostNetwork: must be unset or false (Pod Security baseline; Fargate pods cannot use the host network)",
            'apps/demo/overlays/dev: CronJob/collect: spec.timeZone: "Local" is not an IANA time zone name (such as Asia/Tokyo or Etc/UTC)',
        ]);
    });
});

/** checkPlannedApps runs the admission check on every app's overlay and on the plan's own Jobs. */
describe("offline admission in the plan (scripts/offline/apps.ts)", () => {
    for (const stack of STACKS) {
        it(`${stack}: the platform's own Jobs (the database bootstrap) pass it, named by their logical name`, async () => {
            const result = await plan(stack);
            const jobs = ofType(result, JOB_TYPE);
            assert.ok(jobs.length > 0, `no ${JOB_TYPE} in the plan of ${stack}: the check would check nothing`);
            assert.deepEqual(jobs.map((j) => recordedJob(j).metadata.name), jobs.map((j) => (j.inputs as any).metadata?.name ?? j.name));
            assert.deepEqual(admissionProblems(jobs.map(recordedJob), `plan ${stack}`), []);
        });
    }

    it("reports a platform Job's refusal as plan <stack>: Job/<name>: ..., an app's as apps/<app>/overlays/<stack>: <Kind>/<name>: ...", async () => {
        const result = await plan("dev");
        const [job] = ofType(result, JOB_TYPE);
        assert.ok(job, `no ${JOB_TYPE} in the plan of dev`);
        const privileged = structuredClone(job);
        (privileged.inputs as any).spec.template.spec.containers[0].securityContext.privileged = true;
        const [spec] = stackApps("dev");
        assert.ok(spec, "no app runs in dev");
        // The app's overlay, in a project folder of its own, holding one Pod on the host network.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "admission-"));
        try {
            const overlay = path.join(root, spec.sourcePath);
            fs.mkdirSync(overlay, { recursive: true });
            const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "on-host" }, spec: { ...workloads.Pod().spec, hostNetwork: true } };
            fs.writeFileSync(path.join(overlay, "pod.json"), JSON.stringify(pod));
            fs.writeFileSync(path.join(overlay, "kustomization.yaml"), "resources:\n  - pod.json\n");
            const problems = checkPlannedApps({ ...result, resources: result.resources.map((r) => (r === job ? privileged : r)) }, [spec], root).problems;
            assert.deepEqual(
                problems.filter((p) => p.startsWith("plan dev: ")),
                [`plan dev: Job/${recordedJob(job).metadata.name}: spec.template.spec.containers[0].securityContext.privileged: must be unset or false (Pod Security baseline; Fargate runs no privileged containers)`],
            );
            assert.ok(
                problems.includes(`${spec.sourcePath}: Pod/on-host: spec.hostNetwork: must be unset or false (Pod Security baseline; Fargate pods cannot use the host network)`),
                problems.join("\n"),
            );
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
