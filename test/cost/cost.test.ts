import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CostIo, PRICES_DIR, loadPrices, parseCostArgs, pricedRegions, runCost } from "../../scripts/cost";
import { cronFrequency, keepsAwake } from "../../scripts/cost/cron";
import { AppManifests, DEFAULT_ASSUMPTIONS, Estimate, PlannedResource, diffEstimates, estimate, fargateSize, renderEstimate } from "../../scripts/cost/model";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { checkedApps, plan, stackApps } from "../support";

const TOKYO = loadPrices("ap-northeast-1");
const H = 730;

/** A pod of one container with these requests. */
const pod = (cpu: string, memory: string) => ({ containers: [{ resources: { requests: { cpu, memory } } }] });

/** A planned resource (urn = name, parent by name). */
const res = (type: string, name: string, inputs: any = {}, parent?: string): PlannedResource => ({ type, name, urn: name, parent, inputs });

/** An app's Deployment with one container. */
const deployment = (name: string, cpu: string, memory: string, replicas?: number) => ({
    kind: "Deployment",
    metadata: { name },
    spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: pod(cpu, memory) } },
});
const cronJob = (name: string, schedule: string, cpu = "250m", memory = "256Mi") => ({
    kind: "CronJob",
    metadata: { name },
    spec: { schedule, jobTemplate: { spec: { template: { spec: pod(cpu, memory) } } } },
});

/** The total within a cent per item (each item is rounded to cents). */
function assertTotal(e: Estimate, expected: number) {
    assert.ok(Math.abs(e.total - expected) <= 0.01 * (e.items.length + 1), `total ${e.total}, hand-computed ${expected.toFixed(4)}\n${renderEstimate(e)}`);
}

describe("cost: what a stack costs a month", () => {
    describe("the shipped stacks, against hand-computed figures (ap-northeast-1 prices, 730 h)", () => {
        // Unit prices of scripts/cost/prices/ap-northeast-1.json, written out so a changed price file shows here.
        const vcpuH = 0.05056;
        const gbH = 0.00553;
        const pod025 = (0.25 * vcpuH + 0.5 * gbH) * H; // 0.25 vCPU / 0.5 GB all month: 11.24565
        const pod05 = (0.5 * vcpuH + 1 * gbH) * H; // 0.5 vCPU / 1 GB all month: 22.4913
        const run025 = (5 / 60) * (0.25 * vcpuH + 0.5 * gbH); // one 5-minute CronJob run at 0.25 vCPU / 0.5 GB
        const run05 = (5 / 60) * (0.5 * vcpuH + 1 * gbH);
        const eks = 0.1 * H; // standard support
        const nat = 0.062 * H;
        const ipv4 = 0.005 * H;
        const alb = (0.0243 + 1 * 0.008) * H; // 1 LCU assumed
        const kms = 1;
        const secret = 0.4; // Aurora's managed master password
        const auroraStorage = 10 * 0.12; // 10 GB assumed
        const acu05 = 0.5 * H * 0.15; // 0.5 ACU all month
        const efs = 5 * 0.36; // 5 GB assumed
        const ecr = 1 * 0.1; // 1 GB per repository assumed
        const logs = (days: number) => 1 * 0.76 + ((1 * days) / 30) * 0.033; // 1 GB/month ingested, days/30 months kept
        // The apps as Argo CD applies them: each overlay built with its Application's image overrides,
        // as the plan writes them. The renders of the stack's unchanged plan are test/support.ts's
        // checkedApps (the plan's own renders, run once per stack and shared with the apps' tests);
        // every app that runs in the stack is there, each with the renders' own copy of its objects.
        const rendered = async (stack: string) => {
            const result = await plan(stack);
            const checked = await checkedApps(stack);
            assert.deepEqual(
                checked.rendered.map((r) => r.app),
                stackApps(stack).map((spec) => spec.descriptor.name),
                `${stack}: an app has no render for Argo CD (its overlay does not build or it has no Application): ${checked.problems.join("; ")}`,
            );
            const apps = checked.rendered.map((r) => ({ app: r.app, manifests: structuredClone(r.manifests) }));
            return estimate(stack, result.resources, apps, TOKYO);
        };

        it("dev", async () => {
            const e = await rendered("dev");
            const expected =
                eks +
                2 * pod025 + // CoreDNS, 2 replicas of 100m/70Mi
                1 * nat +
                1 * ipv4 + // the NAT gateway's Elastic IP
                4 * kms + // logs, cluster secrets, database, files
                3 * logs(14) + // control plane, containers, postgresql
                0 + // Aurora: min 0 ACU and db-metrics every 3 hours lets it pause after 1800 s
                auroraStorage +
                secret +
                efs +
                1 * pod025 + // Load Balancer Controller
                1 * pod025 + // metrics-server
                4 * pod025 + // Argo CD: controller, server, repo server, Redis (ApplicationSet at 0 replicas, Dex and notifications off)
                2 * pod025 + // chat: api (HPA min 1) and web, 250m/256Mi each
                alb +
                2 * ipv4 + // chat's internet-facing ALB in 2 public subnets
                5 * ecr +
                ((8 * 365) / 12) * run025 + // db-metrics "0 */3 * * *"
                (261 / 12) * run025 + // opensearch-merge "0 10 * * 1-5": 261 weekdays in 2026
                1 * pod025; // slack-bot
            assertTotal(e, expected);
            assert.deepEqual(e.risks, []);
            assert.deepEqual(e.notPriced.map((x) => x.what).sort(), ["Argo CD redis-secret-init hook Job", "Job app-chat-database-bootstrap", "Job app-db-metrics-database-bootstrap", "Job migrate"]);
        });

        it("prd", async () => {
            const e = await rendered("prd");
            const expected =
                eks +
                2 * pod025 + // CoreDNS
                3 * nat +
                3 * ipv4 + // one NAT gateway and its Elastic IP per AZ
                4 * kms +
                logs(90) + // flow logs
                logs(365) + // control plane
                logs(90) + // containers
                logs(90) + // postgresql
                logs(90) + // RDSOSMetrics (Enhanced Monitoring)
                2 * acu05 + // 2 instances at min 0.5 ACU
                auroraStorage +
                secret +
                efs +
                2 * pod025 + // Load Balancer Controller
                2 * pod025 + // metrics-server
                (1 + 2 + 2 + 3 + 3) * pod025 + // Argo CD HA: controller, 2 servers, 2 repo servers, 3 redis-ha, 3 HAProxy (ApplicationSet at 0 replicas)
                2 * pod05 + // chat api: HPA min 2, 500m/768Mi + 256 MiB = 0.5 vCPU / 1 GB
                2 * pod025 + // chat web
                alb +
                3 * ipv4 + // the ALB in 3 public subnets
                5 * ecr +
                ((12 * 24 * 365) / 12) * run025 + // db-metrics "*/5 * * * *"
                (365 / 12) * run05 + // opensearch-merge "30 3 * * *", 500m/768Mi
                1 * pod05; // slack-bot, 500m/768Mi
            assertTotal(e, expected);
            assert.deepEqual(e.risks, []);
            assert.ok(e.notPriced.some((x) => /Aurora backups/.test(x.what)) && e.notPriced.some((x) => /EFS backups/.test(x.what)));
        });

        it("the README's figures are the model's: each shipped stack's total", async () => {
            const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
            const row = readme.split("\n").find((l) => l.startsWith("| **total a month (USD)** |"));
            assert.ok(row, "README: the estimates table's total row");
            const totals = [...row.matchAll(/\*\*([\d.]+)\*\*/g)].map((m) => m[1]);
            assert.deepEqual(totals, [(await rendered("dev")).total.toFixed(2), (await rendered("prd")).total.toFixed(2)], "README's totals are stale: npm run cost -- dev / prd");
        });
    });

    describe("pricing rules", () => {
        it("Fargate rounds a pod's requests (+256 MiB) up to a vCPU/memory combination", () => {
            assert.deepEqual(fargateSize(pod("250m", "256Mi")), { vcpu: 0.25, gb: 0.5 }); // 512 MiB exactly
            assert.deepEqual(fargateSize(pod("250m", "257Mi")), { vcpu: 0.25, gb: 1 });
            assert.deepEqual(fargateSize(pod("300m", "100Mi")), { vcpu: 0.5, gb: 1 });
            assert.deepEqual(fargateSize(pod("500m", "1Gi")), { vcpu: 0.5, gb: 2 });
            assert.deepEqual(fargateSize(pod("1500m", "1Gi")), { vcpu: 2, gb: 4 });
            assert.deepEqual(fargateSize({ containers: [] }), { vcpu: 0.25, gb: 0.5 });
            // Containers add up; the largest init container counts when it is larger.
            assert.deepEqual(fargateSize({ containers: [pod("250m", "256Mi").containers[0], pod("250m", "256Mi").containers[0]] }), { vcpu: 0.5, gb: 1 });
            assert.deepEqual(fargateSize({ containers: pod("100m", "64Mi").containers, initContainers: pod("1", "3Gi").containers }), { vcpu: 1, gb: 4 });
            // Limits only: Kubernetes requests the limits.
            assert.deepEqual(fargateSize({ containers: [{ resources: { limits: { cpu: "2", memory: "4Gi" } } }] }), { vcpu: 2, gb: 5 });
        });

        it("Deployments run their replicas, or their HPA's minReplicas", () => {
            const apps: AppManifests[] = [
                {
                    app: "web",
                    manifests: [
                        deployment("plain", "250m", "256Mi", 3),
                        deployment("scaled", "250m", "256Mi", 1),
                        deployment("default", "250m", "256Mi"),
                        { kind: "HorizontalPodAutoscaler", metadata: { name: "scaled" }, spec: { minReplicas: 4, maxReplicas: 9, scaleTargetRef: { kind: "Deployment", name: "scaled" } } },
                    ],
                },
            ];
            const e = estimate("t", [], apps, TOKYO);
            const perPod = (0.25 * 0.05056 + 0.5 * 0.00553) * H;
            assertTotal(e, (3 + 4 + 1) * perPod);
            assert.match(e.items.find((x) => x.what.startsWith("Deployment scaled"))!.basis, /^4 pods/);
        });

        it("CronJobs are priced per run from their schedule and the assumed run time", () => {
            assert.deepEqual(cronFrequency("*/30 * * * *"), { runsPerMonth: (48 * 365) / 12, minGapSeconds: 1800 });
            assert.deepEqual(cronFrequency("@daily"), { runsPerMonth: 365 / 12, minGapSeconds: 86400 });
            assert.deepEqual(cronFrequency("@every 2h"), { runsPerMonth: (12 * 365) / 12, minGapSeconds: 7200 });
            assert.equal(cronFrequency("0 9 * * mon-fri").runsPerMonth, 261 / 12); // 261 weekdays in 2026
            assert.equal(cronFrequency("0 0 1 * *").runsPerMonth, 1);
            assert.throws(() => cronFrequency("0 25 * * *"));
            // Every 15 minutes wakes a database that pauses after 1800 s; every 3 hours does not; a run's deadline counts.
            assert.equal(keepsAwake(900, 1800), true);
            assert.equal(keepsAwake(3 * 3600, 1800), false);
            assert.equal(keepsAwake(3600, 1800, 2000), true);
            assert.equal(keepsAwake(undefined, 1800), false);
            const e = estimate("t", [], [{ app: "batch", manifests: [cronJob("every-half-hour", "*/30 * * * *", "1", "1Gi"), cronJob("broken", "every day")] }], TOKYO);
            // 1 vCPU / 2 GB (1 GiB + 256 MiB rounds up), 1460 runs of 5 minutes.
            assertTotal(e, ((48 * 365) / 12) * (DEFAULT_ASSUMPTIONS.cronRunMinutes / 60) * (1 * 0.05056 + 2 * 0.00553));
            assert.match(e.notPriced[0].basis, /schedule "every day" not understood/);
            assert.ok(e.assumptions.includes("a CronJob's pod runs 5 minutes per run"));
        });

        it("the EKS control plane costs six times as much in extended support", () => {
            const cluster = (supportType: string) => [res("eks:index:Cluster", "eks", { name: "c", upgradePolicy: { supportType }, corednsAddonOptions: { enabled: false } })];
            assert.equal(estimate("t", cluster("STANDARD"), [], TOKYO).total, 0.1 * H);
            assert.equal(estimate("t", cluster("EXTENDED"), [], TOKYO).total, 0.6 * H);
        });

        describe("Aurora Serverless v2 at its minimum capacity", () => {
            const aurora = (minCapacity: number, schedule?: string): { resources: PlannedResource[]; apps: AppManifests[] } => ({
                resources: [
                    res("platform:data:Database", "database"),
                    res("aws:rds/cluster:Cluster", "cluster", { clusterIdentifier: "db", serverlessv2ScalingConfiguration: { minCapacity, maxCapacity: 4, secondsUntilAutoPause: 1800 } }, "database"),
                    res("aws:rds/clusterInstance:ClusterInstance", "instance", { clusterIdentifier: "db", identifier: "db-1", instanceClass: "db.serverless" }, "database"),
                    res("platform:apps:App", "app-metrics"),
                    res("platform:apps:AppDatabase", "app-metrics-database", {}, "app-metrics"),
                ],
                apps: schedule ? [{ app: "metrics", manifests: [cronJob("collect", schedule)] }] : [],
            });
            const instance = (e: Estimate) => e.items.find((x) => x.what.startsWith("Aurora Serverless v2"))!;

            it("costs nothing at rest when it may pause and nothing wakes it sooner", () => {
                const { resources, apps } = aurora(0, "0 */3 * * *");
                const e = estimate("t", resources, apps, TOKYO);
                assert.equal(instance(e).monthly, 0);
                assert.deepEqual(e.risks, []);
            });

            it("names the CronJob of a database app that keeps it awake, and prices the running minimum", () => {
                const { resources, apps } = aurora(0, "*/15 * * * *");
                const e = estimate("t", resources, apps, TOKYO);
                assert.equal(instance(e).monthly, Math.round(0.5 * H * 0.15 * 100) / 100);
                assert.equal(e.risks.length, 1);
                assert.match(e.risks[0], /metrics's CronJob collect \(\*\/15 \* \* \* \*, every 900 s.*db's secondsUntilAutoPause \(1800 s\) plus a run allows: the database never pauses$/);
            });

            it("a non-database app's CronJob does not keep it awake", () => {
                const { resources, apps } = aurora(0, "*/15 * * * *");
                const e = estimate("t", resources.filter((r) => r.type !== "platform:apps:AppDatabase"), apps, TOKYO);
                assert.equal(instance(e).monthly, 0);
                assert.deepEqual(e.risks, []);
            });

            it("costs its minimum capacity all month when it cannot pause", () => {
                const { resources } = aurora(1);
                assert.equal(instance(estimate("t", resources, [], TOKYO)).monthly, 1 * H * 0.15);
            });
        });

        it("lists what it cannot price, never counting it as zero", () => {
            const resources = [
                res("aws:opensearch/domain:Domain", "search"),
                res("kubernetes:helm.sh/v3:Release", "grafana", { chart: "grafana", values: {} }),
                res("aws:kms/key:Key", "key"),
            ];
            const e = estimate("t", resources, [{ app: "x", manifests: [{ kind: "Job", metadata: { name: "once" } }] }], TOKYO);
            assert.equal(e.total, 1);
            assert.deepEqual(
                e.notPriced.map((x) => x.what),
                ["aws:opensearch/domain:Domain search", "Helm release grafana (chart grafana)", "Job once"],
            );
            assert.ok(e.items.every((x) => x.monthly !== null));
            assert.match(renderEstimate(e), /Not priced \(not in the total\):\n {2}- stack: aws:opensearch\/domain:Domain search/);
        });

        it("a difference from the base branch, by group", () => {
            const base = estimate("t", [res("aws:kms/key:Key", "a")], [], TOKYO);
            const head = estimate("t", [res("aws:kms/key:Key", "a"), res("aws:ec2/natGateway:NatGateway", "nat")], [], TOKYO);
            const diff = diffEstimates(base, head);
            assert.deepEqual(diff, { stack: "t", base: 1, head: 1 + 0.062 * H, delta: 0.062 * H, groups: { stack: { base: 1, head: 1 + 0.062 * H, delta: 0.062 * H } } });
            assert.equal(diffEstimates(null, head).delta, null);
            assert.match(renderEstimate(head, diff), /Against the base branch: \$1\.00 → \$46\.26 \(\+\$45\.26 a month\)/);
            assert.match(renderEstimate(head, diffEstimates(null, head)), /the base has no estimate/);
        });
    });

    describe("prices", () => {
        it("are data per region (at least ap-northeast-1 and us-east-1), every price with its source", () => {
            const regions = pricedRegions();
            assert.ok(regions.includes("ap-northeast-1") && regions.includes("us-east-1"), regions.join(", "));
            const provenance = JSON.parse(fs.readFileSync(path.join(PRICES_DIR, "provenance.json"), "utf8"));
            assert.match(provenance.recorded, /^\d{4}-\d{2}-\d{2}$/);
            const keys = Object.keys(loadPrices("us-east-1")).filter((k) => k !== "region" && k !== "currency");
            for (const region of regions) {
                const p: any = loadPrices(region);
                assert.equal(p.region, region);
                assert.deepEqual(Object.keys(p).filter((k) => k !== "region" && k !== "currency"), keys, region);
                for (const k of keys) for (const [unit, v] of Object.entries(p[k])) assert.ok(typeof v === "number" && v > 0, `${region} ${k}.${unit}`);
            }
            for (const k of keys) assert.match(provenance.keys[k]?.source ?? "", /^https:\/\/aws\.amazon\.com\//, k);
        });
    });

    describe("npm run cost", () => {
        let root: string;
        const run = async (argv: string[]) => {
            let stdout = "";
            let stderr = "";
            const io: CostIo = { root, cwd: root, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
            return { code: await runCost(argv, io), stdout, stderr };
        };
        const writePlan = (stack: string, region: string) => {
            fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), "");
            fs.mkdirSync(path.join(root, ".plan", stack, "apps"), { recursive: true });
            const resources = [res("pulumi:providers:aws", "aws", { region }), res("aws:kms/key:Key", "key"), res("platform:apps:App", "app-web")];
            fs.writeFileSync(path.join(root, ".plan", stack, "plan.json"), JSON.stringify({ resources }));
            fs.writeFileSync(path.join(root, ".plan", stack, "apps", "web.yaml"), "# header\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{ name: web }]\n");
        };
        before(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "cost-"));
            fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: platform\n");
            writePlan("dev", "us-east-1");
            writePlan("eu", "eu-west-9");
        });
        after(() => fs.rmSync(root, { recursive: true, force: true }));

        it("--json gives the estimate as data: total, groups per component and app, items, not priced, risks, assumptions", async () => {
            const { code, stdout, stderr } = await run(["dev", "--planned", "--json"]);
            assert.equal(code, 0, stderr);
            const e = JSON.parse(stdout);
            assert.deepEqual(Object.keys(e), ["stack", "region", "currency", "total", "groups", "items", "notPriced", "risks", "assumptions"]);
            const web = Math.round(2 * (0.25 * 0.04048 + 0.5 * 0.004445) * H * 100) / 100;
            assert.deepEqual(e.groups, { stack: 1, "app web": web });
            assert.equal(e.total, Math.round((1 + web) * 100) / 100);
            assert.deepEqual(Object.keys(e.items[0]), ["group", "what", "basis", "monthly"]);
            // The text says the same.
            const text = await run(["dev", "--planned"]);
            assert.match(text.stdout, new RegExp(`^dev \\(us-east-1\\): \\$${e.total.toFixed(2)} a month`));
        });

        it("--diff prints the head's estimate with its difference from the base's", async () => {
            const head = path.join(root, "head.json");
            const base = path.join(root, "base.json");
            fs.writeFileSync(head, (await run(["dev", "--planned", "--json"])).stdout);
            const baseEstimate = JSON.parse(fs.readFileSync(head, "utf8"));
            fs.writeFileSync(base, JSON.stringify({ ...baseEstimate, total: baseEstimate.total - 1, groups: { ...baseEstimate.groups, stack: 0 } }));
            const compared = await run(["--diff", base, head]);
            assert.equal(compared.code, 0, compared.stderr);
            assert.match(compared.stdout, /\(\+\$1\.00 a month\)\n {2}stack: \$0\.00 → \$1\.00 \(\+\$1\.00\)/);
            fs.writeFileSync(base, "");
            assert.match((await run(["--diff", base, head])).stdout, /the base has no estimate/);
            fs.writeFileSync(base, "{}");
            const bad = await run(["--diff", base, head]);
            assert.equal(bad.code, 2);
            assert.match(bad.stderr, /base\.json: not an estimate/);
        });

        it("refuses an unknown stack, a region without prices, a missing plan and bad arguments, plainly", async () => {
            const unknown = await run(["qa", "--planned"]);
            assert.equal(unknown.code, 2);
            assert.equal(unknown.stderr, "No stack qa (no Pulumi.qa.yaml); the stacks are: dev, eu\n");
            const region = await run(["eu", "--planned"]);
            assert.equal(region.code, 2);
            assert.match(region.stderr, /^No prices for region eu-west-9: add scripts\/cost\/prices\/eu-west-9\.json \(see provenance\.json\); the priced regions are: ap-northeast-1, us-east-1\n$/);
            fs.writeFileSync(path.join(root, "Pulumi.new.yaml"), "");
            const missing = await run(["new", "--planned"]);
            assert.equal(missing.code, 2);
            assert.match(missing.stderr, /^No plan of new in \.plan\/new\/plan\.json: run npm run plan -- new/);
            for (const argv of [[], ["dev", "prd"], ["dev", "--yaml"], ["--diff", "a.json"], ["../x"]]) {
                const r = await run(argv);
                assert.equal(r.code, 2, argv.join(" "));
                assert.match(r.stderr, /usage: npm run cost -- <stack>/, argv.join(" "));
                assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
            }
            assert.ok(typeof parseCostArgs(["dev", "--json"]) === "object");
        });
    });
});
