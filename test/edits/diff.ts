/**
 * What `pulumi preview` would do going from one plan to another, computed from two offline plans:
 * per URN, created, deleted, replaced (a replace-forcing input of ./replacements.ts changed, a
 * resource it takes a replace-forcing input from is replaced, or its provider is replaced),
 * updated in place (which inputs) or unchanged. Pure: no mocks, no files.
 *
 * A changed physical name is a replacement: every input that names a resource (`name`,
 * `clusterIdentifier`, `identifier`, `metadata.name`...) is in its type's replace-forcing list, and an
 * auto-named resource keeps its name as long as its logical name (its URN) stays; a new URN is a
 * deletion and a creation.
 */
import type { PlanResult, RecordedResource } from "../../scripts/offline/engine";
import { ruleOf, type TypeRule } from "./replacements";

export type Change = "created" | "deleted" | "replaced" | "updated" | "unchanged";

export interface ResourceDiff {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly change: Change;
    /** Changed input paths (dotted), and `[protect]`/`[retainOnDelete]` for changed options; empty unless updated or replaced. */
    readonly inputs: readonly string[];
    /** Why it is replaced: the replace-forcing path, or what it follows. Empty unless replaced. */
    readonly reasons: readonly string[];
    /** Remote components: the parts (children) replaced. */
    readonly parts: readonly string[];
}

type Plan = Pick<PlanResult, "resources">;

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null;
}

/** Leaf paths where two values differ (arrays compared by index; a missing side counts as a change). */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => changedPaths((a as any)[k], (b as any)[k], prefix ? `${prefix}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** Whether a dotted path is at, below or above a pattern (`*` matches one segment). */
export function matches(pattern: string, path: string): boolean {
    const p = pattern.split(".");
    const q = path === "" ? [] : path.split(".");
    for (let i = 0; i < Math.min(p.length, q.length); i++) if (p[i] !== "*" && p[i] !== q[i]) return false;
    return true;
}

/** The values under the paths matching a pattern, JSON-encoded (to look for another resource's id in them). */
function valuesAt(inputs: unknown, pattern: string): string {
    const walk = (v: unknown, segs: string[]): unknown[] => {
        if (segs.length === 0) return [v];
        if (!isObject(v)) return [];
        const [head, ...rest] = segs;
        const keys = head === "*" ? Object.keys(v) : [head];
        return keys.flatMap((k) => walk((v as any)[k], rest));
    };
    return JSON.stringify(walk(inputs, pattern.split(".")));
}

/** Every concrete path matching a pattern (`*` expanded), with its JSON-encoded value. */
function expand(inputs: unknown, pattern: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (v: unknown, segs: string[], at: string[]) => {
        if (segs.length === 0) {
            out.set(at.join("."), JSON.stringify(v));
            return;
        }
        if (!isObject(v)) return;
        const [head, ...rest] = segs;
        for (const k of head === "*" ? Object.keys(v) : [head]) if (k in v) walk((v as any)[k], rest, [...at, k]);
    };
    walk(inputs, pattern.split("."), []);
    return out;
}

function view(rule: TypeRule, r: RecordedResource): Record<string, unknown> {
    return rule.view ? rule.view(r.inputs) : r.inputs;
}

/** Replace-forcing patterns of a rule with what each replaces (`undefined`: the resource itself). */
function forcing(rule: TypeRule): [string, string | undefined][] {
    return [...(rule.replaceOn ?? []).map((p): [string, undefined] => [p, undefined]), ...Object.entries(rule.parts ?? {})];
}

/**
 * Compares two plans of the same stack. Throws for a resource type ./replacements.ts does not know:
 * what it replaces on would be a guess.
 */
export function diffPlans(before: Plan, after: Plan): ResourceDiff[] {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    for (const r of [...before.resources, ...after.resources]) ruleOf(r.type);

    const state = new Map<string, { change: Change; inputs: string[]; reasons: string[]; parts: Set<string> }>();
    for (const [urn, a] of now) {
        const b = old.get(urn);
        if (!b) {
            state.set(urn, { change: "created", inputs: [], reasons: [], parts: new Set() });
            continue;
        }
        const rule = ruleOf(a.type);
        const paths = changedPaths(view(rule, b), view(rule, a));
        if (b.protect !== a.protect) paths.push("[protect]");
        if (b.retainOnDelete !== a.retainOnDelete) paths.push("[retainOnDelete]");
        const reasons: string[] = [];
        const parts = new Set<string>();
        for (const pattern of rule.replaceOn ?? []) {
            const hit = paths.find((p) => !p.startsWith("[") && matches(pattern, p));
            if (hit !== undefined) reasons.push(hit);
        }
        // A part of a remote component is replaced when its input changes, not when it is added or removed.
        for (const [pattern, part] of Object.entries(rule.parts ?? {})) {
            const was = expand(view(rule, b), pattern);
            const is = expand(view(rule, a), pattern);
            if ([...was].some(([p, v]) => is.has(p) && is.get(p) !== v)) parts.add(part);
        }
        state.set(urn, { change: reasons.length ? "replaced" : paths.length ? "updated" : "unchanged", inputs: paths, reasons, parts });
    }

    // A replaced resource's outputs are unknown until it exists again, so an input taken from it that
    // forces a replacement replaces this one too (found by its old id in that input); a replaced
    // provider replaces everything it manages. Repeated until nothing more follows.
    for (let more = true; more; ) {
        more = false;
        const replaced = [...state].filter(([, s]) => s.change === "replaced").map(([urn]) => old.get(urn)!);
        for (const [urn, s] of state) {
            if (s.change === "created" || s.change === "replaced") continue;
            const a = now.get(urn)!;
            const b = old.get(urn)!;
            const rule = ruleOf(a.type);
            const follows = (x: RecordedResource): string | undefined => {
                if (x.urn === a.provider || x.urn === b.provider) return `its provider ${x.name}`;
                if (!x.id || x.id.length < 6 || !b.dependencies.includes(x.urn)) return undefined;
                for (const [pattern, part] of forcing(rule)) {
                    if (valuesAt(view(rule, b), pattern).includes(x.id)) {
                        if (part) {
                            s.parts.add(part);
                            return undefined;
                        }
                        return `${pattern} from ${x.name}`;
                    }
                }
                return undefined;
            };
            for (const x of replaced) {
                const why = follows(x);
                if (why) {
                    s.change = "replaced";
                    s.reasons.push(why);
                    more = true;
                    break;
                }
            }
        }
    }

    const diffs: ResourceDiff[] = [];
    for (const [urn, s] of state) {
        const a = now.get(urn)!;
        // A component with replaced parts is reported replaced (the parts say which children).
        const change = s.parts.size && s.change !== "created" ? "replaced" : s.change;
        diffs.push({ urn, type: a.type, name: a.name, change, inputs: s.inputs, reasons: s.reasons, parts: [...s.parts].sort() });
    }
    for (const [urn, b] of old) {
        if (!now.has(urn)) diffs.push({ urn, type: b.type, name: b.name, change: "deleted", inputs: [], reasons: [], parts: [] });
    }
    return diffs.sort((x, y) => x.urn.localeCompare(y.urn));
}

/** What an edit does, by README label: how many of each are created, deleted, replaced; which are updated in place. */
export interface EditSummary {
    readonly created: Readonly<Record<string, number>>;
    readonly deleted: Readonly<Record<string, number>>;
    readonly replaced: Readonly<Record<string, number>>;
    readonly updated: readonly string[];
}

function count(labels: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of labels.sort()) out[l] = (out[l] ?? 0) + 1;
    return out;
}

/** Counts a diff by the README labels of ./replacements.ts; a remote component counts by its replaced parts. */
export function summarize(diffs: readonly ResourceDiff[]): EditSummary {
    const label = (d: ResourceDiff) => ruleOf(d.type).label;
    const local = (d: ResourceDiff) => d.type.startsWith("platform:");
    const of = (change: Change) => diffs.filter((d) => d.change === change && !local(d));
    return {
        created: count(of("created").map(label)),
        deleted: count(of("deleted").map(label)),
        replaced: count(of("replaced").flatMap((d) => (d.parts.length ? [...d.parts] : [label(d)]))),
        updated: [...new Set(of("updated").map(label))].sort(),
    };
}
