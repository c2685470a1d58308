/**
 * Checks of a stack file (`Pulumi.<stack>.yaml`) as YAML, before Pulumi's conversion to strings
 * hides them: `platform:dbEngineVersion: 16.10` reaches the program as "16.1", an account id
 * `012345678901` as "12345678901", and `platform:gitRevision:` with no value as "null".
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, isSeq, Node, Pair } from "yaml";
import { ParsedYaml, parseYaml, position } from "../yaml-file";
import { CONFIG_SCHEMA, ConfigKey, KeySpec } from "./schema";

/** A stack file's name and text, as read from the project folder. */
export interface StackFile {
    /** How the file is named in messages, e.g. `Pulumi.dev.yaml`. */
    readonly shown: string;
    readonly text: string;
}

/**
 * The stack file of `stack` in `projectDir`, or undefined when the stack's config lives elsewhere
 * (Pulumi Cloud, ESC, `--config-file`): then only the values' own checks apply.
 */
export function readStackFile(projectDir: string, stack: string): StackFile | undefined {
    const shown = `Pulumi.${stack}.yaml`;
    const file = path.join(projectDir, shown);
    return fs.existsSync(file) ? { shown, text: fs.readFileSync(file, "utf8") } : undefined;
}

/** What a non-string YAML scalar is, in words. */
function yamlKind(value: unknown): string {
    return typeof value === "number" ? "a number" : typeof value === "boolean" ? "a boolean" : "null";
}

/**
 * Problems of a stack file's YAML: syntax (file, line, column), a key with no value, and values
 * whose YAML type changes their meaning (an unquoted number or boolean where the key takes a
 * string, or in a list of strings). Messages give the line and the fix, never a secret's value.
 *
 * @param file The stack file.
 * @param project The project name: keys without a namespace belong to it, as Pulumi reads them.
 */
export function stackFileProblems(file: StackFile, project: string): string[] {
    const parsed = parseYaml(file.shown, file.text);
    if (!parsed.document) return [...parsed.problems];
    const root = parsed.document.contents;
    if (root === null || (isScalar(root) && root.value === null)) return [];
    if (!isMap(root)) return [`${position(file.shown, parsed, root.range?.[0])}: must be a mapping with a config: key`];
    const config = root.get("config", true) as Node | undefined;
    if (config === undefined || config === null || (isScalar(config) && config.value === null)) return [];
    if (!isMap(config)) return [`${position(file.shown, parsed, config.range?.[0])}: config: must be a mapping of <namespace>:<key> to values`];

    const problems: string[] = [];
    for (const pair of config.items as Pair<Node, Node | null>[]) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const qualified = name.includes(":") ? name : `${project}:${name}`;
        const at = position(file.shown, parsed, pair.key?.range?.[0]);
        const value = pair.value;
        if (value === null || (isScalar(value) && value.value === null)) {
            problems.push(`${at}: ${qualified}: has no value; give it one or remove the line`);
            continue;
        }
        const key = qualified.startsWith(`${project}:`) ? (qualified.slice(project.length + 1) as ConfigKey) : undefined;
        const spec: KeySpec | undefined = key && key in CONFIG_SCHEMA ? CONFIG_SCHEMA[key] : undefined;
        if (spec?.type === "string") problems.push(...quoteProblems(qualified, value, parsed, file.shown));
        if (spec?.type === "array" && isSeq(value)) {
            for (const item of value.items as Node[]) problems.push(...quoteProblems(`${qualified} item`, item, parsed, file.shown));
        }
    }
    return problems;
}

/** A plain scalar that YAML reads as a number, boolean or null where a string is meant. */
function quoteProblems(what: string, node: Node, parsed: ParsedYaml, shown: string): string[] {
    if (!isScalar(node) || typeof node.value === "string" || node.type !== "PLAIN") return [];
    const source = node.source ?? String(node.value);
    const at = position(shown, parsed, node.range?.[0]);
    const changed = String(node.value) !== source ? `, which reaches the program as "${String(node.value)}"` : "";
    return [`${at}: ${what}: ${source} is ${yamlKind(node.value)} in YAML${changed}; it takes a string, so quote it: "${source}"`];
}
