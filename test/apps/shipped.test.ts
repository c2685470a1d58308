import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Manifest, podSpec } from "../../components/apps/checks";
import { checkPlannedApps, stackApps } from "../../scripts/offline/apps";
import { kustomizeBuild } from "../../scripts/offline/render";
import { schemaProblems } from "../../scripts/offline/schema";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, plan } from "../support";

const SHIPPED = ["chat", "db-metrics", "opensearch-merge", "slack-bot"];

const builds = new Map<string, Manifest[]>();
/** The objects of an app's overlay for a stack (built once). */
function built(app: string, stack: string): Manifest[] {
    const key = `${app}/${stack}`;
    if (!builds.has(key)) builds.set(key, kustomizeBuild(path.join(REPO_ROOT, "apps", app, "overlays", stack)));
    return builds.get(key)!;
}
function object(app: string, stack: string, kind: string, name?: string): any {
    const found = built(app, stack).filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
    assert.equal(found.length, 1, `${app}/${stack}: expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0];
}
const containers = (m: Manifest): any[] => [...(podSpec(m)?.initContainers ?? []), ...(podSpec(m)?.containers ?? [])];

describe("shipped apps", () => {
    for (const stack of STACKS) {
        it(`${stack}: every overlay builds and passes the Kubernetes and Argo CD schemas and the platform contract`, async () => {
            const { rendered, problems } = checkPlannedApps(await plan(stack), stackApps(stack));
            assert.deepEqual(problems, []);
            assert.deepEqual(rendered.map((a) => a.app), SHIPPED);
        });
    }

    it("the schema check reads the real objects: a misspelled or mistyped field fails it", () => {
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
        const withoutRepositories = { ...result, resources: result.resources.filter((r) => !(r.type === "aws:ecr/repository:Repository" && r.name.startsWith("app-chat-image-web"))) };
        const chat = stackApps("dev").filter((a) => a.descriptor.name === "chat");
        assert.ok(checkPlannedApps(withoutRepositories, chat).problems.some((p) => /container web: image .*\/platform-dev\/chat\/web:\w+ is not in a repository the platform creates/.test(p)));
        const otherTag = [{ ...chat[0], imageTags: { ...chat[0].imageTags, api: "fedcba9" } }];
        assert.ok(checkPlannedApps(result, otherTag).problems.some((p) => /container api: tag \w+ is not the one the overlay pins/.test(p)));
    });

    it("pin image tags in the overlays and run every container as the contract demands", () => {
        for (const app of SHIPPED) {
            for (const stack of STACKS) {
                for (const m of built(app, stack)) {
                    for (const c of containers(m)) {
                        assert.match(c.image, new RegExp(`^${app}/[a-z]+:[0-9a-f]{7,40}$`), `${app}/${stack} ${c.name}`);
                        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                    }
                }
            }
        }
    });

    it("dev and prd differ the way real environments do: hosts, replicas, resources, schedules", () => {
        const differs = (app: string, kind: string, name: string | undefined, pick: (m: any) => unknown) => {
            const [dev, prd] = STACKS.map((s) => JSON.stringify(pick(object(app, s, kind, name))));
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

    it("chat: web and API behind an ALB Ingress (ip targets, HTTPS-ready), an HPA, and migrations as a PreSync hook", () => {
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

    it("slack-bot: one bot on its EFS volume, its Slack token from a Secret that is not in git", () => {
        const bot = object("slack-bot", "prd", "Deployment", "bot");
        const pod = podSpec(bot);
        assert.equal(bot.spec.strategy.type, "Recreate");
        assert.ok(pod.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === "data"));
        const secretRefs = containers(bot).flatMap((c) => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name)).filter(Boolean);
        assert.deepEqual([...new Set(secretRefs)], ["slack"]);
        assert.ok(!built("slack-bot", "prd").some((m) => m.kind === "Secret"), "the Slack token must not be in git");
    });

    for (const [app, script] of [["opensearch-merge", "merge.sh"], ["db-metrics", "collect.sh"]] as const) {
        it(`${app}: a CronJob in Tokyo time that never overlaps, runs ${script} from the app folder, with bounded history and retries`, () => {
            for (const stack of STACKS) {
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
