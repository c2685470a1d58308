/**
 * Plans every row of the table of edits before and after its edit and compares the plans.
 * edits.test.ts runs this file in a child process started when the suite loads, so that its ~50
 * plans run beside the rest of the suite instead of after it (the mock runtime is process-global:
 * one process plans one stack at a time); run directly, it prints the outcomes as JSON.
 */
import type { RecordedResource } from "../../scripts/offline/engine";
import { plan } from "../support";
import { diffPlans, type ResourceDiff } from "./diff";
import { EDIT_ROWS } from "./rows";

/** One row's outcome: the loader's refusal, or the diff and which resources were protected before. */
export interface RowOutcome {
    /** The error of the plan after the edit (the loader's message). */
    readonly refused?: string;
    /** The comparison's error, e.g. a resource type test/edits/replacements.ts does not know. */
    readonly failed?: string;
    /** The error of the plan before the edit: the row's starting point does not plan. */
    readonly broken?: string;
    /** Every resource the edit changes (unchanged ones left out). */
    readonly diffs?: readonly ResourceDiff[];
    /** URNs protected (Pulumi `protect`) in the plan before the edit, among those the edit changes. */
    readonly protectedBefore?: readonly string[];
}

function message(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** Plans each row before and after its edit, in order; a config two rows share is planned once. */
export async function runRows(): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    const plans = new Map<string, ReturnType<typeof plan>>();
    const planOnce = (stack: string, changes: Record<string, string | undefined>) => {
        const key = JSON.stringify([stack, Object.entries(changes).sort()]);
        if (!plans.has(key)) plans.set(key, plan(stack, changes));
        return plans.get(key)!;
    };
    for (const row of EDIT_ROWS) {
        let before;
        try {
            before = await planOnce(row.stack, row.before ?? {});
        } catch (err) {
            outcomes.push({ broken: message(err) });
            continue;
        }
        let after;
        try {
            after = await planOnce(row.stack, row.after);
        } catch (err) {
            outcomes.push({ refused: message(err) });
            continue;
        }
        try {
            const diffs = diffPlans(before, after).filter((d) => d.change !== "unchanged");
            const changed = new Set(diffs.map((d) => d.urn));
            outcomes.push({ diffs, protectedBefore: before.resources.filter((r: RecordedResource) => r.protect && changed.has(r.urn)).map((r) => r.urn) });
        } catch (err) {
            outcomes.push({ failed: message(err) });
        }
    }
    return outcomes;
}

if (require.main === module) {
    // Stack traces are what the mock runtime spends most of its time on (every promise records one);
    // this process reports messages only.
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
    runRows().then(
        (outcomes) => process.stdout.write(JSON.stringify(outcomes)),
        (err) => {
            process.stderr.write(`${message(err)}\n`);
            process.exit(1);
        },
    );
}
