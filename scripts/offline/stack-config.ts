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
    /** Keys whose value is a `secure:` ciphertext: offline they hold a placeholder, marked secret. */
    readonly secretKeys: readonly string[];
}

/**
 * Value given offline to `secure:` config, which cannot be decrypted without the stack's secrets
 * provider. Shaped like a private key, since the program's only secret config (gitSshPrivateKey) is one.
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
        if (value && typeof value === "object" && "secure" in value) {
            values[name] = SECRET_PLACEHOLDER;
            secretKeys.push(name);
        } else {
            values[name] = asConfigString(value);
        }
    }
    return { project: projectName, stack, values, secretKeys };
}
