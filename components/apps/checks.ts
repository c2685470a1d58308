/**
 * Checks of an app's rendered manifests (`kustomize build` of an overlay) against the platform
 * contract: its namespace, what the platform provides, images, sizes, load balancers. What the
 * cluster itself would refuse (Pod Security restricted, Fargate, the API server's validation) is
 * admission.ts's. Plain data in, problems out: the test suite and the offline plan run both on
 * every overlay of every app.
 */
import { APP_VOLUME_CLAIM, PLATFORM_CONFIGMAP, RDS_CA_CONFIGMAP, serviceAccountName } from "../naming";
import { appSecretConfigCommand } from "../secret-config";
import { RESTRICTED_ADD_CAPABILITIES, podSpec } from "./admission";
import { providedSecrets } from "./contract";
import type { AppDescriptor } from "./descriptor";
import { IMAGE_TAG, imageReference } from "./discover";

export { podSpec };

/** A Kubernetes object as Kustomize renders it. */
export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
    readonly [field: string]: any;
}

/** Kinds that are not namespaced; an AppProject refuses them, so they fail here first. */
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
]);

/** Kinds an app may not bring (a DaemonSet is admission.ts's: Fargate runs none). https://docs.aws.amazon.com/eks/latest/userguide/fargate.html */
const FORBIDDEN_KINDS: Record<string, string> = {
    PersistentVolumeClaim: `Fargate mounts EFS only through statically provisioned volumes; use the platform's claim \`${APP_VOLUME_CLAIM}\` (app.yaml volume)`,
};

export const ALB_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type";
export const NLB_TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";

/** What a pod refers to by name, and where. */
interface References {
    secrets: string[];
    configMaps: string[];
    claims: string[];
}

function podReferences(pod: any): References {
    const refs: References = { secrets: [], configMaps: [], claims: [] };
    const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    for (const c of containers) {
        for (const e of c.env ?? []) {
            if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) refs.secrets.push(e.valueFrom.secretKeyRef.name);
            if (e.valueFrom?.configMapKeyRef && !e.valueFrom.configMapKeyRef.optional) refs.configMaps.push(e.valueFrom.configMapKeyRef.name);
        }
        for (const e of c.envFrom ?? []) {
            if (e.secretRef && !e.secretRef.optional) refs.secrets.push(e.secretRef.name);
            if (e.configMapRef && !e.configMapRef.optional) refs.configMaps.push(e.configMapRef.name);
        }
    }
    for (const v of pod.volumes ?? []) {
        if (v.secret && !v.secret.optional) refs.secrets.push(v.secret.secretName);
        if (v.configMap && !v.configMap.optional) refs.configMaps.push(v.configMap.name);
        if (v.persistentVolumeClaim) refs.claims.push(v.persistentVolumeClaim.claimName);
        for (const s of v.projected?.sources ?? []) {
            if (s.secret && !s.secret.optional) refs.secrets.push(s.secret.name);
            if (s.configMap && !s.configMap.optional) refs.configMaps.push(s.configMap.name);
        }
    }
    for (const s of pod.imagePullSecrets ?? []) refs.secrets.push(s.name);
    return refs;
}

/**
 * The suffix Kustomize appends to a generated Secret's name: 10 characters of a hash, hex with
 * 0, 1, 3, a and e replaced by g, h, k, m and t (kustomize api/hasher/hasher.go, `encode`).
 * https://github.com/kubernetes-sigs/kustomize/blob/master/api/hasher/hasher.go
 */
const GENERATED_NAME_SUFFIX = /-[245-9bcdfghkmt]{10}$/;

/**
 * A Secret with values in the rendered manifests: they are in git (a `secretGenerator` renders one
 * too, from files or literals beside the kustomization). The message gives the supported way: the
 * declaration in app.yaml and the command that sets each key in the stack's encrypted config.
 */
function secretInGitProblem(m: Manifest, app: AppDescriptor, at: string, appsKey: string): string | undefined {
    const keys = [...new Set([...Object.keys(m.data ?? {}), ...Object.keys(m.stringData ?? {})])];
    if (keys.length === 0) return undefined;
    const name = m.metadata.name.replace(GENERATED_NAME_SUFFIX, "");
    return (
        `${at}: a Secret with data or stringData puts its values in git (a secretGenerator renders one too); remove it, ` +
        `declare it in app.yaml as secrets: {${name}: {description: <what it holds>, keys: [${keys.join(", ")}]}} and set each key in the stack's encrypted config: ` +
        `${keys.map((key) => appSecretConfigCommand(appsKey, app.name, name, key)).join("; ")}; then pulumi up creates the Secret ${name} in the app's namespace`
    );
}

function checkContainer(c: any, app: AppDescriptor, where: string, serves: boolean, problems: string[]): string | undefined {
    const at = `${where}: container ${c.name}`;
    const match = /^(.+):([^:/]+)$/.exec(String(c.image ?? ""));
    const image = app.images.find((i) => match?.[1] === imageReference(app.name, i));
    if (!match || !image) {
        problems.push(`${at}: image ${JSON.stringify(c.image)} must be one of ${app.images.map((i) => imageReference(app.name, i)).join(", ")} (app.yaml images) with the tag the overlay pins`);
    } else if (!IMAGE_TAG.test(match[2])) {
        problems.push(`${at}: image tag ${JSON.stringify(match[2])} must be a commit hash (never latest)`);
    }
    for (const kind of ["requests", "limits"] as const) {
        for (const resource of ["cpu", "memory"]) {
            // Fargate sizes the pod from requests; limits keep one container from starving the others.
            // https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
            if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${at}: resources.${kind}.${resource} is required`);
        }
    }
    const sc = c.securityContext ?? {};
    // Pod Security restricted allows NET_BIND_SERVICE (admission.ts refuses every other one); the
    // platform's pods add none: they listen above port 1023.
    for (const cap of (sc.capabilities?.add ?? []).filter((a: string) => (RESTRICTED_ADD_CAPABILITIES as readonly string[]).includes(a))) {
        problems.push(`${at}: securityContext.capabilities.add: ${cap} is not added on this platform; listen on a port above 1023 instead`);
    }
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: securityContext.readOnlyRootFilesystem must be true; mount an emptyDir where it writes`);
    if (serves && (c.ports ?? []).length > 0 && !c.readinessProbe) problems.push(`${at}: serves ports, so it needs a readinessProbe`);
    return image;
}

/**
 * Every problem of one app's rendered overlay.
 *
 * @param app The app's descriptor.
 * @param namespace The app's namespace: where every object must land.
 * @param manifests The objects `kustomize build` rendered.
 * @param where Prefix of every message, e.g. `apps/chat/overlays/dev`.
 * @param appsKey The project's apps key, in the commands messages give. Defaults to `platform:apps`
 *   (this project's name in Pulumi.yaml).
 */
export function checkAppManifests(app: AppDescriptor, namespace: string, manifests: readonly Manifest[], where: string, appsKey = "platform:apps"): string[] {
    const problems: string[] = [];
    const own = (kind: string) => new Set(manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name));
    const provided = providedSecrets(app);
    const secrets = new Set([...own("Secret"), ...provided]);
    // The RDS CA bundle comes with the database: an app without one gets no `rds-ca`.
    const providedConfigMaps = [PLATFORM_CONFIGMAP, ...(app.database ? [RDS_CA_CONFIGMAP] : [])];
    const configMaps = new Set([...own("ConfigMap"), ...providedConfigMaps]);
    const claims = new Set(app.volume ? [APP_VOLUME_CLAIM] : []);
    const serviceAccounts = new Set([...own("ServiceAccount"), serviceAccountName(app.name)]);
    const scaled = new Set(
        manifests.filter((m) => m.kind === "HorizontalPodAutoscaler").map((m) => `${m.spec?.scaleTargetRef?.kind}/${m.spec?.scaleTargetRef?.name}`),
    );
    const used = new Set<string>();

    for (const m of manifests) {
        const at = `${where}: ${m.kind}/${m.metadata?.name}`;
        if (CLUSTER_SCOPED.has(m.kind)) {
            problems.push(`${at}: cluster-scoped objects are the platform's; the app's project allows only namespaced ones in ${namespace}`);
            continue;
        }
        if (FORBIDDEN_KINDS[m.kind]) problems.push(`${at}: ${FORBIDDEN_KINDS[m.kind]}`);
        if (m.kind === "Secret") {
            const inGit = secretInGitProblem(m, app, at, appsKey);
            if (inGit) problems.push(inGit);
        }
        // Explicit, never left to whoever applies it: Argo CD would put an object without a namespace
        // into the Application's destination, `kubectl apply -k` into the current context's.
        const explicit = `set \`namespace: ${namespace}\` in the base kustomization.yaml (Kustomize puts it on every object)`;
        if (m.metadata?.namespace === undefined) problems.push(`${at}: metadata.namespace is missing; every object names the app's namespace ${namespace}: ${explicit}`);
        else if (m.metadata.namespace !== namespace) problems.push(`${at}: metadata.namespace ${m.metadata.namespace} is not the app's namespace ${namespace}: ${explicit}`);
        if (m.kind === "Ingress") {
            if (m.spec?.ingressClassName !== "alb") problems.push(`${at}: spec.ingressClassName must be alb (the AWS Load Balancer Controller)`);
            // Fargate pods are reachable only by IP: load balancers need IP targets.
            // https://docs.aws.amazon.com/eks/latest/userguide/fargate.html
            if (m.metadata.annotations?.[ALB_TARGET_TYPE] !== "ip") problems.push(`${at}: annotation ${ALB_TARGET_TYPE} must be ip (Fargate has no node ports)`);
        }
        if (m.kind === "Service" && m.spec?.type === "LoadBalancer" && m.metadata.annotations?.[NLB_TARGET_TYPE] !== "ip") {
            problems.push(`${at}: a LoadBalancer Service needs annotation ${NLB_TARGET_TYPE}: ip (Fargate has no node ports)`);
        }
        if (m.kind === "StatefulSet" && (m.spec?.volumeClaimTemplates ?? []).length > 0) {
            problems.push(`${at}: volumeClaimTemplates need dynamic provisioning, which Fargate lacks; use the platform's claim \`${APP_VOLUME_CLAIM}\``);
        }
        if (scaled.has(`${m.kind}/${m.metadata.name}`) && m.spec?.replicas !== undefined) {
            problems.push(`${at}: scaled by a HorizontalPodAutoscaler, so leave spec.replicas out (Argo CD's self-heal would reset what the autoscaler set)`);
        }

        const pod = podSpec(m);
        if (!pod) continue;
        const account = pod.serviceAccountName ?? "default";
        if (!serviceAccounts.has(account)) {
            problems.push(`${at}: serviceAccountName ${account} is neither the platform's (${serviceAccountName(app.name)}) nor one of the app's manifests`);
        }
        const serves = ["Deployment", "StatefulSet"].includes(m.kind);
        for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
            const image = checkContainer(c, app, at, serves, problems);
            if (image) used.add(image);
        }
        const refs = podReferences(pod);
        for (const name of new Set(refs.secrets.filter((s) => !secrets.has(s)))) {
            problems.push(
                `${at}: Secret ${name} is not provided: the platform gives ${provided.length ? provided.join(", ") : "none (app.yaml has database: false and no secrets)"}; ` +
                    `declare it in app.yaml secrets (its values then come from ${appSecretConfigCommand(appsKey, app.name, name, "<key>")})`,
            );
        }
        for (const name of new Set(refs.configMaps.filter((c) => !configMaps.has(c)))) {
            const given = `${providedConfigMaps.join(", ")}${app.database ? "" : ` (${RDS_CA_CONFIGMAP} only with app.yaml database: true)`}`;
            problems.push(`${at}: ConfigMap ${name} is not provided: the platform gives ${given}; add it to the manifests (configMapGenerator)`);
        }
        for (const name of new Set(refs.claims.filter((c) => !claims.has(c)))) {
            problems.push(`${at}: claim ${name} is not provided: the platform gives ${app.volume ? APP_VOLUME_CLAIM : "none (app.yaml has no volume)"}`);
        }
    }
    for (const image of app.images.filter((i) => !used.has(i))) {
        problems.push(`${where}: image ${imageReference(app.name, image)} of app.yaml is used by no container`);
    }
    return problems;
}
