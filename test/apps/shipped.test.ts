import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Manifest, podSpec } from "../../components/apps/checks";
import { checkPlannedApps, stackApps } from "../../scripts/offline/apps";
import { schemaProblems } from "../../scripts/offline/schema";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, checkedApps, plan, stacksOf } from "../support";
import { built } from "./overlays";

function object(app: string, stack: string, kind: string, name?: string): any {
    const found = built(app, stack).filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
    assert.equal(found.length, 1, `${app}/${stack}: expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0];
}
const containers = (m: Manifest): any[] => [...(podSpec(m)?.initContainers ?? []), ...(podSpec(m)?.containers ?? [])];

describe("the apps of the repository", () => {
    for (const stack of STACKS) {
        it(`${stack}: every overlay of an app that runs in the stack builds and passes the Kubernetes and Argo CD schemas and the platform contract`, async () => {
            const { apps, rendered, problems } = await checkedApps(stack);
            assert.ok(apps.length > 0, `no app runs in ${stack}`);
            assert.deepEqual(problems, []);
            assert.deepEqual(rendered.map((a) => a.app), apps.map((a) => a.descriptor.name));
        });
    }

    it("pins the shipped examples chat and db-metrics: the schema check reads the real objects, a misspelled or mistyped field fails it", () => {
        const deployment = structuredClone(object("chat", "dev", "Deployment", "api"));
        deployment.spec.template.spec.containers[0].resource = deployment.spec.template.spec.containers[0].resources;
        const cronJob = structuredClone(object("db-metrics", "dev", "CronJob"));
        cronJob.spec.concurrencyPolicy = ["Forbid"];
        const problems = schemaProblems([
            { where: "apps/chat/overlays/dev", manifest: deployment },
            { where: "apps/db-metrics/overlays/dev", manifest: cronJob },
        ]);
        assert.ok(problems.some((p) => /^apps\/chat\/overlays\/dev: Deployment\/api: .*'"resource"' does not exist/.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^apps\/db-metrics\/overlays\/dev: CronJob\/collect: .*concurrencyPolicy/.test(p)), problems.join("\n"));
    });

    it("catches an image outside the platform's repositories, and a tag other than the overlay's", async () => {
        const result = await plan("dev");
        // Any app shows it: the first one of the stack.
        const [spec] = stackApps("dev");
        assert.ok(spec, "no app runs in dev");
        const app = spec.descriptor.name;
        const [image, tag] = Object.entries(spec.imageTags)[0];
        const repository = `${result.outputs.clusterName}/${app}/${image}`;
        const withoutRepository = { ...result, resources: result.resources.filter((r) => !(r.type === "aws:ecr/repository:Repository" && r.inputs.name === repository)) };
        assert.equal(withoutRepository.resources.length, result.resources.length - 1, repository);
        const missing = checkPlannedApps(withoutRepository, [spec]).problems;
        assert.ok(missing.some((p) => p.endsWith(`/${repository}:${tag} is not in a repository the platform creates`)), missing.join("\n"));
        const otherTag = tag === "fedcba9" ? "abcdef0" : "fedcba9";
        const moved = checkPlannedApps(result, [{ ...spec, imageTags: { ...spec.imageTags, [image]: otherTag } }]).problems;
        assert.ok(moved.some((p) => p.endsWith(`: tag ${tag} is not the one the overlay pins`)), moved.join("\n"));
    });

    for (const stack of STACKS) {
        it(`${stack}: every app pins its image tags in the overlay and runs every container as the contract demands`, () => {
            const apps = stackApps(stack);
            assert.ok(apps.length > 0, `no app runs in ${stack}`);
            for (const spec of apps) {
                const app = spec.descriptor.name;
                const all = built(app, stack).flatMap(containers);
                assert.ok(all.length > 0, `${app}/${stack} runs no container`);
                for (const c of all) {
                    assert.match(c.image, new RegExp(`^${app}/[a-z0-9._-]+:[0-9a-f]{7,40}$`), `${app}/${stack} ${c.name}`);
                    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${app}/${stack} ${c.name}`);
                }
            }
        });
    }

    it("pins the shipped examples: dev and prd differ the way real environments do (hosts, replicas, resources, schedules)", () => {
        const differs = (app: string, kind: string, name: string | undefined, pick: (m: any) => unknown) => {
            const [dev, prd] = ["dev", "prd"].map((s) => JSON.stringify(pick(object(app, s, kind, name))));
            assert.notEqual(dev, prd, `${app} ${kind} ${name ?? ""}: dev and prd are the same (${dev})`);
        };
        differs("chat", "Ingress", "chat", (m) => m.spec.rules.map((r: any) => r.host));
        differs("chat", "HorizontalPodAutoscaler", "api", (m) => [m.spec.minReplicas, m.spec.maxReplicas]);
        differs("chat", "Deployment", "web", (m) => m.spec.replicas);
        differs("chat", "Deployment", "api", (m) => m.spec.template.spec.containers[0].resources);
        differs("slack-bot", "Deployment", "bot", (m) => m.spec.template.spec.containers[0].resources);
        differs("opensearch-merge", "CronJob", undefined, (m) => m.spec.schedule);
        differs("db-metrics", "CronJob", undefined, (m) => m.spec.schedule);
    });

    it("pins the shipped example chat: web and API behind an ALB Ingress (ip targets, HTTPS-ready), an HPA, and migrations as a PreSync hook", () => {
        const ingress = object("chat", "prd", "Ingress", "chat");
        const annotations = ingress.metadata.annotations;
        assert.equal(ingress.spec.ingressClassName, "alb");
        assert.equal(annotations["alb.ingress.kubernetes.io/target-type"], "ip");
        assert.deepEqual(JSON.parse(annotations["alb.ingress.kubernetes.io/listen-ports"]), [{ HTTP: 80 }, { HTTPS: 443 }]);
        assert.equal(annotations["alb.ingress.kubernetes.io/ssl-redirect"], "443");
        // The controller finds the ACM certificate by host: no certificate ARN, no account id in git.
        assert.deepEqual(ingress.spec.tls.flatMap((t: any) => t.hosts), ["chat.example.com"]);
        assert.equal(annotations["alb.ingress.kubernetes.io/certificate-arn"], undefined);
        const hpa = object("chat", "prd", "HorizontalPodAutoscaler", "api");
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "api" });
        const migrate = object("chat", "prd", "Job", "migrate");
        assert.equal(migrate.metadata.annotations["argocd.argoproj.io/hook"], "PreSync");
        assert.ok(migrate.metadata.annotations["argocd.argoproj.io/hook-delete-policy"]);
        assert.ok(containers(migrate).every((c) => c.envFrom?.some((e: any) => e.secretRef?.name === "database")));
        for (const name of ["web", "api"]) {
            const [c] = containers(object("chat", "prd", "Deployment", name));
            assert.ok(c.readinessProbe && c.livenessProbe, name);
        }
    });

    it("pins the shipped example slack-bot: one bot on its EFS volume, its Slack token from a Secret that is not in git", () => {
        const bot = object("slack-bot", "prd", "Deployment", "bot");
        const pod = podSpec(bot);
        assert.equal(bot.spec.strategy.type, "Recreate");
        assert.ok(pod.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === "data"));
        const secretRefs = containers(bot).flatMap((c) => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name)).filter(Boolean);
        assert.deepEqual([...new Set(secretRefs)], ["slack"]);
        assert.ok(!built("slack-bot", "prd").some((m) => m.kind === "Secret"), "the Slack token must not be in git");
    });

    for (const [app, script] of [["opensearch-merge", "merge.sh"], ["db-metrics", "collect.sh"]] as const) {
        it(`pins the shipped example ${app}: a CronJob in Tokyo time that never overlaps, runs ${script} from the app folder, with bounded history and retries`, () => {
            const stacks = stacksOf(app);
            assert.ok(stacks.length > 0, `${app} runs in no stack`);
            for (const stack of stacks) {
                const cron = object(app, stack, "CronJob");
                assert.equal(cron.spec.timeZone, "Asia/Tokyo");
                assert.equal(cron.spec.concurrencyPolicy, "Forbid");
                assert.ok(cron.spec.successfulJobsHistoryLimit >= 1 && cron.spec.failedJobsHistoryLimit >= 1);
                assert.ok(Number.isInteger(cron.spec.jobTemplate.spec.backoffLimit));
                // configMapGenerator: the script's ConfigMap carries a content hash in its name.
                const configMap = object(app, stack, "ConfigMap");
                assert.equal(configMap.data[script], fs.readFileSync(path.join(REPO_ROOT, "apps", app, "base", script), "utf8"));
                assert.ok(podSpec(cron).volumes.some((v: any) => v.configMap?.name === configMap.metadata.name));
            }
        });
    }
});
