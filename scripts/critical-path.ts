/**
 * The cold `pulumi up` as a schedule: Pulumi creates a resource once everything it depends on
 * exists, as many at a time as the graph allows, so the first `up` of a stack lasts as long as its
 * longest chain of dependencies, weighted by how long AWS takes to create each resource
 * (`critical-path/create-times.json`, with the basis of every figure).
 *
 *   npx tsx scripts/critical-path.ts <stack>     (after `npm run plan -- <stack>`)
 *
 * prints that chain. The README's architecture section shows it for the shipped stacks, and
 * test/critical-path.test.ts keeps the two equal and proves what must and must not wait for what.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlanResult, RecordedResource } from "./offline/engine";

export interface CreateTime {
    readonly seconds: number;
    /** Where the figure comes from: a public page's figure, or an estimate said to be one. */
    readonly basis: string;
    readonly source?: string;
}

export interface CreateTimes {
    readonly default: CreateTime;
    readonly types: Readonly<Record<string, CreateTime>>;
}

/** The repository's table of typical create times. */
export function loadCreateTimes(file = path.join(__dirname, "critical-path", "create-times.json")): CreateTimes {
    return JSON.parse(fs.readFileSync(file, "utf8")) as CreateTimes;
}

/** A resource of the graph: one AWS or Kubernetes object, or a remote component (pulumi-eks' cluster) taken whole. */
export interface Node {
    readonly resource: RecordedResource;
    /** URNs of the nodes it waits for, directly. */
    readonly deps: readonly string[];
}

/**
 * The plan as a graph of what is created: resources and remote components (local components have
 * nothing to create of their own; waiting for one means waiting for everything under it, as
 * Pulumi does), with each one's dependencies and provider as edges.
 * @param plan the offline plan of a stack. Required.
 */
export function dependencyGraph(plan: PlanResult): Map<string, Node> {
    const local = (r: RecordedResource) => !r.custom && r.type.startsWith(`${plan.project}:`);
    const children = new Map<string, RecordedResource[]>();
    for (const r of plan.resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const leavesUnder = (urn: string): string[] =>
        (children.get(urn) ?? []).flatMap((c) => (local(c) ? leavesUnder(c.urn) : [c.urn]));
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const graph = new Map<string, Node>();
    for (const r of plan.resources) {
        if (local(r)) continue;
        const direct = [...r.dependencies, ...(r.provider ? [r.provider] : [])].filter((urn) => byUrn.has(urn));
        const deps = [...new Set(direct.flatMap((urn) => (local(byUrn.get(urn)!) ? leavesUnder(urn) : [urn])))].filter((urn) => urn !== r.urn);
        graph.set(r.urn, { resource: r, deps });
    }
    return graph;
}

/** Whether `from` waits, directly or through others, for `to`. */
export function waitsFor(graph: ReadonlyMap<string, Node>, from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        for (const dep of graph.get(urn)?.deps ?? []) {
            if (dep === to) return true;
            if (!seen.has(dep)) {
                seen.add(dep);
                stack.push(dep);
            }
        }
    }
    return false;
}

/** How long creating one resource takes: its type's figure, or the default. */
export function createSeconds(type: string, times: CreateTimes): number {
    return (times.types[type] ?? times.default).seconds;
}

export interface Step {
    readonly name: string;
    readonly type: string;
    readonly seconds: number;
    /** When it is done, counted from the start of the `up`. */
    readonly doneAt: number;
}

/**
 * The longest chain of the graph, weighted by create times: the cold `up`'s duration and what
 * decides it. Ties go to the name first in alphabetical order, so the chain is stable.
 * @param plan the offline plan of a stack. Required.
 * @param times the create times. Defaults to the repository's table.
 */
export function criticalPath(plan: PlanResult, times: CreateTimes = loadCreateTimes()): { readonly seconds: number; readonly steps: readonly Step[] } {
    const graph = dependencyGraph(plan);
    const done = new Map<string, { at: number; via?: string }>();
    const finish = (urn: string, trail: Set<string>): number => {
        const known = done.get(urn);
        if (known) return known.at;
        if (trail.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        trail.add(urn);
        const node = graph.get(urn)!;
        let start = 0;
        let via: string | undefined;
        for (const dep of [...node.deps].sort()) {
            const at = finish(dep, trail);
            if (at > start) [start, via] = [at, dep];
        }
        trail.delete(urn);
        const at = start + createSeconds(node.resource.type, times);
        done.set(urn, { at, via });
        return at;
    };
    let last: string | undefined;
    for (const urn of [...graph.keys()].sort()) if (last === undefined || finish(urn, new Set()) > finish(last, new Set())) last = urn;
    const steps: Step[] = [];
    for (let urn = last; urn !== undefined; urn = done.get(urn)!.via) {
        const r = graph.get(urn)!.resource;
        steps.unshift({ name: r.name, type: r.type, seconds: createSeconds(r.type, times), doneAt: done.get(urn)!.at });
    }
    return { seconds: last ? done.get(last)!.at : 0, steps };
}

const minutes = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

/**
 * The chain as the README shows it: the steps that take time (more than the default API call),
 * each with its create time and when it is done.
 * @param stack the stack's name. Required.
 * @param result {@link criticalPath}'s result. Required.
 * @param times the create times. Defaults to the repository's table.
 */
export function renderCriticalPath(stack: string, result: ReturnType<typeof criticalPath>, times: CreateTimes = loadCreateTimes()): string {
    const shown = result.steps.filter((s) => s.seconds > times.default.seconds);
    return [
        `${stack}: about ${Math.round(result.seconds / 60)} minutes (${shown.length} of the chain's ${result.steps.length} steps take longer than an API call)`,
        "",
        "| resource | type | takes | done at (min:s) |",
        "| --- | --- | --- | --- |",
        ...shown.map((s) => `| \`${s.name}\` | \`${s.type}\` | ${s.seconds} s | ${minutes(s.doneAt)} |`),
    ].join("\n");
}

if (require.main === module) {
    const stack = process.argv[2];
    const file = stack ? path.join(__dirname, "..", ".plan", stack, "plan.json") : "";
    if (!stack || !fs.existsSync(file)) {
        process.stderr.write(`usage: npx tsx scripts/critical-path.ts <stack>, after npm run plan -- <stack> (it reads .plan/<stack>/plan.json)${stack ? `: ${file} does not exist` : ""}\n`);
        process.exit(2);
    }
    const plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanResult;
    process.stdout.write(`${renderCriticalPath(stack, criticalPath(plan))}\n`);
}
