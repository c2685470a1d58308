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
import { BUILD_ON_DEMAND, Builds, BuildsAhead, KustomizeError } from "./render";
import { schemaProblemsOfGroups } from "./schema";
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

/**
 * Starts the Kustomize builds of the apps' overlays in child processes, beside the program's run.
 * @param apps The apps that run in the stack ({@link stackApps}).
 * @param root The project folder holding `apps/` (default: this repository).
 * @returns The builds under way, for {@link startArgoRenders} and {@link BuildsAhead.settle}.
 */
export function startOverlayBuilds(apps: readonly AppSpec[], root = REPO_ROOT): BuildsAhead {
    const ahead = new BuildsAhead();
    for (const spec of apps) ahead.overlay(path.join(root, spec.sourcePath));
    return ahead;
}

/** The recorded Argo CD Application of an app, if the plan has one. */
function applicationOf(argo: readonly RecordedResource[], app: string): RecordedResource | undefined {
    return argo.find((r) => r.type === APPLICATION_TYPE && (r.inputs as any).metadata?.name === app);
}

/**
 * Starts the renders {@link checkRenders} will ask for, as soon as the plan is known: each app's
 * overlay with the image overrides of its recorded Application, as Argo CD applies it.
 * @param ahead The builds under way ({@link startOverlayBuilds}).
 * @param plan The stack's plan.
 * @param apps The apps that run in the stack.
 * @param root The project folder holding `apps/` (default: this repository).
 */
export function startArgoRenders(ahead: BuildsAhead, plan: PlanResult, apps: readonly AppSpec[], root = REPO_ROOT): void {
    for (const spec of apps) {
        const images = (applicationOf(plan.resources, spec.descriptor.name)?.inputs as any)?.spec?.source?.kustomize?.images;
        if (Array.isArray(images)) ahead.forArgo(path.join(root, spec.sourcePath), images);
    }
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

/** An app whose overlay was checked ({@link checkOverlays}): what its render for Argo CD needs. */
export interface CheckedApp {
    readonly spec: AppSpec;
    /** The overlay folder. */
    readonly overlay: string;
    /** Its problems so far, in the order they are reported. */
    readonly problems: string[];
    /** The image overrides of its Application; absent when the overlay did not build or the plan has no Application for it. */
    readonly images?: readonly string[];
}

/** The first step of {@link checkPlannedApps}: everything but the renders for Argo CD. */
export interface CheckedOverlays {
    /** The plan's own problems (its Argo CD objects' schemas, its Jobs' admission), reported first. */
    readonly problems: string[];
    readonly warnings: string[];
    readonly apps: readonly CheckedApp[];
    /** The ECR repositories the plan creates. */
    readonly repositories: ReadonlySet<string>;
}

/**
 * Checks every app of a plan and renders it for Argo CD: {@link checkOverlays}, then
 * {@link checkRenders}.
 *
 * @param plan The stack's plan (the program on the mock runtime).
 * @param apps The apps that run in the stack ({@link stackApps}).
 * @param root The project folder holding `apps/` (default: this repository).
 * @param builds Where the Kustomize builds come from (default: run when needed, one after another;
 *        the plan passes builds it started ahead, {@link startOverlayBuilds}).
 * @returns The rendered apps, and every problem found, each naming the overlay or object: an
 *          app's as `apps/<app>/overlays/<stack>: <Kind>/<name>: ...`, the plan's own Jobs as
 *          `plan <stack>: Job/<name>: ...`; and the warnings (a CronJob that keeps a pausing
 *          database awake with its app's consent, `keepsDatabaseAwake`), named the same way.
 */
export function checkPlannedApps(plan: PlanResult, apps: readonly AppSpec[], root = REPO_ROOT, builds: Builds = BUILD_ON_DEMAND): { rendered: RenderedApp[]; problems: string[]; warnings: string[] } {
    return checkRenders(checkOverlays(plan, apps, root, builds), builds);
}

/**
 * The checks that need no render for Argo CD, which the plan runs while the renders are under
 * way: the plan's Argo CD objects against their schemas and its Jobs against admission; each app's
 * overlay built, against the schemas, the contract, admission and its database's auto-pause; and
 * each app's Application found.
 *
 * @param plan The stack's plan.
 * @param apps The apps that run in the stack ({@link stackApps}).
 * @param root The project folder holding `apps/` (default: this repository).
 * @param builds Where the overlays' builds come from (default: run now, one after another).
 */
export function checkOverlays(plan: PlanResult, apps: readonly AppSpec[], root = REPO_ROOT, builds: Builds = BUILD_ON_DEMAND): CheckedOverlays {
    const warnings: string[] = [];
    // The planned Aurora cluster's scaling is the stack's dbMinCapacity and dbSecondsUntilAutoPause.
    const scaling = (plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster")?.inputs as any)?.serverlessv2ScalingConfiguration;
    const pause: PauseSettings | undefined = scaling && { minCapacity: Number(scaling.minCapacity), secondsUntilAutoPause: scaling.secondsUntilAutoPause, namespace: plan.project };
    const argo = plan.resources.filter((r) => r.type === APPLICATION_TYPE || r.type === APP_PROJECT_TYPE);
    const repositories = new Set(plan.resources.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => r.inputs.name as string));

    const overlays = apps.map((spec) => {
        const overlay = path.join(root, spec.sourcePath);
        try {
            return { spec, overlay, built: builds.overlay(overlay) };
        } catch (err) {
            if (!(err instanceof KustomizeError)) throw err;
            return { spec, overlay, failure: `${spec.sourcePath}: app ${spec.descriptor.name}: kubectl kustomize failed: ${err.kustomizeMessage}` };
        }
    });
    // Every schema at once: the plan's Argo CD objects, then each overlay that built.
    const [argoSchema, ...overlaySchemas] = schemaProblemsOfGroups([
        argo.map((r) => ({ where: `plan ${plan.stack}`, manifest: recordedManifest(r) })),
        ...overlays.flatMap((o) => (o.built ? [o.built.map((manifest) => ({ where: o.spec.sourcePath, manifest }))] : [])),
    ]);
    const problems = [...argoSchema, ...admissionProblems(plan.resources.filter((r) => r.type === JOB_TYPE).map(recordedJob), `plan ${plan.stack}`)];

    const checked = overlays.map(({ spec, overlay, built, failure }): CheckedApp => {
        const app = spec.descriptor.name;
        if (!built) return { spec, overlay, problems: [failure!] };
        const own = [...overlaySchemas.shift()!];
        own.push(...checkAppManifests(spec.descriptor, appNamespace(app), built, spec.sourcePath));
        own.push(...admissionProblems(built, spec.sourcePath));
        if (pause) {
            const idle = idleFindings(spec.descriptor, built, pause, spec.sourcePath);
            own.push(...idle.problems);
            warnings.push(...idle.warnings);
        }
        const application = applicationOf(argo, app);
        if (!application) return { spec, overlay, problems: [...own, `plan ${plan.stack}: no Argo CD Application for ${app}`] };
        const source = (application.inputs as any).spec.source;
        if (source.path !== spec.sourcePath) own.push(`plan ${plan.stack}: Application ${app} deploys ${source.path}, not ${spec.sourcePath}`);
        return { spec, overlay, problems: own, images: source.kustomize.images };
    });
    return { problems, warnings, apps: checked, repositories };
}

/**
 * The second step: each app whose overlay built and has an Application, rendered as Argo CD
 * applies it, with every image one of the platform's repositories at the tag from git.
 *
 * @param checked What {@link checkOverlays} found.
 * @param builds Where the renders come from (default: run now, one after another).
 * @returns As {@link checkPlannedApps}: the plan's problems, then each app's, in the apps' order.
 */
export function checkRenders(checked: CheckedOverlays, builds: Builds = BUILD_ON_DEMAND): { rendered: RenderedApp[]; problems: string[]; warnings: string[] } {
    const problems = [...checked.problems];
    const rendered: RenderedApp[] = [];
    for (const { spec, overlay, problems: own, images } of checked.apps) {
        problems.push(...own);
        if (!images) continue;
        const manifests = builds.forArgo(overlay, images);
        // Every image Argo CD will pull is one of the platform's repositories, at the tag from git.
        for (const m of manifests) {
            const pod = podSpec(m);
            for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
                const match = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/(.+):([^:/]+)$/.exec(c.image);
                if (!match || !checked.repositories.has(match[1])) {
                    problems.push(`${spec.sourcePath}: ${m.kind}/${m.metadata.name}: container ${c.name}: image ${c.image} is not in a repository the platform creates`);
                } else if (match[2] !== spec.imageTags[match[1].split("/").pop()!]) {
                    problems.push(`${spec.sourcePath}: ${m.kind}/${m.metadata.name}: container ${c.name}: tag ${match[2]} is not the one the overlay pins`);
                }
            }
        }
        rendered.push({ app: spec.descriptor.name, sourcePath: spec.sourcePath, manifests });
    }
    return { rendered, problems: [...problems], warnings: [...checked.warnings] };
}

/** A rendered app as one multi-document YAML file, as `kubectl kustomize` prints it. */
export function renderedYaml(app: RenderedApp): string {
    return `# ${app.sourcePath} as Argo CD applies it (image overrides of the Application applied)\n` + app.manifests.map((m) => stringify(m)).join("---\n");
}
