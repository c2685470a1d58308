import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArgoCd } from "./components/addons/argocd";
import { App } from "./components/apps/app";
import { DatabaseBootstrap } from "./components/apps/database-bootstrap";
import { loadApps } from "./components/apps/discover";
import { LoadBalancerController } from "./components/addons/load-balancer-controller";
import { MetricsServer } from "./components/addons/metrics-server";
import { CiIdentities } from "./components/ci/identities";
import { checkCiChange } from "./components/ci/guard";
import { CiRole, ciDefinition, ciRoleOf, ciVariables } from "./components/ci/policies";
import { checkCaller, clusterCreatorArn } from "./components/cluster/access";
import { Cluster, kubeconfigCommand } from "./components/cluster/cluster";
import { withServiceGate } from "./components/cluster/handle";
import { loadConfig } from "./components/config/load";
import { readStackFile } from "./components/config/stack-file";
import { Database } from "./components/data/database";
import { FileSystem } from "./components/data/filesystem";
import { LogsKey } from "./components/kms";
import { rootName, statefulNames } from "./components/naming";
import { Network } from "./components/network/network";
import { awsProviderArgs } from "./components/provider";

/**
 * The platform. Pulumi calls this default export and publishes what it returns as the stack
 * outputs; the offline plan and the tests call it the same way on Pulumi's mock runtime.
 */
export = async () => {
    // Validated before anything is registered: a bad stack file fails here with every problem listed.
    // The stack file is read too (when the stack's config lives in it), so YAML that changes a
    // value's meaning (an unquoted 16.10, a key with no value) is refused, not silently converted.
    const config = loadConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack(), readStackFile(__dirname, pulumi.getStack()));
    // The root of every stateful resource's name (Aurora, EFS, ECR, KMS aliases, log groups):
    // <project>-<stack>, which no config edit changes; only the cluster and what EKS names after it
    // follow clusterName (components/naming.ts rootName says why).
    const root = rootName(config.project, config.stack);
    // Apps are found under apps/ next to this file; their descriptors and overlays fail the same way.
    const apps = loadApps(__dirname, config.stack, config.apps, `${config.project}:apps`, root);

    // The provider is the only thing registered before the caller check: the check needs the
    // stack's profile and role, which only an explicit provider carries (a provider registration
    // touches nothing in AWS).
    const provider = new aws.Provider("aws", awsProviderArgs(config));
    // EKS makes whoever creates the cluster an administrator: refuse anyone not declared. CI's own
    // roles (named after the root, whether or not `github` is set) may preview or update, not create.
    const names = statefulNames(root);
    const ciRole = (arn: string, account: string) => ciRoleOf(arn, names.ciRoles, account);
    const caller = await checkCaller(provider, config.cluster.name, config.cluster.adminArns, `${config.project}:clusterAdminArns`, ciRole, pulumi.runtime.isDryRun());
    // CI's identities (`github`): the roles the workflows assume. CI itself may not change them:
    // such a change is refused here, in the pull request's preview already.
    const where = { partition: caller.partition, region: config.aws.region, accountId: caller.accountId };
    const ciDef = config.github ? ciDefinition({ where, stack: config.stack, destroyable: !config.protect, github: config.github, names: names.ciRoles, ecrPrefix: names.ecrPrefix }) : undefined;
    await checkCiChange(provider, ciRole(caller.arn, caller.accountId), names.ciRoles, ciDef, `${config.project}:github`, clusterCreatorArn(config.cluster.adminArns));
    const opts = { providers: [provider] };
    const ci = ciDef ? new CiIdentities("ci", { definition: ciDef }, opts) : undefined;
    // The deploy role administers the cluster; the preview role views it (policies.ts ciAccessPolicyArns).
    const ciAccess = ci && ciDef ? (["deploy", "preview"] as const).map((role) => ({ role, principalArn: ci.roleArns[role], policyArn: ciDef.roles[role].accessPolicyArn! })) : [];

    // Every log group is encrypted with this key, so it comes first (the flow logs' group is the network's).
    const logsKey = new LogsKey("logs", { names: { root, cluster: config.cluster.name }, protect: config.protect }, opts);
    const logs = { kmsKeyArn: logsKey.keyArn, retentionDays: config.cluster.logRetentionDays, protect: config.protect };
    const network = new Network("network", { config: config.network, clusterName: config.cluster.name, root, logs }, opts);
    const cluster = new Cluster(
        "cluster",
        {
            config: config.cluster,
            root,
            aws: config.aws,
            protect: config.protect,
            logsKeyArn: logsKey.keyArn,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            egress: network.egress,
            ciAccess,
            apiClientCidrs: config.github?.runner.inVpc ? config.github.runner.egressCidrs : [],
        },
        opts,
    );

    const database = new Database(
        "database",
        {
            root,
            protect: config.protect,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            clusterSecurityGroupId: cluster.clusterSecurityGroupId,
            config: config.database,
            availabilityZones: network.availabilityZones,
            logs,
        },
        opts,
    );
    const files = new FileSystem(
        "files",
        { root, protect: config.protect, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds, config: config.fileSystem, subnetCount: network.subnetCount, cluster: cluster.handle },
        opts,
    );

    const loadBalancerController = new LoadBalancerController(
        "load-balancer-controller",
        {
            chartVersion: config.addons.loadBalancerControllerChartVersion,
            cluster: cluster.handle,
            region: config.aws.region,
            vpcId: network.vpcId,
            highAvailability: config.addons.highAvailability,
        },
        opts,
    );

    // Everything that creates a Service waits for the controller's webhook (see LoadBalancerController):
    // the components that do take this handle, which has the gate.
    const withServices = withServiceGate(cluster.handle, loadBalancerController.serviceGate);
    new MetricsServer(
        "metrics-server",
        {
            chartVersion: config.addons.metricsServerChartVersion,
            highAvailability: config.addons.highAvailability,
            cluster: withServices,
        },
        opts,
    );

    const argocd = new ArgoCd(
        "argocd",
        {
            chartVersion: config.addons.argocdChartVersion,
            highAvailability: config.addons.highAvailability,
            components: config.addons.argocdComponents,
            repoUrl: config.addons.git.repoUrl,
            sshPrivateKey: config.addons.git.sshPrivateKey ? pulumi.secret(config.addons.git.sshPrivateKey) : undefined,
            cluster: withServices,
        },
        opts,
    );

    const databaseBootstrap = new DatabaseBootstrap(
        "database-bootstrap",
        {
            masterSecretArn: database.masterUserSecretArn,
            kmsKeyArn: database.kmsKeyArn,
            host: database.endpoint,
            port: database.port,
            region: config.aws.region,
            engineVersion: config.database.engineVersion,
            cluster: cluster.handle,
            databaseReady: database.ready,
        },
        opts,
    );
    const appImageRepositories: Record<string, pulumi.Output<string>> = {};
    for (const spec of apps) {
        const app = new App(
            `app-${spec.descriptor.name}`,
            {
                spec,
                location: { region: config.aws.region, accountId: cluster.accountId, partition: cluster.partition, clusterName: config.cluster.name, root, stack: config.stack },
                git: config.addons.git,
                keepImages: config.registry.keepImages,
                protect: config.protect,
                fileSystem: { id: files.fileSystemId, storageClassName: files.storageClassName, ready: files.ready },
                databaseBootstrap,
                argocd: { namespace: argocd.namespace, release: argocd.release },
                cluster: withServices,
            },
            opts,
        );
        for (const [image, url] of Object.entries(app.repositoryUrls)) appImageRepositories[`${spec.descriptor.name}/${image}`] = url;
    }

    return {
        apps: apps.map((a) => a.descriptor.name),
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        kubeconfigCommand: kubeconfigCommand(config.cluster.name, config.aws),
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        oidcProviderArn: cluster.oidcProviderArn,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
        databaseEndpoint: database.endpoint,
        databaseReaderEndpoint: database.readerEndpoint,
        databaseMasterSecretArn: database.masterUserSecretArn,
        fileSystemId: files.fileSystemId,
        argocdUiCommand: argocd.uiCommand,
        // What CI needs: the images workflow pushes to these; the roles and variables are set up
        // once from here (README, Delivery).
        appImageRepositories: pulumi.output(appImageRepositories),
        ciRoles: ci ? pulumi.output(ci.roleArns) : undefined,
        ciVariables: ci && config.github ? pulumi.all(ci.roleArns).apply((arns) => ciVariables(config.stack, config.aws.region, arns as Record<CiRole, string>, config.github!)) : undefined,
    };
};
