/**
 * Secret config of apps: where a value of an app's declared Secret is set in the stack's encrypted
 * config, the command that sets it, and the value as the program carries it. Shared by the config
 * loader (components/config/apps.ts), app discovery and the manifest checks, which do not import
 * each other.
 */
import { inspect } from "util";

/**
 * The config path of one key of an app's declared Secret, as `pulumi config set --path` takes it:
 * the stack file holds `<project>:apps` as a mapping whose leaf is `{secure: v1:...}`.
 * https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 *
 * @param appsKey The project's apps key, e.g. `platform:apps`.
 * @param app The app (its folder under apps/).
 * @param secret The Secret's name, as app.yaml declares it.
 * @param key The key within the Secret.
 */
export function appSecretConfigPath(appsKey: string, app: string, secret: string, key: string): string {
    return `${appsKey}.${app}.secrets.${secret}.${key}`;
}

/**
 * The command that sets one key of an app's declared Secret, encrypted with the stack's secrets
 * provider. Leaving out `<value>` makes Pulumi prompt for it, which keeps it out of shell history.
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 *
 * @param appsKey The project's apps key, e.g. `platform:apps`.
 * @param app The app.
 * @param secret The Secret's name.
 * @param key The key within the Secret.
 * @param stack The stack it is for; defaults to none (the selected stack).
 */
export function appSecretConfigCommand(appsKey: string, app: string, secret: string, key: string, stack?: string): string {
    return `pulumi config set --secret --path '${appSecretConfigPath(appsKey, app, secret, key)}' <value>${stack === undefined ? "" : ` --stack ${stack}`}`;
}

/**
 * A secret config value (a key of an app's Secret) as the program carries it from the loader to the
 * resource that needs it: printed, logged, inspected or serialised it reads `[secret]`, so a
 * message, a debug line or a test failure never shows it. Only {@link SecretValue.reveal} gives the
 * text, where it goes into `pulumi.secret`.
 */

/** What a {@link SecretValue} shows instead of its text. */
export const REDACTED = "[secret]";

export class SecretValue {
    // A private field: not enumerable, so JSON, inspect and assertion diffs never reach it.
    readonly #text: string;

    /** @param text The decrypted value. Required. */
    constructor(text: string) {
        this.#text = text;
    }

    /** The decrypted value: only for a `pulumi.secret` input. */
    reveal(): string {
        return this.#text;
    }

    toString(): string {
        return REDACTED;
    }

    toJSON(): string {
        return REDACTED;
    }

    [inspect.custom](): string {
        return REDACTED;
    }
}
