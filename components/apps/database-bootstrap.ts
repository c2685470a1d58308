import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../cluster/handle";
import { IRSA_ROLE_ANNOTATION } from "../iam/irsa";
import { IrsaRole } from "../iam/irsa-role";
import { readRdsCaBundle } from "../data/rds-ca/bundle";
import { DATABASE_BOOTSTRAP_NAMESPACE, RDS_CA_CONFIGMAP, managedNamespaceLabels } from "../naming";
import { rdsCaConfigMapData } from "./contract";
import { bootstrapPolicy } from "./database-bootstrap-job";

/** The bootstrap jobs' service account: the only one that can read the master secret. */
export const DATABASE_BOOTSTRAP_SERVICE_ACCOUNT = "database-bootstrap";

export interface DatabaseBootstrapArgs {
    /** Database.masterUserSecretArn. Required. */
    readonly masterSecretArn: pulumi.Input<string>;
    /** Database.kmsKeyArn: the key the master secret is encrypted with. Required. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Database.endpoint (writer). Required. */
    readonly host: pulumi.Input<string>;
    /** Database.port. Required. */
    readonly port: pulumi.Input<number>;
    /** AWS region of the cluster. Required. */
    readonly region: string;
    /** The Aurora engine version (`dbEngineVersion`): the jobs run the psql of its major. Required. */
    readonly engineVersion: string;
    /** The cluster the jobs run in (provider, IRSA, what their pods need first). Required. */
    readonly cluster: ClusterHandle;
    /** Database.ready: a job connecting before an instance runs would fail. Required. */
    readonly databaseReady: readonly pulumi.Resource[];
    /** The Amazon RDS CA bundle the jobs verify Aurora with. Defaults to the repository's (components/data/rds-ca/). */
    readonly rdsCaBundle?: string;
}

/**
 * What every app's database bootstrap job shares: its namespace, a service account whose IRSA
 * role may read the master secret, and the `rds-ca` ConfigMap the jobs verify Aurora's certificate
 * with. Kept out of the apps' namespaces, so no app manifest can use it.
 */
export class DatabaseBootstrap extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly serviceAccountName: string;
    public readonly masterSecretArn: pulumi.Output<string>;
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly region: string;
    /** The Aurora engine version the jobs' psql follows. */
    public readonly engineVersion: string;
    /** The Amazon RDS CA bundle: the apps' `rds-ca` ConfigMaps hold the same. */
    public readonly rdsCaBundle: string;
    /** What a bootstrap job must wait for. */
    public readonly ready: readonly pulumi.Resource[];

    constructor(name: string, args: DatabaseBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:apps:DatabaseBootstrap", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.provider };
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: DATABASE_BOOTSTRAP_NAMESPACE, labels: managedNamespaceLabels() } },
            { ...k8sOpts, dependsOn: [...args.cluster.workloadDependencies] },
        );
        const role = new IrsaRole(
            `${name}-irsa`,
            {
                oidcProviderArn: args.cluster.oidc.providerArn,
                oidcIssuer: args.cluster.oidc.issuer,
                namespace: DATABASE_BOOTSTRAP_NAMESPACE,
                serviceAccount: DATABASE_BOOTSTRAP_SERVICE_ACCOUNT,
                policy: pulumi
                    .all([args.masterSecretArn, args.kmsKeyArn])
                    .apply(([secret, key]) => JSON.stringify(bootstrapPolicy(secret, key, args.region))),
                description: "Creates each app's database and login role on the shared Aurora cluster",
            },
            { parent: this },
        );
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: {
                    name: DATABASE_BOOTSTRAP_SERVICE_ACCOUNT,
                    namespace: namespace.metadata.name,
                    annotations: { [IRSA_ROLE_ANNOTATION]: role.roleArn },
                },
                automountServiceAccountToken: false,
            },
            k8sOpts,
        );
        const rdsCaBundle = args.rdsCaBundle ?? readRdsCaBundle();
        const rdsCa = new k8s.core.v1.ConfigMap(
            `${name}-rds-ca`,
            { metadata: { name: RDS_CA_CONFIGMAP, namespace: namespace.metadata.name }, data: rdsCaConfigMapData(rdsCaBundle) },
            k8sOpts,
        );
        this.namespace = namespace.metadata.name;
        this.rdsCaBundle = rdsCaBundle;
        this.serviceAccountName = DATABASE_BOOTSTRAP_SERVICE_ACCOUNT;
        this.masterSecretArn = pulumi.output(args.masterSecretArn);
        this.host = pulumi.output(args.host);
        this.port = pulumi.output(args.port);
        this.region = args.region;
        this.engineVersion = args.engineVersion;
        this.ready = [serviceAccount, role, rdsCa, ...args.databaseReady];
        this.registerOutputs({ namespace: this.namespace });
    }
}
