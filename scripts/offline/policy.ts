/**
 * The policy pack run over an offline plan with a stack's own enforcement levels
 * (`policy/<stack>.json`), as `pulumi preview --policy-pack policy --policy-pack-config
 * policy/<stack>.json` would: a prd config that relaxes a mandatory rule fails the plan already.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";
import type { PlanResult } from "./engine";
import { REPO_ROOT } from "./stack-config";

/** Where a stack's enforcement levels live, relative to the project folder. */
export function policyConfigPath(stack: string): string {
    return path.posix.join("policy", `${stack}.json`);
}

/**
 * A stack's enforcement level of each policy: its `policy/<stack>.json` (a policy's own name, else
 * `all`), else the policy's default.
 * @throws Error naming the file when it is missing or not JSON.
 */
export function enforcementLevels(stack: string, root = REPO_ROOT): Record<string, EnforcementLevel> {
    const shown = policyConfigPath(stack);
    const file = path.join(root, shown);
    if (!fs.existsSync(file)) throw new Error(`${shown}: missing; every stack names its policies' enforcement levels there (copy policy/prd.json)`);
    let config: Record<string, EnforcementLevel>;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${shown}: not valid JSON (${(e as Error).message})`);
    }
    return Object.fromEntries(POLICIES.map((p) => [p.name, config[p.name] ?? config.all ?? p.enforcementLevel ?? "advisory"]));
}

/**
 * The plan's resources as stack policies see them: each with its dependencies as resources (the
 * plan records no per-property dependencies, so `propertyDependencies` is empty).
 */
export function policyResources(plan: PlanResult): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of plan.resources) {
        byUrn.set(r.urn, { type: r.type, props: r.inputs, urn: r.urn, name: r.name, dependencies: [], propertyDependencies: {} } as unknown as PolicyResource);
    }
    for (const r of plan.resources) {
        byUrn.get(r.urn)!.dependencies = r.dependencies.map((urn) => byUrn.get(urn)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...byUrn.values()];
}

/** Every violation of a plan, by enforcement level, as `policy: resource: message` (stack policies name the resource they report). */
export function policyViolations(plan: PlanResult, levels: Record<string, EnforcementLevel>): { mandatory: string[]; advisory: string[] } {
    const found = { mandatory: [] as string[], advisory: [] as string[] };
    const nameOf = new Map(plan.resources.map((r) => [r.urn, r.name]));
    const stack = { resources: policyResources(plan) } as unknown as StackValidationArgs;
    for (const policy of POLICIES) {
        const level = levels[policy.name];
        if (level !== "mandatory" && level !== "advisory") continue;
        if ("validateStack" in policy) {
            void policy.validateStack(stack, (message, urn) => found[level].push(`${policy.name}: ${(urn && nameOf.get(urn)) ?? "stack"}: ${message}`));
            continue;
        }
        for (const r of plan.resources) {
            const args = { type: r.type, props: r.inputs, urn: r.urn, name: r.name } as unknown as ResourceValidationArgs;
            for (const validate of [policy.validateResource ?? []].flat()) {
                void validate(args, (message) => found[level].push(`${policy.name}: ${r.name}: ${message}`));
            }
        }
    }
    return found;
}
