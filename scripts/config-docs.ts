/**
 * The config documentation, rendered from the schema: the README's table
 * (`npm run config-docs`, paste it between the markers in README.md) and
 * Pulumi.yaml's `config:` block (`... --pulumi-yaml`, replaces the block at the end of Pulumi.yaml).
 */
import { stringify } from "yaml";
import { CONFIG_SCHEMA, KeySpec } from "../components/config/schema";

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

if (require.main === module) {
    process.stdout.write(process.argv.includes("--pulumi-yaml") ? renderProjectConfig() : `${renderConfigTable()}\n`);
}
