/**
 * The apps of a planned stack, checked and rendered the way Argo CD will see them: every overlay is
 * built with `kubectl kustomize`, validated against the Kubernetes and Argo CD schemas, the
 * platform contract and what admission would refuse (Pod Security restricted, Fargate, the API
 * server's validation), and rendered again with the image overrides of the recorded Application.
 * The platform's own Jobs in the plan pass the same admission check.
 */
import * as path from "path";
import { stringify } from "yaml";
import { admissionProblems } from "../../components/apps/admission";
import { Manifest, checkAppManifests, podSpec } from "../../components/apps/checks";
import { appNamespace } from "../../components/apps/contract";
import { PauseSettings, idleFindings } from "../../components/apps/idle";
import { AppSpec, loadApps } from "../../components/apps/discover";
import { loadConfig } from "../../components/config/load";
import { rootName } from "../../components/naming";
import type { PlanResult, RecordedResource } from "./engine";
import { KustomizeError, kustomizeBuild, renderForArgo } from "./render";
import { schemaProblems } from "./schema";
import { REPO_ROOT, readStackConfig } from "./stack-config";

export const APPLICATION_TYPE = "kubernetes:argoproj.io/v1alpha1:Application";
export const APP_PROJECT_TYPE = "kubernetes:argoproj.io/v1alpha1:AppProject";
/** The platform's own Jobs (the database bootstrap): checked like an app's pods before they run. */
export const JOB_TYPE = "kubernetes:batch/v1:Job";

/** One app as Argo CD will apply it in the stack. */
export interface RenderedApp {
    readonly app: string;
    readonly sourcePath: string;
    /** The overlay's objects with Argo CD's image overrides applied. */
    readonly manifests: Manifest[];
}

/** The apps that run in a stack, from its config files (as the program finds them). */
export function stackApps(stack: string, root = REPO_ROOT): AppSpec[] {
    const config = readStackConfig(stack, root);
    const loaded = loadConfig(config.values, config.project, stack);
    return loadApps(root, stack, loaded.apps, `${config.project}:apps`, rootName(loaded.project, loaded.stack));
}

/** A recorded Argo CD object as the manifest the Kubernetes provider would apply. */
export function recordedManifest(r: RecordedResource): Manifest {
    const { apiVersion, kind, metadata, spec } = r.inputs as any;
    return { apiVersion, kind, metadata, spec };
}

/**
 * A recorded Job as the manifest the Kubernetes provider would apply: its inputs, named by the
 * logical name when the program leaves the name to Pulumi (which appends a random suffix to it).
 */
export function recordedJob(r: RecordedResource): Manifest {
    const inputs = r.inputs as any;
    return { apiVersion: "batch/v1", kind: "Job", ...inputs, metadata: { ...inputs.metadata, name: inputs.metadata?.name ?? r.name } };
}

/**
 * Checks every app of a plan and renders it for Argo CD.
 *
 * @param plan The stack's plan (the program on the mock runtime).
 * @param apps The apps that run in the stack ({@link stackApps}).
 * @param root The project folder holding `apps/` (default: this repository).
 * @returns The rendered apps, and every problem found, each naming the overlay or object: an
 *          app's as `apps/<app>/overlays/<stack>: <Kind>/<name>: ...`, the plan's own Jobs as
 *          `plan <stack>: Job/<name>: ...`; and the warnings (a CronJob that keeps a pausing
 *          database awake with its app's consent, `keepsDatabaseAwake`), named the same way.
 */
export function checkPlannedApps(plan: PlanResult, apps: readonly AppSpec[], root = REPO_ROOT): { rendered: RenderedApp[]; problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    // The planned Aurora cluster's scaling is the stack's dbMinCapacity and dbSecondsUntilAutoPause.
    const scaling = (plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster")?.inputs as any)?.serverlessv2ScalingConfiguration;
    const pause: PauseSettings | undefined = scaling && { minCapacity: Number(scaling.minCapacity), secondsUntilAutoPause: scaling.secondsUntilAutoPause };
    const argo = plan.resources.filter((r) => r.type === APPLICATION_TYPE || r.type === APP_PROJECT_TYPE);
    problems.push(...schemaProblems(argo.map((r) => ({ where: `plan ${plan.stack}`, manifest: recordedManifest(r) }))));
    const repositories = new Set(plan.resources.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => r.inputs.name as string));
    problems.push(...admissionProblems(plan.resources.filter((r) => r.type === JOB_TYPE).map(recordedJob), `plan ${plan.stack}`));

    const rendered: RenderedApp[] = [];
    for (const spec of apps) {
        const app = spec.descriptor.name;
        const overlay = path.join(root, spec.sourcePath);
        let built: Manifest[];
        try {
            built = kustomizeBuild(overlay);
        } catch (err) {
            if (!(err instanceof KustomizeError)) throw err;
            problems.push(`${spec.sourcePath}: app ${app}: kubectl kustomize failed: ${err.kustomizeMessage}`);
            continue;
        }
        problems.push(...schemaProblems(built.map((manifest) => ({ where: spec.sourcePath, manifest }))));
        problems.push(...checkAppManifests(spec.descriptor, appNamespace(app), built, spec.sourcePath));
        problems.push(...admissionProblems(built, spec.sourcePath));
        if (pause) {
            const idle = idleFindings(spec.descriptor, built, pause, spec.sourcePath);
            problems.push(...idle.problems);
            warnings.push(...idle.warnings);
        }

        const application = argo.find((r) => r.type === APPLICATION_TYPE && (r.inputs as any).metadata?.name === app);
        if (!application) {
            problems.push(`plan ${plan.stack}: no Argo CD Application for ${app}`);
            continue;
        }
        const source = (application.inputs as any).spec.source;
        if (source.path !== spec.sourcePath) problems.push(`plan ${plan.stack}: Application ${app} deploys ${source.path}, not ${spec.sourcePath}`);
        const manifests = renderForArgo(overlay, source.kustomize.images);
        // Every image Argo CD will pull is one of the platform's repositories, at the tag from git.
        for (const m of manifests) {
            const pod = podSpec(m);
            for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
                const match = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/(.+):([^:/]+)$/.exec(c.image);
                if (!match || !repositories.has(match[1])) {
                    problems.push(`${spec.sourcePath}: ${m.kind}/${m.metadata.name}: container ${c.name}: image ${c.image} is not in a repository the platform creates`);
                } else if (match[2] !== spec.imageTags[match[1].split("/").pop()!]) {
                    problems.push(`${spec.sourcePath}: ${m.kind}/${m.metadata.name}: container ${c.name}: tag ${match[2]} is not the one the overlay pins`);
                }
            }
        }
        rendered.push({ app, sourcePath: spec.sourcePath, manifests });
    }
    return { rendered, problems, warnings };
}

/** A rendered app as one multi-document YAML file, as `kubectl kustomize` prints it. */
export function renderedYaml(app: RenderedApp): string {
    return `# ${app.sourcePath} as Argo CD applies it (image overrides of the Application applied)\n` + app.manifests.map((m) => stringify(m)).join("---\n");
}
