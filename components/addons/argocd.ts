import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceClusterHandle, serviceDependencies } from "../cluster/handle";
import { CHARTS } from "./charts";
import { ARGOCD_COMPONENTS_OFF, argocdValues } from "./argocd-values";
import type { ArgocdComponents } from "../config/types";
import { chartRelease } from "./release";
import { managedNamespaceLabels } from "../naming";

/** Seconds Helm waits for Argo CD: HA Redis starts pod after pod. */
const ARGOCD_RELEASE_TIMEOUT = 900;

/** Label that makes a Secret an Argo CD repository definition. */
export const REPOSITORY_SECRET_LABEL = { "argocd.argoproj.io/secret-type": "repository" } as const;

/**
 * Data of the Argo CD repository Secret: the repository by URL, with an SSH key when private.
 * https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories
 */
export function repositorySecretData<K>(repoUrl: string, sshPrivateKey?: K): { type: "git"; url: string; sshPrivateKey?: K } {
    return { type: "git", url: repoUrl, ...(sshPrivateKey ? { sshPrivateKey } : {}) };
}

export interface ArgoCdArgs {
    /** Chart version of argo-cd. Required. */
    readonly chartVersion: string;
    /** HA Redis and two replicas of the stateless components, or one of each. Required. */
    readonly highAvailability: boolean;
    /** The optional components to run (ApplicationSet controller, notifications, Dex). Default: none. */
    readonly components?: ArgocdComponents;
    /** The Git repository Argo CD deploys from. Required. */
    readonly repoUrl: string;
    /** SSH private key for a private repository (a Pulumi secret); undefined for a public one. */
    readonly sshPrivateKey?: pulumi.Input<string>;
    /** The cluster, with the Load Balancer Controller's gate: the chart creates Services. Required. */
    readonly cluster: ServiceClusterHandle;
}

/**
 * Argo CD in its own namespace, and the Git repository it deploys from. Applications must depend on
 * {@link release} (their kind exists only once its CRDs are installed), which also deletes them
 * before Argo CD on destroy, while their finalizers can still run: the deletion finalizer is
 * handled by Argo CD's application controller.
 * https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/#about-the-deletion-finalizer
 */
export class ArgoCd extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: string;
    /** How a user reaches the UI, which is deliberately not exposed. */
    public readonly uiCommand: string;

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:addons:ArgoCd", name, {}, opts);
        const chart = CHARTS.argocd;
        // Pod Security restricted, enforced like every namespace the program creates: the chart's
        // pods all meet it with argocdValues (test/addons/argocd.test.ts checks each of them).
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: chart.namespace, labels: managedNamespaceLabels() } },
            { parent: this, provider: args.cluster.provider, dependsOn: serviceDependencies(args.cluster) },
        );
        // Declared before the release so the repo server finds its credentials at first start.
        const repository = new k8s.core.v1.Secret(
            `${name}-repository`,
            {
                metadata: { name: "platform-repository", namespace: namespace.metadata.name, labels: REPOSITORY_SECRET_LABEL },
                // A Secret's stringData is always a Pulumi secret: never shown by previews or the plan.
                stringData: repositorySecretData(args.repoUrl, args.sshPrivateKey),
            },
            { parent: this, provider: args.cluster.provider },
        );
        this.release = chartRelease(
            `${name}-release`,
            chart,
            args.chartVersion,
            argocdValues(args.highAvailability, args.components ?? ARGOCD_COMPONENTS_OFF),
            // The namespace is the program's (created above); the release only installs into it.
            { parent: this, provider: args.cluster.provider, dependsOn: [...serviceDependencies(args.cluster), namespace, repository] },
            // redis-ha starts its three Redis pods one after another, each waiting for a Fargate node.
            ARGOCD_RELEASE_TIMEOUT,
        );
        this.namespace = chart.namespace;
        this.uiCommand = `kubectl port-forward --namespace ${chart.namespace} service/${chart.releaseName}-server 8080:443`;
        this.registerOutputs({});
    }
}
