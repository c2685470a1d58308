import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PlanResult, RecordedResource, runProgram } from "../scripts/offline/engine";
import { InvokeMock } from "../scripts/offline/mocks";
import { loadProgram } from "../scripts/plan";
import { REPO_ROOT, StackConfig, readStackConfig } from "../scripts/offline/stack-config";

export const STACKS = ["dev", "prd"] as const;
export type StackName = (typeof STACKS)[number];

// The mock runtime is process-global: runs are queued one after another.
let queue: Promise<unknown> = Promise.resolve();
const cache = new Map<string, Promise<PlanResult>>();

/**
 * Runs the program for a stack's real config files, with optional changes to the raw config
 * (`undefined` removes a key) and invoke results. Runs of the unchanged stack files are cached.
 */
export function plan(
    stack: string,
    changes: Record<string, string | undefined> = {},
    invokes?: Record<string, InvokeMock>,
): Promise<PlanResult> {
    const cacheable = Object.keys(changes).length === 0 && !invokes;
    if (cacheable && cache.has(stack)) return cache.get(stack)!;
    const config = withChanges(readStackConfig(stack), changes);
    const region = config.values[`${config.project}:region`] ?? "us-east-1";
    const run = queue.then(async () => runProgram(await loadProgram(), { config, region, invokes }));
    queue = run.catch(() => undefined);
    if (cacheable) cache.set(stack, run);
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
 * Reads upstream data from the team's shared reference folder (../shared/reference beside the
 * repository, as on every machine and in CI): JSON or YAML, by extension.
 */
export function readReference(relative: string): any {
    const file = path.join(REPO_ROOT, "..", "shared", "reference", relative);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: the shared reference data must sit beside the repository`);
    const text = fs.readFileSync(file, "utf8");
    return file.endsWith(".json") ? JSON.parse(text) : parse(text);
}
