import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { DATABASE_SECRET, RDS_CA_CONFIGMAP, databaseIdentifier } from "../naming";
import { databaseSecretData, rdsCaConfigMapData } from "./contract";
import { DatabaseBootstrap } from "./database-bootstrap";
import { bootstrapJobSpec } from "./database-bootstrap-job";

export interface AppDatabaseArgs {
    /** The app's name: its database and role are named after it. Required. */
    readonly app: string;
    /** The app's namespace, where the `database` Secret goes. Required. */
    readonly namespace: pulumi.Input<string>;
    /** The shared bootstrap namespace and service account. Required. */
    readonly bootstrap: DatabaseBootstrap;
    /** Kubernetes provider of the cluster. Required. */
    readonly k8sProvider: k8s.Provider;
}

/**
 * One app's database and login role on the shared Aurora cluster, and in the app's namespace the
 * `database` Secret and the `rds-ca` ConfigMap (the CA bundle its clients verify Aurora with). The
 * password comes from random.RandomPassword (a Pulumi secret); a Job in the
 * bootstrap namespace creates the role and database idempotently, and runs again whenever the
 * password or the SQL changes. Removing the app never drops its database: data outlives config.
 */
export class AppDatabase extends pulumi.ComponentResource {
    public readonly databaseName: string;
    public readonly secretName: string;
    public readonly rdsCaConfigMapName: string;

    constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:apps:AppDatabase", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const database = databaseIdentifier(args.app);
        const bootstrap = args.bootstrap;

        // Letters and digits only: safe in SQL literals, URLs and shells; 32 of them is 190 bits.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const passwordSecret = new k8s.core.v1.Secret(
            `${name}-password-secret`,
            { metadata: { namespace: bootstrap.namespace }, stringData: { password: password.result } },
            k8sOpts,
        );
        // A Job's pod template is immutable: any change to it (new SQL, or a new password through
        // this digest) replaces the Job, which runs the idempotent SQL again. A truncated SHA-256 of
        // 190 random bits reveals nothing, so it stays readable in previews like the rest of the spec.
        const passwordDigest = pulumi.unsecret(password.result.apply((p) => createHash("sha256").update(p).digest("hex").slice(0, 16)));
        const spec = pulumi
            .all([bootstrap.masterSecretArn, bootstrap.host, bootstrap.port, passwordSecret.metadata.name, passwordDigest])
            .apply(([masterSecretArn, host, port, secret, digest]) =>
                bootstrapJobSpec({ database, passwordSecret: secret, passwordDigest: digest, serviceAccount: bootstrap.serviceAccountName, masterSecretArn, host, port, region: bootstrap.region, engineVersion: bootstrap.engineVersion }),
            );
        const job = new k8s.batch.v1.Job(
            `${name}-bootstrap`,
            { metadata: { namespace: bootstrap.namespace }, spec: spec as pulumi.Input<k8s.types.input.batch.v1.JobSpec> },
            { ...k8sOpts, dependsOn: [...bootstrap.ready] },
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: DATABASE_SECRET, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": args.app } },
                stringData: pulumi
                    .all([bootstrap.host, bootstrap.port, password.result])
                    .apply(([host, port, pw]) => databaseSecretData({ host, port, database, username: database, password: pw })),
            },
            // The app sees credentials only once they work.
            { ...k8sOpts, dependsOn: [job] },
        );
        const labels = { "app.kubernetes.io/part-of": args.app };
        new k8s.core.v1.ConfigMap(
            `${name}-rds-ca`,
            { metadata: { name: RDS_CA_CONFIGMAP, namespace: args.namespace, labels }, data: rdsCaConfigMapData(bootstrap.rdsCaBundle) },
            k8sOpts,
        );
        this.databaseName = database;
        this.secretName = DATABASE_SECRET;
        this.rdsCaConfigMapName = RDS_CA_CONFIGMAP;
        this.registerOutputs({ secret: secret.metadata.name });
    }
}
