import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceClusterHandle, serviceDependencies } from "../cluster/handle";
import { AppRepository } from "../data/app-repository";
import { AppVolume } from "../data/app-volume";
import { IRSA_ROLE_ANNOTATION } from "../iam/irsa";
import { IrsaRole } from "../iam/irsa-role";
import { AppDatabase } from "./app-database";
import { ARGOCD_API_VERSION, appProjectManifest, applicationManifest, kustomizeImage } from "./argocd-application";
import { PLATFORM_CONFIGMAP, appNames } from "../naming";
import { appSecretLabels, namespaceLabels, platformConfigMapData } from "./contract";
import { DatabaseBootstrap } from "./database-bootstrap";
import { appPolicy } from "./descriptor";
import { AppSpec, creatableSecrets, imageReference, missingSecretWarnings } from "./discover";

/** The AWS side of where the app runs: what `{{placeholders}}` in its permissions resolve to. */
export interface AppLocation {
    /** AWS region. Required. */
    readonly region: string;
    /** Account id (Cluster.accountId). Required. */
    readonly accountId: pulumi.Input<string>;
    /** aws, aws-cn or aws-us-gov (Cluster.partition). Required. */
    readonly partition: pulumi.Input<string>;
    /** EKS cluster name (the `cluster` of the app's ConfigMap and permissions). Required. */
    readonly clusterName: string;
    /**
     * The stack's root name (naming.ts `rootName`): the first component of the app's ECR repository
     * names, so they stay when the cluster is renamed. Required.
     */
    readonly root: string;
    /** The stack's name. Required. */
    readonly stack: string;
}

export interface AppArgs {
    /** The app, as loadApps found it for this stack. Required. */
    readonly spec: AppSpec;
    /** Where the app runs. Required. */
    readonly location: AppLocation;
    /** Git repository and revision Argo CD deploys from (stack config gitRepoUrl, gitRevision). Required. */
    readonly git: { readonly repoUrl: string; readonly revision: string };
    /** Images each ECR repository keeps (stack config ecrKeepImages). Required. */
    readonly keepImages: number;
    /** Protect the app's image repositories from deletion (stack config protectStatefulResources). Required. */
    readonly protect: boolean;
    /** The shared file system; used when the app declares a volume. Required. */
    readonly fileSystem: {
        readonly id: pulumi.Input<string>;
        readonly storageClassName: pulumi.Input<string>;
        /** FileSystem.ready: the mount targets and the NFS ingress rule. */
        readonly ready: readonly pulumi.Resource[];
    };
    /** The database bootstrap; used when the app declares a database. Required. */
    readonly databaseBootstrap: DatabaseBootstrap;
    /** Argo CD's namespace and Helm release: the Application's kind exists only once it is installed. Required. */
    readonly argocd: { readonly namespace: string; readonly release: pulumi.Resource };
    /**
     * The cluster, with the Load Balancer Controller's gate: the app's Application deploys its
     * Services and Ingresses, which the controller's webhook refuses until ready. Required.
     */
    readonly cluster: ServiceClusterHandle;
    /**
     * The project's apps key, in the commands the warnings about missing Secret values give.
     * Defaults to `<project>:apps` of the running program.
     */
    readonly appsKey?: string;
}

/** A CustomResource's args from a manifest computed from outputs (its kind is known up front). */
function customResource(
    kind: string,
    manifest: pulumi.Output<{ apiVersion: string; metadata: k8s.types.input.meta.v1.ObjectMeta; spec?: object }>,
): k8s.apiextensions.CustomResourceArgs {
    return { apiVersion: ARGOCD_API_VERSION, kind, metadata: manifest.metadata, spec: manifest.spec };
}

/**
 * Everything the platform provides one app (the contract in apps/README.md): its namespace, service
 * account and IRSA role, `platform` ConfigMap, declared Secrets, database, volume and image
 * repositories, and the Argo CD AppProject and Application that deploy its overlay. Every child is
 * named after the app, so adding, changing or removing an app touches only its own subtree.
 */
export class App extends pulumi.ComponentResource {
    public readonly namespace: string;
    /** ECR repository URL of each image. */
    public readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;
    public readonly roleArn?: pulumi.Output<string>;

    constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:apps:App", name, {}, opts);
        const { descriptor, settings } = args.spec;
        const app = descriptor.name;
        const loc = args.location;
        // Shown by `pulumi preview` and `up` under the app, before any of its resources.
        for (const warning of missingSecretWarnings(args.spec, args.appsKey ?? `${pulumi.getProject()}:apps`, loc.stack)) pulumi.log.warn(warning, this);
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        const names = appNames(loc.root, app, descriptor.images);
        this.namespace = names.namespace;

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: this.namespace, labels: namespaceLabels(app) } },
            { ...k8sOpts, dependsOn: serviceDependencies(args.cluster) },
        );

        let roleArn: pulumi.Output<string> | undefined;
        if (descriptor.permissions.length > 0) {
            const values = pulumi
                .all([loc.accountId, loc.partition])
                .apply(([account, partition]) => ({ ...settings, account, partition, region: loc.region, cluster: loc.clusterName }));
            roleArn = new IrsaRole(
                `${name}-irsa`,
                {
                    oidcProviderArn: args.cluster.oidc.providerArn,
                    oidcIssuer: args.cluster.oidc.issuer,
                    namespace: this.namespace,
                    serviceAccount: names.serviceAccount,
                    policy: values.apply((v) => JSON.stringify(appPolicy(descriptor.permissions, v))),
                    description: `App ${app}: permissions of apps/${app}/app.yaml`,
                },
                { parent: this },
            ).roleArn;
        }
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: {
                    name: names.serviceAccount,
                    namespace: namespace.metadata.name,
                    ...(roleArn ? { annotations: { [IRSA_ROLE_ANNOTATION]: roleArn } } : {}),
                },
            },
            k8sOpts,
        );
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-platform-config`,
            {
                metadata: { name: PLATFORM_CONFIGMAP, namespace: namespace.metadata.name },
                data: platformConfigMapData({ region: loc.region, stack: loc.stack, cluster: loc.clusterName, settings }),
            },
            k8sOpts,
        );
        const provided: pulumi.Resource[] = [serviceAccount, configMap];

        // The Secrets app.yaml declares, from the stack's encrypted config; one missing a value is
        // not created (creatableSecrets says why). Values stay Pulumi secrets: encrypted in the
        // state, masked in previews, never in git.
        for (const [secretName, values] of Object.entries(creatableSecrets(args.spec))) {
            const stringData = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.reveal()]));
            provided.push(
                new k8s.core.v1.Secret(
                    `${name}-secret-${secretName}`,
                    {
                        metadata: { name: secretName, namespace: namespace.metadata.name, labels: appSecretLabels(app) },
                        type: "Opaque",
                        stringData: pulumi.secret(stringData),
                    },
                    k8sOpts,
                ),
            );
        }

        if (descriptor.database) {
            provided.push(
                new AppDatabase(
                    `${name}-database`,
                    { app, namespace: namespace.metadata.name, bootstrap: args.databaseBootstrap, k8sProvider: args.cluster.provider },
                    { parent: this },
                ),
            );
        }
        if (descriptor.volume) {
            provided.push(
                new AppVolume(
                    `${name}-volume`,
                    {
                        app,
                        uid: descriptor.volume.uid,
                        gid: descriptor.volume.gid,
                        namespace: namespace.metadata.name,
                        fileSystemId: args.fileSystem.id,
                        storageClassName: args.fileSystem.storageClassName,
                        k8sProvider: args.cluster.provider,
                        dependsOn: [...args.fileSystem.ready],
                    },
                    { parent: this },
                ),
            );
        }

        const repositories = descriptor.images.map(
            (image) =>
                [
                    image,
                    new AppRepository(
                        `${name}-image-${image}`,
                        { app, image, prefix: loc.root, keepImages: args.keepImages, protect: args.protect },
                        { parent: this },
                    ),
                ] as const,
        );
        provided.push(...repositories.map(([, repository]) => repository));

        const manifestArgs = pulumi
            .all(repositories.map(([image, repository]) => repository.repositoryUrl.apply((url) => kustomizeImage(imageReference(app, image), url))))
            .apply((images) => ({
                app,
                argocdNamespace: args.argocd.namespace,
                namespace: this.namespace,
                repoUrl: args.git.repoUrl,
                revision: args.git.revision,
                path: args.spec.sourcePath,
                images,
            }));
        const argocdOpts = { ...k8sOpts, dependsOn: [args.argocd.release] };
        const project = new k8s.apiextensions.CustomResource(`${name}-project`, customResource("AppProject", manifestArgs.apply(appProjectManifest)), argocdOpts);
        // Created last: Argo CD syncs as soon as the Application exists, and the app's pods need
        // everything above. On destroy it goes first, while Argo CD can still run its finalizer.
        new k8s.apiextensions.CustomResource(`${name}-application`, customResource("Application", manifestArgs.apply(applicationManifest)), {
            ...argocdOpts,
            dependsOn: [args.argocd.release, project, ...provided],
        });

        this.repositoryUrls = Object.fromEntries(repositories.map(([image, repository]) => [image, repository.repositoryUrl]));
        this.roleArn = roleArn;
        this.registerOutputs({ namespace: this.namespace, repositoryUrls: this.repositoryUrls });
    }
}
