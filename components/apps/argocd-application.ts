/**
 * The Argo CD objects of one app, as plain data typed by the Argo CD CRD schemas (a misspelled
 * field fails the type check). https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/
 */
import type { IAppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";

/** API version of Argo CD's Application and AppProject. */
export const ARGOCD_API_VERSION = "argoproj.io/v1alpha1";

/** The cluster Argo CD runs in, as Argo CD names it. */
export const IN_CLUSTER = "https://kubernetes.default.svc";

/**
 * Deleting the Application deletes what it deployed, before Argo CD lets it go.
 * https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/#about-the-deletion-finalizer
 */
export const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";

/**
 * Argo CD's kustomize image override for one image: the name the manifests use becomes the app's
 * ECR repository, and `*` keeps the tag the overlay pins, so the tag stays in git (Argo CD applies
 * it with `kustomize edit set image`, where `*` preserves the existing value; see its `--help`).
 * https://argo-cd.readthedocs.io/en/stable/user-guide/kustomize/
 */
export function kustomizeImage(reference: string, repositoryUrl: string): string {
    return `${reference}=${repositoryUrl}:*`;
}

/** What one app's Argo CD objects are made of. */
export interface ApplicationArgs {
    /** The app's name: the Application and its AppProject are named after it. */
    readonly app: string;
    /** Argo CD's namespace. */
    readonly argocdNamespace: string;
    /** The app's namespace: the only destination its project allows. */
    readonly namespace: string;
    readonly repoUrl: string;
    readonly revision: string;
    /** The overlay, e.g. `apps/chat/overlays/dev`. */
    readonly path: string;
    /** Argo CD kustomize image overrides ({@link kustomizeImage}). */
    readonly images: readonly string[];
}

/**
 * The app's AppProject: the app's repository, into the app's namespace only, and nothing
 * cluster-scoped, so an app's manifests cannot touch another app, the platform or the cluster.
 */
export function appProjectManifest(a: ApplicationArgs): IAppProject {
    return {
        apiVersion: ARGOCD_API_VERSION,
        kind: "AppProject",
        metadata: { name: a.app, namespace: a.argocdNamespace },
        spec: {
            description: `App ${a.app}: ${a.path} into ${a.namespace}`,
            sourceRepos: [a.repoUrl],
            destinations: [{ server: IN_CLUSTER, namespace: a.namespace }],
            // Empty: no cluster-scoped object (Namespace, ClusterRole, CRD, PersistentVolume...).
            clusterResourceWhitelist: [],
        },
    };
}

/**
 * The app's Application: the stack's overlay at the configured revision, synced automatically with
 * prune and self-heal, retried with backoff. The namespace is the platform's, so Argo CD never
 * creates it (no CreateNamespace).
 */
export function applicationManifest(a: ApplicationArgs): IApplication {
    return {
        apiVersion: ARGOCD_API_VERSION,
        kind: "Application",
        metadata: { name: a.app, namespace: a.argocdNamespace, finalizers: [RESOURCES_FINALIZER] },
        spec: {
            project: a.app,
            source: {
                repoURL: a.repoUrl,
                targetRevision: a.revision,
                path: a.path,
                kustomize: { images: [...a.images] },
            },
            destination: { server: IN_CLUSTER, namespace: a.namespace },
            syncPolicy: {
                automated: { prune: true, selfHeal: true },
                // Refuse to adopt an object another Application already manages.
                syncOptions: ["FailOnSharedResource=true"],
                retry: { limit: 5, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } },
            },
        },
    };
}
