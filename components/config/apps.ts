/** `apps`: per-app switches, settings and Secret values of a stack. */
import { isMap, isScalar, Node, Pair } from "yaml";
import { SecretValue, appSecretConfigCommand, appSecretConfigPath } from "../secret-config";
import { parseYaml, position } from "../yaml-file";
import type { StackFile } from "./stack-file";
import type { AppOverride } from "./types";
import { ConfigValues } from "./values";

const APP_KEYS = ["enabled", "settings", "secrets"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What a value is, in words: messages about secrets name its kind, never the value. */
function kind(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/**
 * Reads `secrets` of one app: Secret name to key to value, the values decrypted from the stack's
 * encrypted config. No message quotes a value, not even a malformed one.
 */
function appSecrets(v: ConfigValues, app: string, where: string, secrets: unknown): Record<string, Record<string, SecretValue>> {
    const appsKey = v.key("apps");
    const result: Record<string, Record<string, SecretValue>> = {};
    if (!isRecord(secrets)) {
        v.problems.push(`${where}.secrets: must map Secret names to their keys' values (got ${kind(secrets)}); set each with ${appSecretConfigCommand(appsKey, app, "<name>", "<key>")}`);
        return result;
    }
    for (const [name, keys] of Object.entries(secrets)) {
        if (!isRecord(keys)) {
            v.problems.push(`${where}.secrets.${name}: must map the Secret's keys to values (got ${kind(keys)}); set each with ${appSecretConfigCommand(appsKey, app, name, "<key>")}`);
            continue;
        }
        const values: Record<string, SecretValue> = {};
        for (const [key, value] of Object.entries(keys)) {
            const command = appSecretConfigCommand(appsKey, app, name, key);
            if (typeof value === "string" && value !== "") values[key] = new SecretValue(value);
            // `config set --path` stores digits and true/false typed; --type string keeps them text.
            // https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
            else if (typeof value === "number" || typeof value === "boolean") v.problems.push(`${where}.secrets.${name}.${key}: must be text (got ${kind(value)}); set it again with ${command} --type string`);
            else v.problems.push(`${where}.secrets.${name}.${key}: must be a non-empty text value (got ${value === "" ? "an empty one" : kind(value)}); set it with ${command}`);
        }
        result[name] = values;
    }
    return result;
}

/**
 * Reads the shape of `apps`: app name to {enabled?, settings?, secrets?}. Whether each app,
 * setting and Secret exists is checked against apps/ by loadApps, which reads the files.
 *
 * @param v The stack's config values.
 * @param stackFile The stack file the values came from: every Secret value in it must be encrypted
 *   ({@link plainSecretProblems}). Defaults to none (config from elsewhere).
 */
export function appsConfig(v: ConfigValues, stackFile?: StackFile): Record<string, AppOverride> {
    if (stackFile) v.problems.push(...plainSecretProblems(stackFile, v.project));
    const apps: Record<string, AppOverride> = {};
    for (const [app, entry] of Object.entries(v.object("apps") ?? {})) {
        const where = `${v.key("apps")}.${app}`;
        if (!isRecord(entry)) {
            v.problems.push(`${where}: must be a mapping with enabled, settings and/or secrets (got ${JSON.stringify(entry)})`);
            continue;
        }
        const { enabled, settings, secrets, ...rest } = entry;
        for (const unknown of Object.keys(rest)) v.problems.push(`${where}.${unknown}: unknown key; the keys are ${APP_KEYS.join(", ")}`);
        if (enabled !== undefined && typeof enabled !== "boolean") v.problems.push(`${where}.enabled: must be true or false (got ${JSON.stringify(enabled)})`);
        const values: Record<string, string> = {};
        if (settings !== undefined && !isRecord(settings)) {
            v.problems.push(`${where}.settings: must map setting names to strings (got ${JSON.stringify(settings)})`);
        } else {
            for (const [name, setting] of Object.entries(settings ?? {})) {
                if (typeof setting !== "string" || setting === "") v.problems.push(`${where}.settings.${name}: must be a non-empty string; quote numbers and booleans (got ${JSON.stringify(setting)})`);
                else values[name] = setting;
            }
        }
        apps[app] = {
            ...(typeof enabled === "boolean" ? { enabled } : {}),
            ...(settings !== undefined ? { settings: values } : {}),
            ...(secrets !== undefined ? { secrets: appSecrets(v, app, where, secrets) } : {}),
        };
    }
    return apps;
}

/**
 * Secret values written in plain text in the stack file, which git holds: every leaf under
 * `<project>:apps.<app>.secrets` must be `{secure: ...}`, as `pulumi config set --secret --path`
 * writes it. The message gives the line and the command, never the value.
 *
 * @param file The stack file.
 * @param project The project name: `apps` without a namespace belongs to it, as Pulumi reads it.
 */
export function plainSecretProblems(file: StackFile, project: string): string[] {
    const parsed = parseYaml(file.shown, file.text);
    const config = parsed.document && isMap(parsed.document.contents) ? parsed.document.contents.get("config", true) : undefined;
    if (!isMap(config)) return []; // malformed files are reported by stackFileProblems
    const appsKey = `${project}:apps`;
    const apps = (config.items as Pair<Node, Node | null>[]).find((p) => isScalar(p.key) && [appsKey, "apps"].includes(String(p.key.value)))?.value;
    const problems: string[] = [];
    const isSecure = (node: unknown) => isMap(node) && node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === "secure";
    // An encrypted node above the keys is a shape problem, which appsConfig reports.
    const entries = (node: unknown) => (isMap(node) && !isSecure(node) ? (node.items as Pair<Node, Node | null>[]).filter((p) => isScalar(p.key)) : []);
    for (const appPair of entries(apps)) {
        const app = String((appPair.key as { value: unknown }).value);
        const secrets = entries(appPair.value).find((p) => String((p.key as { value: unknown }).value) === "secrets")?.value;
        for (const secretPair of entries(secrets)) {
            const name = String((secretPair.key as { value: unknown }).value);
            for (const keyPair of entries(secretPair.value)) {
                const key = String((keyPair.key as { value: unknown }).value);
                if (!isSecure(keyPair.value)) {
                    const at = position(file.shown, parsed, keyPair.key?.range?.[0]);
                    problems.push(
                        `${at}: ${appSecretConfigPath(appsKey, app, name, key)}: in plain text in a file git holds; remove the line and set it encrypted: ${appSecretConfigCommand(appsKey, app, name, key)}`,
                    );
                }
            }
        }
    }
    return problems;
}
