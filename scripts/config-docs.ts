/**
 * The config documentation, rendered from the schema: the README's table
 * (`npm run config-docs`, paste it between the markers in README.md),
 * Pulumi.yaml's `config:` block (`... --pulumi-yaml`, replaces the block at the end of Pulumi.yaml)
 * and the README's table of edits (`... --edits`), rendered from test/edits/rows.ts, whose every row
 * test/edits/edits.test.ts proves by planning the stack before and after the edit.
 */
import { stringify } from "yaml";
import { CONFIG_SCHEMA, KeySpec } from "../components/config/schema";
import { EDIT_ROWS, type EditRow } from "../test/edits/rows";

/**
 * How Pulumi.yaml declares one key. Objects are declared by description only: Pulumi's project
 * schema accepts the types string, integer, boolean and array, and no object default
 * (https://github.com/pulumi/pulumi/issues/11321); the loader checks the object's shape.
 */
export function projectDeclaration(spec: KeySpec): Record<string, unknown> {
    if (spec.type === "object") return { description: spec.description };
    return {
        type: spec.type,
        ...(spec.type === "array" ? { items: { type: "string" } } : {}),
        description: spec.description,
        ...(spec.default !== undefined ? { default: spec.default } : {}),
    };
}

/** Pulumi.yaml's `config:` block as the schema says it must read. */
export function renderProjectConfig(): string {
    const config = Object.fromEntries(Object.entries(CONFIG_SCHEMA).map(([key, spec]: [string, KeySpec]) => [key, projectDeclaration(spec)]));
    return stringify({ config }, { lineWidth: 0 });
}

export const TABLE_START = "<!-- config-table:start -->";
export const TABLE_END = "<!-- config-table:end -->";

function formatDefault(spec: KeySpec): string {
    if (spec.default === undefined) return "required";
    return `\`${JSON.stringify(spec.default)}\``;
}

/** The README's config table, as the schema says it must read. */
export function renderConfigTable(): string {
    const rows = Object.entries(CONFIG_SCHEMA).map(
        ([key, spec]: [string, KeySpec]) => `| \`${key}\` | ${spec.type} | ${formatDefault(spec)} | ${spec.description.replace(/\|/g, "\\|").replace(/</g, "&lt;")} |`,
    );
    return ["| key (`platform:`) | type | default | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export const EDITS_START = "<!-- edits-table:start -->";
export const EDITS_END = "<!-- edits-table:end -->";

/** "subnet (2), VPC" from label counts. */
function counted(counts: Readonly<Record<string, number>>): string {
    return Object.entries(counts)
        .map(([label, n]) => (n > 1 ? `${label} (${n})` : label))
        .join(", ");
}

/** What a row's edit does, in words, from what the test proved. */
export function renderEffect(row: EditRow): string {
    const e = row.expect;
    if ("refused" in e) return `**refused** by the loader: ${e.refused}`;
    const parts = [
        Object.keys(e.replaced).length ? `**replaces** ${counted(e.replaced)}` : "",
        Object.keys(e.deleted).length ? `**deletes** ${counted(e.deleted)}` : "",
        Object.keys(e.created).length ? `creates ${counted(e.created)}` : "",
        e.updated.length ? `updates in place ${e.updated.join(", ")}` : "",
    ].filter(Boolean);
    const effect = parts.length ? parts.join("; ") : "nothing";
    const refused = e.protected ? "**refused by protection** (Pulumi replaces and deletes no protected resource; with protectStatefulResources false it goes ahead): " : "";
    return `${refused}${effect}.${row.note ? ` ${row.note}` : ""}`;
}

/** The README's table of edits, as test/edits/rows.ts says and test/edits/edits.test.ts proves. */
export function renderEditsTable(): string {
    const rows = EDIT_ROWS.map((row) => `| \`${row.key}\` | ${row.edit} (${row.stack}) | ${renderEffect(row).replace(/\|/g, "\\|").replace(/</g, "&lt;")} |`);
    return ["| key (`platform:`) | edit (from stack) | what `pulumi up` does |", "| --- | --- | --- |", ...rows].join("\n");
}

if (require.main === module) {
    const out = process.argv.includes("--pulumi-yaml") ? renderProjectConfig() : process.argv.includes("--edits") ? `${renderEditsTable()}\n` : `${renderConfigTable()}\n`;
    process.stdout.write(out);
}
