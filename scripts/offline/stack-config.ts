import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../components/errors";
import { yamlValue } from "../../components/yaml-file";

/** The repository root: where Pulumi.yaml and the stack files live. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** What Pulumi hands a program: every config value as a string, keys with their namespace. */
export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    readonly values: Readonly<Record<string, string>>;
    /**
     * Keys whose value is or holds a `secure:` ciphertext: offline those hold a placeholder, and the
     * key is marked secret, as Pulumi marks a key with an encrypted leaf (`--secret --path`).
     */
    readonly secretKeys: readonly string[];
}

/**
 * Value given offline to `secure:` config, which cannot be decrypted without the stack's secrets
 * provider: a whole key's (gitSshPrivateKey, whose form the loader checks, so shaped like a private
 * key) or a leaf's inside a structured key (an app's Secret value).
 */
export const SECRET_PLACEHOLDER = "-----BEGIN OPENSSH PRIVATE KEY-----\noffline placeholder\n-----END OPENSSH PRIVATE KEY-----\n";

/**
 * A Pulumi file's content.
 * @throws ConfigError with the file, line and column of a YAML syntax error.
 */
function readYaml(file: string): Record<string, unknown> {
    const shown = path.basename(file);
    if (!fs.existsSync(file)) throw new ConfigError([`${shown} does not exist`]);
    const problems: string[] = [];
    const value = yamlValue(shown, fs.readFileSync(file, "utf8"), problems);
    if (problems.length > 0) throw new ConfigError(problems);
    return (value ?? {}) as Record<string, unknown>;
}

/** Pulumi passes strings as they are and every other value as JSON. */
function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** A `{secure: <ciphertext>}` value, as `pulumi config set --secret` writes it. */
function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value && Object.keys(value).length === 1;
}

/**
 * A config value with every `secure:` leaf, at any depth, replaced by {@link SECRET_PLACEHOLDER}:
 * Pulumi hands the program a structured key as JSON with its leaves decrypted.
 * https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 *
 * @returns The value, and whether it held a ciphertext (the key is then a secret key).
 */
function decryptedOffline(value: unknown): { value: unknown; secret: boolean } {
    if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
    if (Array.isArray(value)) {
        const items = value.map(decryptedOffline);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value).map(([k, v]) => [k, decryptedOffline(v)] as const);
        return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
    }
    return { value, secret: false };
}

/**
 * Reads config the way the Pulumi CLI passes it to a program: the project's declared defaults
 * (Pulumi.yaml `config:`), overlaid with the stack file's values, namespaced by the project.
 *
 * @param stack Stack name: `Pulumi.<stack>.yaml` must exist in `root`.
 * @param root Folder holding the Pulumi files. Defaults to the repository root.
 */
export function readStackConfig(stack: string, root: string = REPO_ROOT): StackConfig {
    const project = readYaml(path.join(root, "Pulumi.yaml"));
    const projectName = String(project.name);
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const declared = (project.config ?? {}) as Record<string, unknown>;
    for (const [key, spec] of Object.entries(declared)) {
        const name = key.includes(":") ? key : `${projectName}:${key}`;
        if (spec && typeof spec === "object" && "default" in spec) {
            values[name] = asConfigString((spec as { default: unknown }).default);
        } else if (!(spec && typeof spec === "object")) {
            values[name] = asConfigString(spec); // a plain project-wide value
        }
    }
    const stackFile = readYaml(path.join(root, `Pulumi.${stack}.yaml`));
    for (const [key, value] of Object.entries((stackFile.config ?? {}) as Record<string, unknown>)) {
        const name = key.includes(":") ? key : `${projectName}:${key}`;
        const decrypted = decryptedOffline(value);
        values[name] = asConfigString(decrypted.value);
        if (decrypted.secret) secretKeys.push(name);
    }
    return { project: projectName, stack, values, secretKeys };
}
