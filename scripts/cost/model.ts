/**
 * What a stack costs a month, from its offline plan (the registered resources) and its apps as Argo
 * CD applies them: pure functions over data, priced with scripts/cost/prices/<region>.json. Every
 * figure is a list price times a planned quantity (or a stated assumption); what the model cannot
 * price is listed as not priced, never counted as zero.
 */
import { cronFrequency, keepsAwake } from "./cron";

/** On-demand list prices of one region (scripts/cost/prices/<region>.json; provenance.json says where from). */
export interface Prices {
    readonly region: string;
    readonly currency: string;
    readonly eks: { readonly standardPerHour: number; readonly extendedPerHour: number };
    readonly fargate: { readonly vcpuPerHour: number; readonly gbPerHour: number };
    readonly natGateway: { readonly perHour: number };
    readonly publicIpv4: { readonly perHour: number };
    readonly alb: { readonly perHour: number; readonly lcuPerHour: number };
    readonly auroraServerlessV2: { readonly acuPerHour: number };
    readonly auroraStorage: { readonly gbMonth: number };
    readonly efs: { readonly standardGbMonth: number };
    readonly ecr: { readonly gbMonth: number };
    readonly logs: { readonly ingestionPerGb: number; readonly storageGbMonth: number };
    readonly kms: { readonly keyMonth: number };
    readonly secretsManager: { readonly secretMonth: number };
}

/** What the model assumes where the plan says nothing; each is printed with the estimate. */
export interface Assumptions {
    /** Hours in a month: AWS's pricing convention. */
    readonly hoursPerMonth: number;
    /** Minutes a CronJob's pod runs (image pull included; Fargate bills at least one minute). */
    readonly cronRunMinutes: number;
    /** Aurora cluster volume, GB. */
    readonly auroraStorageGb: number;
    /** EFS Standard data, GB per file system. */
    readonly efsGb: number;
    /** Images stored per ECR repository, GB (the lifecycle policy bounds it). */
    readonly ecrGbPerRepository: number;
    /** Logs ingested per log group, GB a month. */
    readonly logGbPerGroupMonth: number;
    /** Average LCUs of an Application Load Balancer. */
    readonly albLcu: number;
}

/** The assumptions the shipped estimates use. */
export const DEFAULT_ASSUMPTIONS: Assumptions = {
    hoursPerMonth: 730,
    cronRunMinutes: 5,
    auroraStorageGb: 10,
    efsGb: 5,
    ecrGbPerRepository: 1,
    logGbPerGroupMonth: 1,
    albLcu: 1,
};

/** The plan's resources as `npm run plan` writes them (.plan/<stack>/plan.json) or test/support's plan() returns them. */
export interface PlannedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly parent?: string;
    readonly inputs: any;
}

/** One app's manifests as Argo CD applies them (.plan/<stack>/apps/<app>.yaml). */
export interface AppManifests {
    readonly app: string;
    readonly manifests: readonly any[];
}

/** One line of the estimate: a monthly figure, or null when not priced (with the reason). */
export interface CostItem {
    /** The platform component (network, cluster, database, ...) or `app <name>`. */
    readonly group: string;
    readonly what: string;
    /** How the figure is made: quantity × unit price. */
    readonly basis: string;
    /** USD a month, rounded to cents; null: not priced. */
    readonly monthly: number | null;
}

/** The estimate of a stack. */
export interface Estimate {
    readonly stack: string;
    readonly region: string;
    readonly currency: string;
    /** The sum of the priced items (not priced items are not in it). */
    readonly total: number;
    /** Sum per group, in order of first appearance. */
    readonly groups: Record<string, number>;
    readonly items: CostItem[];
    /** Items without a figure. */
    readonly notPriced: CostItem[];
    /** Why the estimate may be too low (a database kept awake, ...). */
    readonly risks: string[];
    readonly assumptions: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Kubernetes CPU quantity in vCPU ("250m", "0.5", "2"). */
export function cpuOf(q: unknown): number {
    if (q === undefined || q === null) return 0;
    const s = String(q);
    return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

const MEMORY_UNITS: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 };

/** Kubernetes memory quantity in MiB ("256Mi", "1Gi", "500M", bytes). */
export function memoryMiB(q: unknown): number {
    if (q === undefined || q === null) return 0;
    const m = /^([0-9.]+)([A-Za-z]*)$/.exec(String(q));
    if (!m) throw new Error(`not a memory quantity: ${q}`);
    if (m[2] === "") return Number(m[1]) / 1048576;
    const unit = MEMORY_UNITS[m[2]];
    if (unit === undefined) throw new Error(`not a memory quantity: ${q}`);
    return Number(m[1]) * unit;
}

/** Fargate's pod sizes: vCPU and the memory (GB) it allows, smallest first. https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html */
export const FARGATE_SIZES: readonly { vcpu: number; gb: number }[] = [
    ...[0.5, 1, 2].map((gb) => ({ vcpu: 0.25, gb })),
    ...[1, 2, 3, 4].map((gb) => ({ vcpu: 0.5, gb })),
    ...[2, 3, 4, 5, 6, 7, 8].map((gb) => ({ vcpu: 1, gb })),
    ...Array.from({ length: 13 }, (_, i) => ({ vcpu: 2, gb: 4 + i })),
    ...Array.from({ length: 23 }, (_, i) => ({ vcpu: 4, gb: 8 + i })),
    ...Array.from({ length: 12 }, (_, i) => ({ vcpu: 8, gb: 16 + 4 * i })),
    ...Array.from({ length: 12 }, (_, i) => ({ vcpu: 16, gb: 32 + 8 * i })),
];

/** Memory Fargate adds to every pod for its own Kubernetes components (kubelet, kube-proxy, containerd). */
export const FARGATE_OVERHEAD_MIB = 256;

/** A pod's containers' requests, as Fargate reads them (a container with limits only is requested at its limits, as Kubernetes defaults it). */
export interface PodRequests {
    readonly containers: readonly { resources?: any }[];
    readonly initContainers?: readonly { resources?: any }[];
}

/**
 * The Fargate size a pod runs on: the larger of its long-running containers' summed requests and its
 * largest init container's, plus 256 MiB of memory, rounded up to the smallest vCPU/memory
 * combination that holds both.
 * https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
 * @param pod The pod spec's containers and init containers.
 * @returns The size; throws when no Fargate size holds it.
 */
export function fargateSize(pod: PodRequests): { vcpu: number; gb: number } {
    const req = (c: { resources?: any }) => ({
        cpu: cpuOf(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu),
        mem: memoryMiB(c.resources?.requests?.memory ?? c.resources?.limits?.memory),
    });
    const main = pod.containers.map(req).reduce((a, b) => ({ cpu: a.cpu + b.cpu, mem: a.mem + b.mem }), { cpu: 0, mem: 0 });
    const init = (pod.initContainers ?? []).map(req).reduce((a, b) => ({ cpu: Math.max(a.cpu, b.cpu), mem: Math.max(a.mem, b.mem) }), { cpu: 0, mem: 0 });
    const cpu = Math.max(main.cpu, init.cpu);
    const gb = (Math.max(main.mem, init.mem) + FARGATE_OVERHEAD_MIB) / 1024;
    const size = FARGATE_SIZES.find((s) => s.vcpu >= cpu - 1e-9 && s.gb >= gb - 1e-9);
    if (!size) throw new Error(`no Fargate size holds ${cpu} vCPU and ${gb} GB`);
    return size;
}

/** A pod's hourly price on Fargate. */
function podHourly(size: { vcpu: number; gb: number }, prices: Prices): number {
    return size.vcpu * prices.fargate.vcpuPerHour + size.gb * prices.fargate.gbPerHour;
}

const sizeText = (s: { vcpu: number; gb: number }) => `${s.vcpu} vCPU/${s.gb} GB`;

/** A priced line for `count` pods of a size running all month. */
function podsItem(group: string, what: string, count: number, pod: PodRequests, prices: Prices, a: Assumptions): CostItem {
    const size = fargateSize(pod);
    return {
        group,
        what,
        basis: `${count} pod${count === 1 ? "" : "s"} × ${sizeText(size)} × ${a.hoursPerMonth} h × (${prices.fargate.vcpuPerHour}/vCPU-h, ${prices.fargate.gbPerHour}/GB-h)`,
        monthly: round(count * podHourly(size, prices) * a.hoursPerMonth),
    };
}

/** One container requesting this much (a chart's `resources`). */
const onePod = (resources: any): PodRequests => ({ containers: [{ resources }] });

/** The pods a Helm release runs, by chart, from its planned values (the charts' defaults where the values say nothing). */
function releasePods(chart: string, values: any): { what: string; count: number; pod: PodRequests; oneOff?: boolean }[] | undefined {
    const v = values ?? {};
    switch (chart) {
        case "aws-load-balancer-controller":
            // Chart default replicaCount: 2 (test/upstream/charts/aws-load-balancer-controller-3.5.0.values.yaml).
            return [{ what: "Load Balancer Controller", count: v.replicaCount ?? 2, pod: onePod(v.resources) }];
        case "metrics-server":
            return [{ what: "metrics-server", count: v.replicas ?? 1, pod: onePod(v.resources) }];
        case "argo-cd": {
            // test/upstream/charts/argo-cd-10.1.1.values.yaml: every component 1 replica by default;
            // dex and notifications on unless turned off; ApplicationSet on unless applicationSet.enabled is false.
            const pods: { what: string; count: number; pod: PodRequests; oneOff?: boolean }[] = [
                { what: "Argo CD application controller", count: v.controller?.replicas ?? 1, pod: onePod(v.controller?.resources) },
                { what: "Argo CD server", count: v.server?.replicas ?? 1, pod: onePod(v.server?.resources) },
                { what: "Argo CD repo server", count: v.repoServer?.replicas ?? 1, pod: onePod(v.repoServer?.resources) },
            ];
            if (v.applicationSet?.enabled !== false) pods.push({ what: "Argo CD ApplicationSet controller", count: v.applicationSet?.replicas ?? 1, pod: onePod(v.applicationSet?.resources) });
            if (v.dex?.enabled !== false) pods.push({ what: "Argo CD Dex", count: 1, pod: onePod(v.dex?.resources) });
            if (v.notifications?.enabled !== false) pods.push({ what: "Argo CD notifications controller", count: 1, pod: onePod(v.notifications?.resources) });
            const ha = v["redis-ha"];
            if (ha?.enabled) {
                // redis-ha: 3 Redis pods (redis and sentinel containers), HAProxy 3 replicas (the subchart's defaults).
                pods.push({ what: "Argo CD redis-ha Redis", count: ha.replicas ?? 3, pod: { containers: [{ resources: ha.redis?.resources }, { resources: ha.sentinel?.resources }] } });
                if (ha.haproxy?.enabled !== false) pods.push({ what: "Argo CD redis-ha HAProxy", count: ha.haproxy?.replicas ?? 3, pod: onePod(ha.haproxy?.resources) });
            } else if (v.redis?.enabled !== false) {
                pods.push({ what: "Argo CD Redis", count: 1, pod: onePod(v.redis?.resources) });
            }
            // The redis-secret-init Helm hook Job runs at each install and upgrade only.
            if (v.redisSecretInit?.enabled !== false) pods.push({ what: "Argo CD redis-secret-init hook Job", count: 0, pod: onePod(v.redisSecretInit?.resources), oneOff: true });
            return pods;
        }
        default:
            return undefined;
    }
}

/** Resource types that cost nothing by themselves (IAM, VPC plumbing, Kubernetes objects without pods, aliases, ...). */
const FREE_TYPES = [
    /^pulumi:providers:/,
    /^random:/,
    /^aws:iam\//,
    /^aws:ec2\/(vpc|subnet|routeTable|route|routeTableAssociation|internetGateway|securityGroup|defaultSecurityGroup):/,
    /^aws:vpc\/securityGroup(Ingress|Egress)Rule:/,
    /^aws:ec2\/flowLog:/, // its cost is its log group's ingestion
    /^aws:kms\/alias:/,
    /^aws:rds\/(subnetGroup|clusterParameterGroup):/,
    /^aws:ecr\/lifecyclePolicy:/,
    /^aws:efs\/(mountTarget|accessPoint):/,
    /^aws:eks\/(accessEntry|accessPolicyAssociation|fargateProfile):/,
    /^kubernetes:(core\/v1:(Namespace|ConfigMap|Secret|ServiceAccount|PersistentVolume|PersistentVolumeClaim|Service)|storage\.k8s\.io\/|rbac\.|argoproj\.io\/|policy\/|networking\.k8s\.io\/v1:NetworkPolicy)/,
];

/** The top-level platform component a resource belongs to, and its app when it is under one. */
function owner(r: PlannedResource, byUrn: Map<string, PlannedResource>): { group: string; app?: string } {
    let top: PlannedResource | undefined;
    let app: string | undefined;
    for (let x: PlannedResource | undefined = r; x; x = x.parent ? byUrn.get(x.parent) : undefined) {
        if (x.type.startsWith("platform:")) top = x;
        if (x.type === "platform:apps:App") app = x.name.replace(/^app-/, "");
    }
    if (app) return { group: `app ${app}`, app };
    return { group: top ? top.type.split(":").pop()!.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() : "stack" };
}

/** A Deployment's, StatefulSet's, CronJob's or Job's pod spec. */
function podSpec(m: any): any {
    return m.kind === "CronJob" ? m.spec?.jobTemplate?.spec?.template?.spec : m.spec?.template?.spec;
}

/**
 * The monthly estimate of a stack.
 * @param stack The stack's name (shown).
 * @param resources The planned resources (plan.json's `resources`).
 * @param apps The apps' manifests as Argo CD applies them.
 * @param prices The stack's region's prices.
 * @param assumptions What the model assumes; defaults to {@link DEFAULT_ASSUMPTIONS}.
 */
export function estimate(stack: string, resources: readonly PlannedResource[], apps: readonly AppManifests[], prices: Prices, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): Estimate {
    const a = assumptions;
    const H = a.hoursPerMonth;
    const items: CostItem[] = [];
    const risks: string[] = [];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const add = (item: CostItem) => items.push(item);
    const notPriced = (group: string, what: string, why: string) => add({ group, what, basis: why, monthly: null });
    const of = (type: string) => resources.filter((r) => r.type === type);

    // Apps whose database is in the shared Aurora cluster (an AppDatabase under the App).
    const databaseApps = new Set(of("platform:apps:AppDatabase").map((r) => owner(r, byUrn).app).filter((x): x is string => !!x));
    let publicSubnets = 2;
    let cronKeepsAwake: string[] = [];
    const pauseSeconds = (r: PlannedResource) => r.inputs.serverlessv2ScalingConfiguration?.secondsUntilAutoPause ?? 300;

    // The apps first: the Aurora rule needs to know which CronJobs wake the database.
    const auroraClusters = of("aws:rds/cluster:Cluster");
    const appItems: CostItem[] = [];
    const ingressGroups = new Map<string, string[]>();
    for (const { app, manifests } of apps) {
        const group = `app ${app}`;
        const hpaMin = new Map<string, number>();
        for (const m of manifests) if (m.kind === "HorizontalPodAutoscaler") hpaMin.set(`${m.spec?.scaleTargetRef?.kind}/${m.spec?.scaleTargetRef?.name}`, m.spec?.minReplicas ?? 1);
        for (const m of manifests) {
            const name = `${m.kind} ${m.metadata?.name}`;
            if (m.kind === "Deployment" || m.kind === "StatefulSet") {
                // An HPA owns the replica count: it never goes below minReplicas. https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
                const hpa = hpaMin.get(`${m.kind}/${m.metadata?.name}`);
                const count = hpa ?? m.spec?.replicas ?? 1;
                appItems.push(podsItem(group, `${name}${hpa !== undefined ? " (HPA minReplicas)" : ""}`, count, podSpec(m), prices, a));
            } else if (m.kind === "CronJob") {
                let freq;
                try {
                    freq = cronFrequency(String(m.spec?.schedule), m.spec?.timeZone);
                } catch (err) {
                    appItems.push({ group, what: name, basis: `schedule ${JSON.stringify(m.spec?.schedule)} not understood (${(err as Error).message})`, monthly: null });
                    continue;
                }
                const size = fargateSize(podSpec(m));
                const runs = freq.runsPerMonth;
                appItems.push({
                    group,
                    what: `${name} (${m.spec.schedule})`,
                    basis: `${round(runs)} runs × ${a.cronRunMinutes} min × ${sizeText(size)} × (${prices.fargate.vcpuPerHour}/vCPU-h, ${prices.fargate.gbPerHour}/GB-h)`,
                    monthly: round(runs * (a.cronRunMinutes / 60) * podHourly(size, prices)),
                });
                if (databaseApps.has(app)) {
                    for (const c of auroraClusters) {
                        const s = c.inputs.serverlessv2ScalingConfiguration;
                        // The plan refuses such a CronJob unless app.yaml says keepsDatabaseAwake (components/apps/idle.ts): then it is a risk to name.
                        if (s?.minCapacity === 0 && m.spec?.suspend !== true && keepsAwake(freq.minGapSeconds, pauseSeconds(c), m.spec?.jobTemplate?.spec?.activeDeadlineSeconds))
                            cronKeepsAwake.push(
                                `${app}'s CronJob ${m.metadata?.name} (${m.spec.schedule}, every ${freq.minGapSeconds} s at the shortest) fires more often than ${c.inputs.clusterIdentifier ?? c.name}'s secondsUntilAutoPause (${pauseSeconds(c)} s) plus a run allows: the database never pauses`,
                            );
                    }
                }
            } else if (m.kind === "Job" || m.kind === "Pod") {
                appItems.push({ group, what: name, basis: "runs once per sync, not monthly", monthly: null });
            } else if (m.kind === "Ingress") {
                // The Load Balancer Controller makes one ALB per IngressClass group, one per Ingress without a group.
                // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#group.name
                const groupName = m.metadata?.annotations?.["alb.ingress.kubernetes.io/group.name"];
                const key = groupName ? `group ${groupName}` : `${m.metadata?.namespace}/${m.metadata?.name}`;
                const klass = m.spec?.ingressClassName ?? m.metadata?.annotations?.["kubernetes.io/ingress.class"];
                if (klass !== "alb") appItems.push({ group, what: name, basis: `IngressClass ${klass}: not an ALB the model knows`, monthly: null });
                else ingressGroups.set(key, [...(ingressGroups.get(key) ?? []), app]);
            } else if (m.kind === "DaemonSet") {
                appItems.push({ group, what: name, basis: "DaemonSets do not run on Fargate", monthly: null });
            }
        }
    }
    cronKeepsAwake = [...new Set(cronKeepsAwake)];

    for (const r of resources) {
        const { group } = owner(r, byUrn);
        const i = r.inputs ?? {};
        switch (r.type) {
            case "eks:index:Cluster": {
                // Extended support costs 0.60/h instead of 0.10/h. https://docs.aws.amazon.com/eks/latest/userguide/view-upgrade-policy.html
                const extended = i.upgradePolicy?.supportType === "EXTENDED";
                const rate = extended ? prices.eks.extendedPerHour : prices.eks.standardPerHour;
                add({ group, what: `EKS control plane ${i.name ?? r.name} (${extended ? "extended" : "standard"} support)`, basis: `${H} h × ${rate}/h`, monthly: round(H * rate) });
                publicSubnets = (i.publicSubnetIds ?? []).length || publicSubnets;
                const dns = i.corednsAddonOptions;
                if (dns?.enabled !== false) {
                    // pulumi-eks' own CoreDNS add-on (on unless corednsAddonOptions.enabled is false), configured the same way.
                    const cv = dns?.configurationValues ?? {};
                    add(podsItem(group, "CoreDNS", cv.replicaCount ?? 2, onePod(cv.resources), prices, a));
                }
                break;
            }
            case "aws:eks/addon:Addon": {
                if (i.addonName !== "coredns") {
                    notPriced(group, `EKS add-on ${i.addonName} (${r.name})`, "the model does not know this add-on's pods");
                    break;
                }
                // CoreDNS on Fargate: replicas and resources from the add-on's configuration values (EKS's default: 2 replicas).
                // https://docs.aws.amazon.com/eks/latest/userguide/coredns-add-on-create.html
                const cv = typeof i.configurationValues === "string" ? JSON.parse(i.configurationValues) : (i.configurationValues ?? {});
                add(podsItem(group, "CoreDNS", cv.replicaCount ?? 2, onePod(cv.resources), prices, a));
                break;
            }
            case "kubernetes:helm.sh/v3:Release":
            case "kubernetes:helm.sh/v4:Chart": {
                const pods = releasePods(String(i.chart), i.values);
                if (!pods) notPriced(group, `Helm release ${r.name} (chart ${i.chart})`, "the model does not know this chart's pods");
                // A component scaled to 0 replicas (Argo CD's ApplicationSet controller when off) runs no pod.
                else
                    for (const p of pods) {
                        if (p.oneOff) notPriced(group, p.what, "runs once per install or upgrade, not monthly");
                        else if (p.count > 0) add(podsItem(group, p.what, p.count, p.pod, prices, a));
                    }
                break;
            }
            case "kubernetes:batch/v1:Job":
                notPriced(group, `Job ${r.name}`, "runs once when created, not monthly");
                break;
            case "aws:ec2/natGateway:NatGateway":
                add({ group, what: `NAT gateway ${r.name}`, basis: `${H} h × ${prices.natGateway.perHour}/h (data processed not priced)`, monthly: round(H * prices.natGateway.perHour) });
                break;
            case "aws:ec2/eip:Eip":
                add({ group, what: `public IPv4 ${r.name} (Elastic IP)`, basis: `${H} h × ${prices.publicIpv4.perHour}/h`, monthly: round(H * prices.publicIpv4.perHour) });
                break;
            case "aws:rds/cluster:Cluster": {
                const gb = a.auroraStorageGb;
                add({ group, what: `Aurora storage ${i.clusterIdentifier ?? r.name}`, basis: `${gb} GB (assumed) × ${prices.auroraStorage.gbMonth}/GB-month (I/O not priced)`, monthly: round(gb * prices.auroraStorage.gbMonth) });
                if (i.manageMasterUserPassword) add({ group, what: `Secrets Manager: ${i.clusterIdentifier ?? r.name} master password`, basis: `1 secret × ${prices.secretsManager.secretMonth}/month`, monthly: prices.secretsManager.secretMonth });
                if ((i.backupRetentionPeriod ?? 1) > 1) notPriced(group, `Aurora backups ${i.clusterIdentifier ?? r.name} (${i.backupRetentionPeriod} days)`, "backup storage beyond the cluster's size depends on the data's churn");
                break;
            }
            case "aws:rds/clusterInstance:ClusterInstance": {
                const cluster = auroraClusters.find((c) => (c.inputs.clusterIdentifier ?? c.name) === i.clusterIdentifier) ?? auroraClusters[0];
                const s = cluster?.inputs.serverlessv2ScalingConfiguration;
                if (i.instanceClass !== "db.serverless" || !s) {
                    notPriced(group, `Aurora instance ${i.identifier ?? r.name} (${i.instanceClass})`, "only Aurora Serverless v2 instances are priced");
                    break;
                }
                const rate = prices.auroraServerlessV2.acuPerHour;
                if (s.minCapacity === 0 && cronKeepsAwake.length === 0) {
                    // Paused at 0 ACU after secondsUntilAutoPause idle: no compute charge while paused. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
                    add({ group, what: `Aurora Serverless v2 ${i.identifier ?? r.name}`, basis: `min 0 ACU, pauses after ${pauseSeconds(cluster)} s idle: 0 ACU-h at rest (each wake-up not priced)`, monthly: 0 });
                } else if (s.minCapacity === 0) {
                    // Awake, an instance with min 0 runs at 0.5 ACU or more (the lowest capacity of a running instance).
                    add({ group, what: `Aurora Serverless v2 ${i.identifier ?? r.name} (kept awake)`, basis: `0.5 ACU (running minimum) × ${H} h × ${rate}/ACU-h`, monthly: round(0.5 * H * rate) });
                } else {
                    add({ group, what: `Aurora Serverless v2 ${i.identifier ?? r.name}`, basis: `${s.minCapacity} ACU (min capacity) × ${H} h × ${rate}/ACU-h`, monthly: round(s.minCapacity * H * rate) });
                }
                if (i.performanceInsightsEnabled && (i.performanceInsightsRetentionPeriod ?? 7) > 7) notPriced(group, `Performance Insights ${i.identifier ?? r.name}`, `retention ${i.performanceInsightsRetentionPeriod} days is beyond the free 7`);
                break;
            }
            case "aws:efs/fileSystem:FileSystem":
                add({ group, what: `EFS ${i.tags?.Name ?? r.name}`, basis: `${a.efsGb} GB (assumed) × ${prices.efs.standardGbMonth}/GB-month (throughput not priced)`, monthly: round(a.efsGb * prices.efs.standardGbMonth) });
                break;
            case "aws:efs/backupPolicy:BackupPolicy":
                if (i.backupPolicy?.status === "ENABLED") notPriced(group, `EFS backups ${r.name}`, "AWS Backup storage depends on the data's churn");
                break;
            case "aws:ecr/repository:Repository":
                add({ group, what: `ECR ${i.name ?? r.name}`, basis: `${a.ecrGbPerRepository} GB (assumed) × ${prices.ecr.gbMonth}/GB-month`, monthly: round(a.ecrGbPerRepository * prices.ecr.gbMonth) });
                break;
            case "aws:cloudwatch/logGroup:LogGroup": {
                const gb = a.logGbPerGroupMonth;
                const days = i.retentionInDays;
                if (!days) {
                    add({ group, what: `logs ${i.name ?? r.name} ingestion`, basis: `${gb} GB (assumed) × ${prices.logs.ingestionPerGb}/GB`, monthly: round(gb * prices.logs.ingestionPerGb) });
                    notPriced(group, `logs ${i.name ?? r.name} storage`, "kept forever: grows every month");
                } else {
                    // At steady state a group holds retentionInDays / 30 months of ingestion.
                    const stored = (gb * days) / 30;
                    add({
                        group,
                        what: `logs ${i.name ?? r.name} (${days} days)`,
                        basis: `${gb} GB/month (assumed) × ${prices.logs.ingestionPerGb}/GB + ${round(stored)} GB stored × ${prices.logs.storageGbMonth}/GB-month`,
                        monthly: round(gb * prices.logs.ingestionPerGb + stored * prices.logs.storageGbMonth),
                    });
                }
                break;
            }
            case "aws:kms/key:Key":
                add({ group, what: `KMS key ${r.name}`, basis: `1 key × ${prices.kms.keyMonth}/month`, monthly: prices.kms.keyMonth });
                break;
            case "aws:secretsmanager/secret:Secret":
                add({ group, what: `Secrets Manager ${i.name ?? r.name}`, basis: `1 secret × ${prices.secretsManager.secretMonth}/month`, monthly: prices.secretsManager.secretMonth });
                break;
            default:
                if (r.type.startsWith("platform:") || r.type.startsWith("eks:index:") || FREE_TYPES.some((re) => re.test(r.type))) break;
                notPriced(group, `${r.type} ${r.name}`, "the model does not know this resource type");
        }
    }

    for (const [key, owners] of ingressGroups) {
        const group = owners.length === 1 || new Set(owners).size === 1 ? `app ${owners[0]}` : "shared ingress";
        const hourly = prices.alb.perHour + a.albLcu * prices.alb.lcuPerHour;
        appItems.push({ group, what: `ALB for Ingress ${key}`, basis: `${H} h × (${prices.alb.perHour}/h + ${a.albLcu} LCU (assumed) × ${prices.alb.lcuPerHour}/LCU-h)`, monthly: round(H * hourly) });
        // An internet-facing ALB has a public IPv4 address in each of its subnets (one per AZ).
        appItems.push({ group, what: `public IPv4 of that ALB (${publicSubnets} subnets)`, basis: `${publicSubnets} addresses × ${H} h × ${prices.publicIpv4.perHour}/h`, monthly: round(publicSubnets * H * prices.publicIpv4.perHour) });
    }
    items.push(...appItems);

    for (const reason of cronKeepsAwake) risks.push(reason);

    // Components first, then the apps.
    items.sort((x, y) => Number(x.group.startsWith("app ")) - Number(y.group.startsWith("app ")));
    const priced = items.filter((x) => x.monthly !== null);
    const groups: Record<string, number> = {};
    for (const x of priced) groups[x.group] = round((groups[x.group] ?? 0) + x.monthly!);
    return {
        stack,
        region: prices.region,
        currency: prices.currency,
        total: round(priced.reduce((s, x) => s + x.monthly!, 0)),
        groups,
        items: priced,
        notPriced: items.filter((x) => x.monthly === null),
        risks,
        assumptions: [
            `${a.hoursPerMonth} hours a month`,
            `a CronJob's pod runs ${a.cronRunMinutes} minutes per run`,
            `Aurora storage ${a.auroraStorageGb} GB per cluster`,
            `EFS ${a.efsGb} GB per file system, all in Standard`,
            `ECR ${a.ecrGbPerRepository} GB per repository`,
            `CloudWatch Logs ${a.logGbPerGroupMonth} GB ingested per log group a month`,
            `${a.albLcu} LCU per ALB`,
        ],
    };
}

/** The difference between two estimates of a stack, by group and in total (head − base). */
export interface EstimateDiff {
    readonly stack: string;
    readonly base: number | null;
    readonly head: number;
    readonly delta: number | null;
    readonly groups: Record<string, { base: number; head: number; delta: number }>;
}

/**
 * What a change adds to a stack's monthly estimate.
 * @param base The base branch's estimate, or null when it has none (a new stack, or no cost model yet).
 * @param head This branch's estimate.
 */
export function diffEstimates(base: Estimate | null, head: Estimate): EstimateDiff {
    const groups: Record<string, { base: number; head: number; delta: number }> = {};
    for (const g of new Set([...Object.keys(base?.groups ?? {}), ...Object.keys(head.groups)])) {
        const b = base?.groups[g] ?? 0;
        const h = head.groups[g] ?? 0;
        if (round(h - b) !== 0) groups[g] = { base: b, head: h, delta: round(h - b) };
    }
    return { stack: head.stack, base: base?.total ?? null, head: head.total, delta: base ? round(head.total - base.total) : null, groups };
}

const money = (n: number) => `$${n.toFixed(2)}`;
const signed = (n: number) => `${n >= 0 ? "+" : "-"}$${Math.abs(n).toFixed(2)}`;

/**
 * The estimate as text: the total, each group with its items, what is not priced, risks, assumptions.
 * @param e The estimate.
 * @param diff Its difference from the base branch; omitted: no difference section.
 */
export function renderEstimate(e: Estimate, diff?: EstimateDiff): string {
    const lines = [`${e.stack} (${e.region}): ${money(e.total)} a month (${e.currency}, on-demand list prices; not priced items are not in it)`];
    if (diff) {
        if (diff.delta === null) lines.push("Against the base branch: the base has no estimate of this stack");
        else {
            lines.push(`Against the base branch: ${money(diff.base!)} → ${money(diff.head)} (${signed(diff.delta)} a month)`);
            for (const [g, d] of Object.entries(diff.groups)) lines.push(`  ${g}: ${money(d.base)} → ${money(d.head)} (${signed(d.delta)})`);
        }
    }
    lines.push("");
    for (const [group, sum] of Object.entries(e.groups)) {
        lines.push(`${group}: ${money(sum)}`);
        for (const x of e.items.filter((i) => i.group === group)) lines.push(`  ${money(x.monthly!).padStart(9)}  ${x.what}: ${x.basis}`);
    }
    if (e.notPriced.length > 0) {
        lines.push("", "Not priced (not in the total):");
        for (const x of e.notPriced) lines.push(`  - ${x.group}: ${x.what}: ${x.basis}`);
    }
    if (e.risks.length > 0) {
        lines.push("", "Risks:");
        for (const r of e.risks) lines.push(`  - ${r}`);
    }
    lines.push("", "Assumptions:", ...e.assumptions.map((a) => `  - ${a}`));
    return lines.join("\n") + "\n";
}
