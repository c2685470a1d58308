import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { APPS_DIR, DESCRIPTOR_FILE } from "../components/apps/discover";
import { checkPlannedApps, stackApps, startArgoRenders, startOverlayBuilds } from "../scripts/offline/apps";
import { PlanResult, Program, RecordedResource, runProgram } from "../scripts/offline/engine";
import { InvokeMock } from "../scripts/offline/mocks";
import { loadConfig, type PlatformConfig } from "../components/config/load";
import { projectStacks } from "../scripts/offline/stacks";
import { loadProgram } from "../scripts/plan";
import { REPO_ROOT, StackConfig, readStackConfig } from "../scripts/offline/stack-config";

/** A derived list that must not be empty: a test over an empty list would check nothing. */
function nonEmpty<T>(list: T[], what: string): T[] {
    if (list.length === 0) throw new Error(`no ${what} found: the tests over every one of them would check nothing`);
    return list;
}

/** The stacks of a project folder: one per `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, sorted. */
export function stackNames(root: string = REPO_ROOT): string[] {
    return nonEmpty(projectStacks(root), `Pulumi.<stack>.yaml in ${root}`);
}

/** The apps of a project folder: one per `apps/<app>/app.yaml`, sorted (what runs in a stack: `stackApps`). */
export function appNames(root: string = REPO_ROOT): string[] {
    const dir = path.join(root, APPS_DIR);
    return nonEmpty(
        fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, DESCRIPTOR_FILE))).map((e) => e.name).sort(),
        `${APPS_DIR}/<app>/${DESCRIPTOR_FILE} in ${root}`,
    );
}

/** Every stack of the repository (adding a stack is adding its `Pulumi.<stack>.yaml`). */
export const STACKS: readonly string[] = stackNames();
/** Every app of the repository (adding an app is adding its folder under `apps/`). */
export const APPS: readonly string[] = appNames();

/** The apps that run in a stack (app.yaml's `stacks` and the stack file's switches), as the program finds them. */
export { stackApps };

/** A stack's config as the program loads it, from its stack file (what tests expect per stack). */
export function stackConfig(stack: string): PlatformConfig {
    const raw = readStackConfig(stack);
    return loadConfig(raw.values, raw.project, stack);
}

/** The stacks an app runs in (its app.yaml's `stacks`, less the stacks whose config switches it off). */
export function stacksOf(app: string): string[] {
    return STACKS.filter((stack) => stackApps(stack).some((a) => a.descriptor.name === app));
}

// The mock runtime is process-global: runs are queued one after another.
let queue: Promise<unknown> = Promise.resolve();
const cache = new Map<string, Promise<PlanResult>>();

/**
 * Runs the program for a stack's real config files, with optional changes to the raw config
 * (`undefined` removes a key) and invoke results, as `pulumi up` runs it or (`preview`, default false)
 * as `pulumi preview` does. Runs of the unchanged stack files are cached.
 */
export function plan(
    stack: string,
    changes: Record<string, string | undefined> = {},
    invokes?: Record<string, InvokeMock>,
    preview = false,
): Promise<PlanResult> {
    const cacheable = Object.keys(changes).length === 0 && !invokes && !preview;
    if (cacheable && cache.has(stack)) return cache.get(stack)!;
    const config = withChanges(readStackConfig(stack), changes);
    const run = queued(() => loadProgram(), config, invokes, preview);
    if (cacheable) cache.set(stack, run);
    return run;
}

export function planProject(root: string, stack: string): Promise<PlanResult> {
    return queued(() => loadProgram(root), readStackConfig(stack, root));
}

function queued(load: () => Promise<Program>, config: StackConfig, invokes?: Record<string, InvokeMock>, preview = false): Promise<PlanResult> {
    const region = config.values[`${config.project}:region`] ?? "us-east-1";
    const run = queue.then(async () => runProgram(await load(), { config, region, invokes, preview }));
    queue = run.catch(() => undefined);
    return run;
}

/** The stack's config with keys (written without the `platform:` namespace) changed or removed. */
export function withChanges(config: StackConfig, changes: Record<string, string | undefined>): StackConfig {
    const values: Record<string, string> = { ...config.values };
    for (const [key, value] of Object.entries(changes)) {
        const name = key.includes(":") ? key : `${config.project}:${key}`;
        if (value === undefined) delete values[name];
        else values[name] = value;
    }
    return { ...config, values };
}

const checked = new Map<string, ReturnType<typeof checkedAppsOf>>();

/**
 * The apps of a stack's unchanged plan checked and rendered as the plan checks them
 * (`checkPlannedApps`), with the Kustomize builds run side by side as the plan runs them; once per
 * stack.
 * @param stack The stack whose real config files are planned.
 */
export function checkedApps(stack: string): ReturnType<typeof checkedAppsOf> {
    if (!checked.has(stack)) checked.set(stack, checkedAppsOf(stack));
    return checked.get(stack)!;
}

async function checkedAppsOf(stack: string) {
    const apps = stackApps(stack);
    const ahead = startOverlayBuilds(apps);
    const result = await plan(stack);
    startArgoRenders(ahead, result, apps);
    return { apps, ...checkPlannedApps(result, apps, REPO_ROOT, await ahead.settle()) };
}

/** Every recorded resource of a type. */
export function ofType(result: PlanResult, type: string): RecordedResource[] {
    return result.resources.filter((r) => r.type === type);
}

/** The one recorded resource with this logical name (throws when absent or ambiguous). */
export function named(result: PlanResult, name: string): RecordedResource {
    const found = result.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
    return found[0];
}

/** The resources under a component, at any depth. */
export function subtree(result: PlanResult, root: RecordedResource): RecordedResource[] {
    const below = result.resources.filter((r) => r.parent === root.urn);
    return below.flatMap((r) => [r, ...subtree(result, r)]);
}

/** Reads a nested input by dotted path. */
export function input(resource: RecordedResource, dotted: string): any {
    return dotted.split(".").reduce<any>((o, k) => (o == null ? undefined : o[k]), resource.inputs);
}

/** Whether `resource` waits for `other`, directly or through the resources it waits for. */
export function waitsFor(result: PlanResult, resource: RecordedResource, other: RecordedResource): boolean {
    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [resource.urn];
    while (stack.length) {
        const urn = stack.pop()!;
        if (urn === other.urn && urn !== resource.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        const r = byUrn.get(urn);
        // Resources also wait for the provider they are created with.
        stack.push(...(r?.dependencies ?? []), ...(r?.provider ? [r.provider] : []), ...Object.values(r?.providers ?? {}));
    }
    return false;
}

/**
 * Reads upstream reference data (chart default values, official IAM policy) from `test/upstream/`,
 * which the repository carries with its provenance so that tests need nothing outside the clone:
 * JSON or YAML, by extension. `relative` is a path inside that folder, e.g. from `upstreamFile`.
 */
export function readReference(relative: string): any {
    const file = path.join(REPO_ROOT, "test", "upstream", relative);
    // A missing file means a pinned version was bumped without its data: say how to fetch it.
    if (!fs.existsSync(file)) throw new Error(`test/upstream/${relative} is missing: after bumping a pinned version, run npm run refresh-upstream`);
    const text = fs.readFileSync(file, "utf8");
    return file.endsWith(".json") ? JSON.parse(text) : parse(text);
}
