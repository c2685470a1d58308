import * as pulumi from "@pulumi/pulumi";

/**
 * A mistake in what the user wrote (stack config, an app's files): every problem, each naming the
 * file or key, the value and the expected form. A `RunError`, so `pulumi up` prints the report
 * without a stack trace; the offline plan does the same. It lives in a module of its own so that
 * the config loader and app discovery both raise it without importing each other.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}
