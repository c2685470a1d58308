import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { APP_NAME } from "../components/apps/descriptor";
import {
    AURORA_MAX_INSTANCES,
    AWS_AUTONAME_SUFFIX,
    DB_IDENTIFIER,
    K8S_AUTONAME_SUFFIX,
    NAME_RULES,
    NameRule,
    appNameProblems,
    appNames,
    clusterNameProblems,
    nameProblem,
    nameViolation,
    platformNames,
    rootName,
    rootNameProblems,
    statefulNames,
} from "../components/naming";
import { ConfigError } from "../components/errors";
import { loadConfig } from "../components/config/load";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { readStackConfig } from "../scripts/offline/stack-config";
import { input, named, ofType, plan } from "./support";

const KEY = "platform:clusterName";
const WHERE = "apps/demo/app.yaml";

/** The one problem about the `role` name `value` that starts with `where`; fails listing all problems otherwise. */
function problemNaming(problems: readonly string[], where: string, role: string, value: string): string {
    const found = problems.filter((p) => p.startsWith(`${where}: the ${role} ${JSON.stringify(value)}`));
    assert.equal(found.length, 1, `expected one problem about the ${role} ${JSON.stringify(value)} in:\n${problems.join("\n")}`);
    return found[0];
}

/** A cluster name of exactly `length` characters, readable in failures. */
const clusterOf = (length: number) => `platform-${"x".repeat(length - "platform-".length)}`;
/** The longest name app.yaml accepts (descriptor APP_NAME): 30 characters. */
const LONGEST_APP = "a-very-long-app-name-of-thirty";

describe("derived names", () => {
    it("roots the stateful names in <project>-<stack>", () => {
        assert.equal(rootName("platform", "dev"), "platform-dev");
        assert.equal(rootName("team", "prd"), "team-prd");
    });

    it("derives every stack-level name of the shipped dev stack as it always was", () => {
        const { auroraInstance, ...names } = platformNames({ root: "platform-dev", cluster: "platform-dev" });
        assert.deepEqual(names, {
            eksCluster: "platform-dev",
            auroraCluster: "platform-dev-db",
            finalSnapshot: "platform-dev-db-final",
            logGroups: {
                controlPlane: "/aws/eks/platform-dev/cluster",
                containers: "/aws/eks/platform-dev/containers",
                database: "/aws/rds/cluster/platform-dev-db/postgresql",
                flowLogs: "/vpc/platform-dev/flow-logs",
                enhancedMonitoring: "RDSOSMetrics",
            },
            kmsAliases: {
                eksSecrets: "alias/eks/platform-dev-secrets",
                database: "alias/rds/platform-dev-db",
                fileSystem: "alias/efs/platform-dev",
                logs: "alias/logs/platform-dev",
            },
            fileSystem: "platform-dev-apps",
            ecrPrefix: "platform-dev",
            ciRoles: { preview: "platform-dev-ci-preview", images: "platform-dev-ci-images", deploy: "platform-dev-ci-deploy" },
        });
        assert.deepEqual([1, 2, AURORA_MAX_INSTANCES].map(auroraInstance), ["platform-dev-db-1", "platform-dev-db-2", "platform-dev-db-16"]);
        // RDS and ECR take lower case and no '_'; EKS, CloudWatch and KMS keep the name as it is.
        const mixed = platformNames({ root: "Team__Platform", cluster: "Team__Platform" });
        assert.deepEqual(
            [mixed.eksCluster, mixed.auroraCluster, mixed.finalSnapshot, mixed.ecrPrefix, mixed.kmsAliases.database, mixed.kmsAliases.fileSystem],
            ["Team__Platform", "team-platform-db", "team-platform-db-final", "team--platform", "alias/rds/team-platform-db", "alias/efs/Team__Platform"],
        );
    });

    it("derives only the EKS cluster and its control-plane log group from the cluster name, everything stateful from the root", () => {
        const root = "platform-dev";
        const renamed = platformNames({ root, cluster: "blue_cluster" });
        const { auroraInstance, logGroups, ...stateful } = statefulNames(root);
        const { auroraInstance: renamedInstance, logGroups: renamedGroups, eksCluster, ...renamedStateful } = renamed;
        assert.equal(eksCluster, "blue_cluster");
        // EKS writes to /aws/eks/<cluster-name>/cluster, a name AWS fixes: the group follows the cluster.
        assert.equal(renamedGroups.controlPlane, "/aws/eks/blue_cluster/cluster");
        assert.deepEqual({ ...renamedGroups, controlPlane: undefined }, { ...logGroups, controlPlane: undefined });
        assert.deepEqual(renamedStateful, stateful);
        assert.deepEqual([1, AURORA_MAX_INSTANCES].map(renamedInstance), [1, AURORA_MAX_INSTANCES].map(auroraInstance));
        assert.deepEqual(appNames(root, "chat", ["web"]).repositories, { web: "platform-dev/chat/web" });
    });

    it("derives every app-level name from the cluster name, the app and its images", () => {
        assert.deepEqual(appNames("platform-dev", "slack-bot", ["bot", "web.ui"]), {
            namespace: "app-slack-bot",
            serviceAccount: "slack-bot",
            argocdApplication: "slack-bot",
            repositories: { bot: "platform-dev/slack-bot/bot", "web.ui": "platform-dev/slack-bot/web.ui" },
            persistentVolume: "app-slack-bot-data",
            accessPointPath: "/apps/slack-bot",
            accessPointName: "slack-bot-data",
            database: "slack_bot",
            logical: {
                component: "app-slack-bot",
                irsaRole: "app-slack-bot-irsa-role",
                bootstrapJob: "app-slack-bot-database-bootstrap",
                passwordSecret: "app-slack-bot-database-password-secret",
            },
        });
    });

    it("keeps the RDS identifier pattern the config loader imports", () => {
        for (const ok of ["platform-dev-db", "a", "a1-b2"]) assert.ok(DB_IDENTIFIER.test(ok), ok);
        for (const bad of ["x--db", "1x-db", "x-", "X-db", `a${"b".repeat(63)}`]) assert.ok(!DB_IDENTIFIER.test(bad), bad);
    });
});

describe("name limits", () => {
    /**
     * One name each rule refuses, and one it accepts. Typed by the rules' keys: a rule added to
     * NAME_RULES without an example here fails the type check.
     */
    const examples: Record<keyof typeof NAME_RULES, { refused: string; accepted: string }> = {
        eksCluster: { refused: "-platform", accepted: "Platform_dev-1" },
        rdsIdentifier: { refused: "platform--db", accepted: "platform-dev-db" },
        rdsSnapshotIdentifier: { refused: `a${"b".repeat(255)}`, accepted: `a${"b".repeat(254)}` },
        logGroup: { refused: "/aws/eks/platform dev/cluster", accepted: "/aws/eks/platform_dev/cluster" },
        kmsAlias: { refused: "alias/aws/platform-dev", accepted: "alias/eks/platform-dev-secrets" },
        ecrRepository: { refused: "platform-dev/chat//web", accepted: "platform-dev/chat/web" },
        ecrComponent: { refused: "team--platform", accepted: "team-platform" },
        iamRole: { refused: "app/chat", accepted: "app-chat-irsa-role-0123456" },
        dnsLabel: { refused: "app.chat", accepted: "app-chat" },
        dnsSubdomain: { refused: "App-chat", accepted: "app-chat.data" },
        jobName: { refused: `j${"o".repeat(63)}`, accepted: `j${"o".repeat(62)}` },
        postgresIdentifier: { refused: "pg_stats", accepted: "stats_pg" },
        efsPath: { refused: "/apps/a/b/c/d", accepted: "/apps/a/b/c" },
        tagValue: { refused: "x".repeat(257), accepted: "slack-bot-data" },
    };

    for (const [rule, { refused, accepted }] of Object.entries(examples) as [keyof typeof NAME_RULES, { refused: string; accepted: string }][]) {
        it(`${rule}: refuses ${JSON.stringify(refused.length > 40 ? `${refused.slice(0, 20)}... (${refused.length} characters)` : refused)}, naming where it comes from and the value`, () => {
            const spec: NameRule = NAME_RULES[rule];
            assert.equal(nameViolation(spec, accepted), undefined, accepted);
            assert.notEqual(nameViolation(spec, refused), undefined, refused);
            const message = nameProblem("somewhere", { role: "test name", value: refused, rule: spec, from: "it", fix: { length: "shorten it", format: "change it" } });
            assert.ok(message?.startsWith(`somewhere: the test name ${JSON.stringify(refused)} derived from it must be ${spec.says}; `), message);
        });
    }

    it("counts PostgreSQL identifiers in bytes, not characters", () => {
        assert.equal(nameViolation(NAME_RULES.postgresIdentifier, "é".repeat(31)), undefined);
        assert.equal(nameViolation(NAME_RULES.postgresIdentifier, "é".repeat(32)), "length");
    });

    it("leaves room for Pulumi's random suffix on auto-named resources", () => {
        const logical = "r".repeat(64 - AWS_AUTONAME_SUFFIX);
        assert.equal(nameViolation(NAME_RULES.iamRole, logical, AWS_AUTONAME_SUFFIX), undefined);
        assert.equal(nameViolation(NAME_RULES.iamRole, `${logical}r`, AWS_AUTONAME_SUFFIX), "length");
        const message = nameProblem("here", { role: "IAM role name", value: `${logical}r`, rule: NAME_RULES.iamRole, suffix: AWS_AUTONAME_SUFFIX, fix: { length: "shorten it", format: "change it" } });
        assert.match(message ?? "", new RegExp(`^here: the IAM role name "${logical}r-xxxxxxx" \\(the x's: Pulumi's random suffix\\) must be 1-64 .*; shorten it$`));
    });
});

describe("cluster name problems", () => {
    it("reports a name EKS refuses, naming the key, the value and the limit", () => {
        assert.deepEqual(clusterNameProblems("platform dev", KEY), [
            `${KEY}: the EKS cluster name "platform dev" must be 1-100 letters, digits, '-' and '_', starting with a letter or digit; change ${KEY}`,
        ]);
        const long = "p".repeat(101);
        assert.deepEqual(clusterNameProblems(long, KEY), [
            `${KEY}: the EKS cluster name ${JSON.stringify(long)} must be 1-100 letters, digits, '-' and '_', starting with a letter or digit; set a shorter ${KEY}`,
        ]);
    });

    it("accepts any name EKS accepts: no database, repository or key alias is named after it", () => {
        // Each was refused while the stateful names derived from the cluster name (RDS: a letter
        // first, no "--"; ECR: no "_-"; 16 Aurora instances within 63 characters).
        for (const cluster of ["x-", "1platform", "team_-platform", clusterOf(100), "platform-dev", "platform-prd"]) {
            assert.deepEqual(clusterNameProblems(cluster, KEY), [], cluster);
        }
    });
});

describe("root name problems", () => {
    const WHERE_ROOT = (stack: string) => `project "platform", stack ${JSON.stringify(stack)}`;
    const FORMAT_FIX = "use project and stack names of letters, digits and single hyphens, the project's starting with a letter (pulumi stack rename, before the stack's first pulumi up)";

    it("names the project and stack, the derived name's role, its value and the limit", () => {
        const problems = rootNameProblems("platform", "dev.eu");
        const where = WHERE_ROOT("dev.eu");
        assert.equal(
            problemNaming(problems, where, "Aurora cluster identifier", "platform-dev.eu-db"),
            `${where}: the Aurora cluster identifier "platform-dev.eu-db" derived from <project>-<stack> "platform-dev.eu" must be 1-63 letters, digits and single hyphens, starting with a letter and not ending with a hyphen; ${FORMAT_FIX}`,
        );
        problemNaming(problems, where, "Aurora final snapshot identifier", "platform-dev.eu-db-final");
    });

    it("fits every name up to a 53-character root, and says which name breaks at 54 (CI's preview role), then at 58 (Aurora instance 16)", () => {
        const stackOf = (length: number) => clusterOf(length).slice("platform-".length);
        assert.deepEqual(rootNameProblems("platform", stackOf(53)), []);
        const problems = rootNameProblems("platform", stackOf(54));
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problemNaming(problems, WHERE_ROOT(stackOf(54)), "IAM role of CI's preview", `${clusterOf(54)}-ci-preview`),
            /must be 1-64 .*; use a shorter stack or project name \(pulumi stack rename, before the stack's first pulumi up\)$/,
        );
        assert.match(
            problemNaming(rootNameProblems("platform", stackOf(58)), WHERE_ROOT(stackOf(58)), "Aurora instance identifier (of instance 16, the most a cluster can have)", `${clusterOf(58)}-db-16`),
            /must be 1-63 .*; use a shorter stack or project name \(pulumi stack rename, before the stack's first pulumi up\)$/,
        );
    });

    it("refuses a root whose Aurora identifiers start with a digit, or whose ECR prefix has '_' next to '-'", () => {
        problemNaming(rootNameProblems("1platform", "dev"), `project "1platform", stack "dev"`, "Aurora cluster identifier", "1platform-dev-db");
        assert.deepEqual(rootNameProblems("team_", "platform"), [
            `project "team_", stack "platform": the ECR repository prefix "team--platform" derived from <project>-<stack> "team_-platform" must be lower-case letters and digits joined by single '.', '_' or '-' (an ECR repository name component); ${FORMAT_FIX}`,
        ]);
    });

    it("finds nothing to refuse in the shipped stacks", () => {
        for (const stack of ["dev", "prd"]) assert.deepEqual(rootNameProblems("platform", stack), [], stack);
    });

    it("is checked by the config loader, once, whatever clusterName says", () => {
        const dev = readStackConfig("dev");
        const load = (stack: string, values = dev.values) => () => loadConfig(values, dev.project, stack);
        assert.throws(load("dev.eu", { ...dev.values, "platform:clusterName": "platform-dev-eu" }), (e: unknown) => {
            assert.ok(e instanceof ConfigError, String(e));
            const message = String((e as Error).message);
            assert.match(message, /project "platform", stack "dev\.eu": the Aurora cluster identifier "platform-dev\.eu-db" derived from <project>-<stack>/);
            assert.equal(message.split('the Aurora cluster identifier "platform-dev.eu-db"').length, 2, "reported once");
            return true;
        });
        assert.doesNotThrow(load("dev", { ...dev.values, "platform:clusterName": "1platform_" }));
    });
});

describe("app name problems", () => {
    it("names where the app is declared, which derived name fails, its value and the limit", () => {
        const problems = appNameProblems("platform-dev", "Demo", ["web"], WHERE);
        assert.match(problemNaming(problems, WHERE, "namespace", "app-Demo"), /^apps\/demo\/app.yaml: the namespace "app-Demo" derived from app "Demo" must be a DNS label: .*; rename the app \(the folder under apps\/\)$/);
        problemNaming(problems, WHERE, 'ECR repository name of image "web"', "platform-dev/Demo/web");
    });

    // One app name per limit that only an app's name reaches (app.yaml refuses all of them first).
    const suffixed = (name: string, suffix: number) => `${name}-${"x".repeat(suffix - 1)}`;
    const failing: [string, string, string, (app: string) => string][] = [
        ["namespace", "a DNS label", "a".repeat(60), (a) => `app-${a}`],
        ["service account name", "a DNS subdomain", "demo_app", (a) => a],
        ["Argo CD Application and AppProject name", "a label value", "a".repeat(64), (a) => a],
        ["PersistentVolume name", "a DNS subdomain", "a".repeat(249), (a) => `app-${a}-data`],
        ["EFS access point path", "100 characters", "a".repeat(95), (a) => `/apps/${a}`],
        ["EFS access point Name tag", "256 characters", "a".repeat(252), (a) => `${a}-data`],
        ["PostgreSQL database and role name", "pg_ is reserved", "pg-stats", (a) => a.replace(/-/g, "_")],
        ["PostgreSQL database and role name", "63 bytes", "a".repeat(64), (a) => a],
        ["IAM role name of the app's IRSA role", "64 with the suffix", "a".repeat(43), (a) => suffixed(`app-${a}-irsa-role`, AWS_AUTONAME_SUFFIX)],
        ["database bootstrap Job name", "63 with the suffix", "a".repeat(32), (a) => suffixed(`app-${a}-database-bootstrap`, K8S_AUTONAME_SUFFIX)],
        ["database password Secret name", "253 with the suffix", "a".repeat(216), (a) => suffixed(`app-${a}-database-password-secret`, K8S_AUTONAME_SUFFIX)],
    ];
    for (const [role, limit, app, value] of failing) {
        it(`refuses an app whose ${role} does not fit (${limit})`, () => {
            problemNaming(appNameProblems("platform-dev", app, ["web"], WHERE), WHERE, role, value(app));
        });
    }

    it("refuses an image whose ECR repository name does not fit, naming the image", () => {
        const problem = problemNaming(appNameProblems("platform-dev", "demo", ["Web"], WHERE), WHERE, 'ECR repository name of image "Web"', "platform-dev/demo/Web");
        assert.match(problem, /the ECR repository name of image "Web" "platform-dev\/demo\/Web" derived from <project>-<stack>, app "demo" and image "Web" must be 2-256 characters/);
    });

    it("leaves ECR repository names to the root check when the root's prefix is invalid", () => {
        assert.deepEqual(appNameProblems("team_-platform", "demo", ["web"], WHERE), []);
    });

    it("fits every name of the longest app name with a long image in a long root name, except a repository name over 256", () => {
        assert.ok(APP_NAME.test(LONGEST_APP) && LONGEST_APP.length === 30);
        const cluster = clusterOf(53);
        assert.deepEqual(rootNameProblems("platform", cluster.slice("platform-".length)), []);
        // 53 + 1 + 30 + 1 + 171 = 256: the longest image name that still fits.
        const image = "i".repeat(171);
        assert.deepEqual(appNameProblems(cluster, LONGEST_APP, [image], WHERE), []);
        const names = appNames(cluster, LONGEST_APP, [image]);
        const lengths = {
            namespace: names.namespace.length,
            persistentVolume: names.persistentVolume.length,
            database: names.database.length,
            repository: names.repositories[image].length,
            // Auto-named: with Pulumi's suffix.
            irsaRole: names.logical.irsaRole.length + AWS_AUTONAME_SUFFIX,
            bootstrapJob: names.logical.bootstrapJob.length + K8S_AUTONAME_SUFFIX,
        };
        assert.deepEqual(lengths, { namespace: 34, persistentVolume: 39, database: 30, repository: 256, irsaRole: 52, bootstrapJob: 62 });

        const longer = `${image}i`;
        const problems = appNameProblems(cluster, LONGEST_APP, ["web", longer], WHERE);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problemNaming(problems, WHERE, `ECR repository name of image ${JSON.stringify(longer)}`, `${cluster}/${LONGEST_APP}/${longer}`),
            /derived from <project>-<stack>, app "a-very-long-app-name-of-thirty" and image "i+" must be 2-256 characters: .*; use a shorter image or app name$/,
        );
    });

    it("finds nothing to refuse in the shipped apps, in either stack", () => {
        const appsDir = path.join(REPO_ROOT, "apps");
        const apps = fs.readdirSync(appsDir).filter((a) => fs.existsSync(path.join(appsDir, a, "app.yaml")));
        assert.ok(apps.length > 0);
        for (const app of apps) {
            const { images } = parse(fs.readFileSync(path.join(appsDir, app, "app.yaml"), "utf8")) as { images: string[] };
            for (const cluster of ["platform-dev", "platform-prd"]) {
                assert.deepEqual(appNameProblems(cluster, app, images, `apps/${app}/app.yaml`), [], `${app} in ${cluster}`);
            }
        }
    });
});

describe("derived names in the plan", () => {
    for (const stack of ["dev", "prd"]) {
        it(`${stack}: every resource carries the name naming.ts derives, and auto-named ones the logical name it checks`, async () => {
            const result = await plan(stack);
            const cluster = String(result.outputs.clusterName);
            assert.equal(cluster, `platform-${stack}`);
            const root = rootName(result.project, result.stack);
            const p = platformNames({ root, cluster });
            assert.equal(input(named(result, "cluster-eks"), "name"), p.eksCluster);
            // Which groups exist depends on the stack's config (test/cluster/log-groups.test.ts); each is one naming.ts names.
            const groups = ofType(result, "aws:cloudwatch/logGroup:LogGroup").map((r) => input(r, "name"));
            assert.ok(groups.length >= 3 && groups.every((g) => (Object.values(p.logGroups) as string[]).includes(g)), groups.join(", "));
            assert.deepEqual(ofType(result, "aws:kms/alias:Alias").map((r) => input(r, "name")).sort(), Object.values(p.kmsAliases).sort());
            const db = named(result, "database-cluster");
            assert.equal(input(db, "clusterIdentifier"), p.auroraCluster);
            if (input(db, "deletionProtection")) assert.ok(String(input(db, "finalSnapshotIdentifier")).startsWith(`${p.finalSnapshot}-`));
            else assert.equal(input(db, "finalSnapshotIdentifier"), undefined);
            ofType(result, "aws:rds/clusterInstance:ClusterInstance").forEach((r, i) => assert.equal(input(r, "identifier"), p.auroraInstance(i + 1)));
            assert.equal(input(named(result, "files-fs"), "tags.Name"), p.fileSystem);

            for (const component of ofType(result, "platform:apps:App")) {
                const app = component.name.replace(/^app-/, "");
                const repositories = ofType(result, "aws:ecr/repository:Repository").filter((r) => r.name.startsWith(`${component.name}-image-`));
                const images = repositories.map((r) => r.name.slice(`${component.name}-image-`.length, -"-repo".length));
                const n = appNames(root, app, images);
                assert.equal(component.name, n.logical.component);
                assert.deepEqual(repositories.map((r) => input(r, "name")), images.map((i) => n.repositories[i]));
                assert.equal(input(named(result, `${component.name}-namespace`), "metadata.name"), n.namespace);
                assert.equal(input(named(result, `${component.name}-service-account`), "metadata.name"), n.serviceAccount);
                assert.equal(input(named(result, `${component.name}-project`), "metadata.name"), n.argocdApplication);
                const has = (name: string) => result.resources.some((r) => r.name === name);
                if (has(`${component.name}-irsa`)) assert.ok(has(n.logical.irsaRole), n.logical.irsaRole);
                if (has(`${component.name}-database`)) {
                    const job = named(result, n.logical.bootstrapJob);
                    assert.equal(input(job, "metadata.name"), undefined, "the Job is auto-named");
                    assert.equal(input(job, "spec.template.metadata.labels")["app.kubernetes.io/instance"], n.database);
                    assert.equal(input(named(result, n.logical.passwordSecret), "metadata.name"), undefined, "the Secret is auto-named");
                }
                if (has(`${component.name}-volume`)) {
                    assert.equal(input(named(result, `${component.name}-volume-pv`), "metadata.name"), n.persistentVolume);
                    const accessPoint = named(result, `${component.name}-volume-access-point`);
                    assert.deepEqual([input(accessPoint, "rootDirectory.path"), input(accessPoint, "tags.Name")], [n.accessPointPath, n.accessPointName]);
                }
            }
        });
    }
});

describe("renaming the cluster", () => {
    /**
     * The stateful resources and what names or encrypts them: a replacement of any of these would
     * delete data (the database, its instances' storage, the file system, the images, the keys) or
     * the name that finds it (an alias, a log group).
     */
    const STATEFUL = [
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:efs/fileSystem:FileSystem",
        "aws:efs/accessPoint:AccessPoint",
        "aws:ecr/repository:Repository",
        "aws:kms/key:Key",
        "aws:kms/alias:Alias",
        "aws:cloudwatch/logGroup:LogGroup",
    ];
    /**
     * What a rename changes in them, each updated in place: the logs key's policy names the new
     * control-plane group (PutKeyPolicy), the Secrets key's description names the cluster
     * (UpdateKeyDescription), and the control-plane group itself, which EKS names after the cluster.
     * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
     * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html
     */
    const FOLLOWS_THE_CLUSTER = ["cluster-control-plane-logs: name", "cluster-secrets: description", "logs-key: policy"];

    it("dev: replaces the EKS cluster and its control-plane log group, and no database, file system, repository, key, alias or other log group", async () => {
        const before = await plan("dev");
        const after = await plan("dev", { clusterName: "platform-dev-blue" });
        assert.equal(input(named(after, "cluster-eks"), "name"), "platform-dev-blue");
        assert.equal(input(named(after, "cluster-control-plane-logs"), "name"), "/aws/eks/platform-dev-blue/cluster");

        const stateful = (r: { type: string }) => STATEFUL.includes(r.type);
        const urns = (result: typeof before) => result.resources.filter(stateful).map((r) => r.urn).sort();
        assert.deepEqual(urns(after), urns(before), "the same stateful resources, under the same logical names");
        for (const type of ["aws:rds/cluster:Cluster", "aws:efs/fileSystem:FileSystem", "aws:ecr/repository:Repository", "aws:kms/key:Key"]) {
            assert.ok(ofType(before, type).length > 0, `dev plans no ${type}: this test would check nothing`);
        }
        const afterByUrn = new Map(after.resources.map((r) => [r.urn, r]));
        const changed = before.resources.filter(stateful).flatMap((r) => {
            const other = afterByUrn.get(r.urn)!;
            const keys = [...new Set([...Object.keys(r.inputs), ...Object.keys(other.inputs)])];
            return keys.filter((k) => JSON.stringify(r.inputs[k]) !== JSON.stringify(other.inputs[k])).map((k) => `${r.name}: ${k}`);
        });
        // Every physical name and replace-forcing input (clusterIdentifier, identifier, name,
        // kmsKeyId, availabilityZone...) is unchanged: only in-place updates remain.
        assert.deepEqual(changed.sort(), FOLLOWS_THE_CLUSTER);
    });
});
