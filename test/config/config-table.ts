/**
 * The README's config reference table, rendered from the schema. Print it with
 * `npx tsx test/config/config-table.ts` and paste it between the markers in README.md.
 */
import { CONFIG_SCHEMA, KeySpec } from "../../components/config/schema";

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

if (require.main === module) process.stdout.write(`${renderConfigTable()}\n`);
