/**
 * The single config loader: the stack's raw config (and, when present, its stack file as YAML)
 * into the typed, frozen {@link PlatformConfig}. Each area's checks live in a module of their own
 * (aws, network, cluster, data, addons, apps); this file only runs them and fails once with every
 * problem, before any resource is registered.
 */
import { ConfigError } from "../errors";
import { addonsConfig } from "./addons";
import { appsConfig } from "./apps";
import { awsConfig } from "./aws";
import { clusterConfig } from "./cluster";
import { githubConfig } from "./github";
import { databaseConfig, fileSystemConfig, registryConfig } from "./data";
import { networkConfig } from "./network";
import { StackFile, stackFileProblems } from "./stack-file";
import type { PlatformConfig } from "./types";
import { ConfigValues, unreadKeyProblems } from "./values";

export type * from "./types";

/**
 * Turns the stack's raw config into the typed, frozen {@link PlatformConfig}. Every problem is
 * collected and reported together, each naming its key (or file and line) and the expected form;
 * nothing is returned unless all keys are valid.
 *
 * @param raw All config of the stack (`pulumi.runtime.allConfig()`: `namespace:key` to string).
 * @param project The Pulumi project name (the config namespace of our keys).
 * @param stack The stack name, used in the default cluster name and tags.
 * @param stackFile The stack file the values came from, checked as YAML too. Defaults to none
 *   (config from elsewhere: only the values are checked).
 * @throws ConfigError listing every problem.
 */
export function loadConfig(raw: Readonly<Record<string, string>>, project: string, stack: string, stackFile?: StackFile): PlatformConfig {
    const v = new ConfigValues(raw, project);
    v.problems.unshift(...(stackFile ? stackFileProblems(stackFile, project) : []), ...unreadKeyProblems(raw, project));
    const protect = v.bool("protectStatefulResources");
    const aws = awsConfig(v);
    const network = networkConfig(v, aws.region);
    const cluster = clusterConfig(v, stack);
    const config: PlatformConfig = {
        project,
        stack,
        aws,
        network,
        cluster,
        database: databaseConfig(v, protect),
        fileSystem: fileSystemConfig(v),
        registry: registryConfig(v),
        addons: addonsConfig(v),
        apps: appsConfig(v, stackFile),
        github: githubConfig(v, cluster),
        protect: protect!,
        tags: { project, stack, "managed-by": "pulumi" },
    };
    if (v.problems.length > 0) throw new ConfigError(v.problems);
    return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        for (const child of Object.values(value)) deepFreeze(child);
        Object.freeze(value);
    }
    return value;
}
