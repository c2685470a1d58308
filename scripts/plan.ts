/**
 * The offline plan: `npm run plan -- <stack> [--out <file>]`. Runs the real program on Pulumi's
 * mock runtime with the stack's config files (no AWS credentials, no Pulumi CLI), checks the
 * planned resources against the policy pack at the stack's enforcement levels and every app
 * against the schemas and the platform contract, prints the resource tree with the settings that
 * matter, and writes every registered resource as JSON with each app's manifests as Argo CD will
 * apply them. Any problem fails the plan before anything is written.
 *
 * It is a tool: it writes only where it owns the place (see {@link outputPaths}) and never
 * removes or overwrites what it did not write.
 */
// First: the SDK's Automation API, which a plan never uses, loads only if something asks for it.
import "./offline/lazy-sdk";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../components/errors";
import { GENERATOR, outputPaths, removeOwned, writableProblems, writeOutput } from "./offline/output";
import { enforcementLevels, policyConfigPath, policyViolations } from "./offline/policy";
import { MissingToolError } from "./offline/render";
import { projectStacks, sharedAccountProblems } from "./offline/stacks";
import { RenderedApp, checkOverlays, checkRenders, renderedYaml, stackApps, startArgoRenders, startOverlayBuilds } from "./offline/apps";
import type { BuildsAhead } from "./offline/render";
import { PlanResult, Program, RecordedResource, runProgram } from "./offline/engine";
import { REPO_ROOT, readStackConfig } from "./offline/stack-config";

/**
 * Loads a project's program: its index.ts's default export (which finds the apps beside it).
 * @param root The project folder. Defaults to this repository.
 */
export async function loadProgram(root = REPO_ROOT): Promise<Program> {
    const mod = await import(path.join(root, "index.ts"));
    return ((mod as any).default ?? mod) as Program;
}

/** Runs a project's program for a stack with its own config files. */
export async function planStack(stack: string, root = REPO_ROOT): Promise<PlanResult> {
    const config = readStackConfig(stack, root);
    const region = config.values[`${config.project}:region`] ?? "us-east-1";
    return runProgram(await loadProgram(root), { config, region });
}

const get = (obj: unknown, dotted: string): unknown =>
    dotted.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);

/** The inputs worth seeing in the tree, by resource type. */
const HIGHLIGHTS: Record<string, string[]> = {
    "pulumi:providers:aws": ["region", "profile", "allowedAccountIds"],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone"],
    "aws:ec2/route:Route": ["destinationCidrBlock", "gatewayId", "natGatewayId"],
    "aws:kms/key:Key": ["enableKeyRotation", "deletionWindowInDays"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
    "eks:index:Cluster": [
        "name",
        "version",
        "authenticationMode",
        "endpointPublicAccess",
        "publicAccessCidrs",
        "endpointPrivateAccess",
        "enabledClusterLogTypes",
        "fargate.selectors",
    ],
    "aws:eks/fargateProfile:FargateProfile": ["selectors"],
    "aws:rds/cluster:Cluster": ["engineVersion", "serverlessv2ScalingConfiguration", "backupRetentionPeriod", "deletionProtection"],
    "aws:rds/clusterInstance:ClusterInstance": ["instanceClass", "availabilityZone"],
    "aws:efs/fileSystem:FileSystem": ["throughputMode", "lifecyclePolicies"],
    "aws:efs/backupPolicy:BackupPolicy": ["backupPolicy.status"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["ipProtocol", "fromPort", "referencedSecurityGroupId"],
    "aws:ecr/repository:Repository": ["name", "imageTagMutability"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:core/v1:ConfigMap": ["metadata.namespace", "metadata.name"],
    "kubernetes:argoproj.io/v1alpha1:Application": ["spec.source.path", "spec.source.targetRevision", "spec.destination.namespace"],
    "kubernetes:batch/v1:Job": ["metadata.namespace"],
};

function describe(resource: RecordedResource): string {
    const settings = (HIGHLIGHTS[resource.type] ?? [])
        .map((key) => [key, get(resource.inputs, key)] as const)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    if (resource.protect) settings.push("protected");
    return `${resource.type} ${resource.name}${settings.length ? `  (${settings.join(", ")})` : ""}`;
}

/** The resource tree, children under their parent, in registration order. */
export function renderTree(plan: PlanResult): string {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const known = new Set(plan.resources.map((r) => r.urn));
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "◆"} ${describe(r)}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    // Resources whose parent was not recorded (should not happen) are still shown.
    for (const r of plan.resources.filter((r) => r.parent && !known.has(r.parent))) lines.push(`? ${describe(r)}`);
    return lines.join("\n");
}

export function renderSummary(plan: PlanResult): string {
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `  ${String(n).padStart(3)}  ${type}`);
    const outputs = Object.entries(plan.outputs).map(([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    return [
        `Stack ${plan.project}/${plan.stack}: ${plan.resources.length} resources (${plan.resources.filter((r) => r.protect).length} protected)`,
        ...rows,
        "Outputs:",
        ...outputs,
    ].join("\n");
}

const USAGE = "usage: npm run plan -- <stack> [--out <file>]";

/** What the user asked for. */
interface PlanArgs {
    readonly stack: string;
    readonly out?: string;
}

/** Parses the arguments; a string is the usage problem. */
export function parseArgs(argv: readonly string[]): PlanArgs | string {
    const args = [...argv];
    const outIndex = args.indexOf("--out");
    const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : undefined;
    const [stack, ...rest] = args;
    if (!stack || stack.startsWith("-") || rest.length > 0 || (outIndex >= 0 && (!out || out.startsWith("-")))) return USAGE;
    return { stack, out };
}

/** Where a plan runs and reports: the real CLI uses the process's; tests pass their own. */
export interface PlanIo {
    /** The project folder. */
    readonly root: string;
    /** Where relative paths (--out) start. */
    readonly cwd: string;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

/** The plan's problems, each naming the key, file or object; empty when the plan may be written. */
async function planProblems(stack: string, root: string): Promise<{ plan?: PlanResult; rendered?: RenderedApp[]; problems: string[]; warnings: string[] }> {
    const problems: string[] = sharedAccountProblems(stack, root);
    let levels;
    try {
        levels = enforcementLevels(stack, root);
    } catch (err) {
        problems.push((err as Error).message);
    }
    // The overlays' Kustomize builds run in child processes while the program runs: a stack file
    // the loader refuses has no apps to build yet, and the program's run reports it.
    let ahead: BuildsAhead | undefined;
    try {
        ahead = startOverlayBuilds(stackApps(stack, root), root);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
    }
    let plan: PlanResult;
    try {
        plan = await planStack(stack, root);
    } catch (err) {
        if (err instanceof ConfigError) return { problems: [...problems, ...err.problems], warnings: [] };
        throw err;
    }
    const specs = stackApps(stack, root);
    ahead ??= startOverlayBuilds(specs, root);
    // The overlays are built by now; their checks run while Kustomize renders them for Argo CD.
    const overlays = await ahead.settle();
    startArgoRenders(ahead, plan, specs, root);
    const apps = checkRenders(checkOverlays(plan, specs, root, overlays), await ahead.settle());
    problems.push(...apps.problems);
    // What the program itself warns about (a preview shows the same), and what the apps' checks do.
    const programWarnings = [...plan.warnings, ...apps.warnings];
    if (!levels) return { problems, warnings: programWarnings };
    const policy = policyViolations(plan, levels);
    problems.push(...policy.mandatory.map((v) => `policy (mandatory in ${policyConfigPath(stack)}): ${v}`));
    return { plan, rendered: apps.rendered, problems, warnings: [...programWarnings, ...policy.advisory.map((v) => `policy (advisory): ${v}`)] };
}

/**
 * The plan CLI: `npm run plan -- <stack> [--out <file>]`.
 * @returns The exit code: 0 planned and written, 1 the plan found problems (nothing written), 2 a usage or output-place problem.
 */
export async function runPlan(argv: readonly string[], io: PlanIo): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const args = parseArgs(argv);
    if (typeof args === "string") {
        io.stderr(`${args}\n`);
        return 2;
    }
    const { stack, out } = args;
    if (!fs.existsSync(path.join(io.root, `Pulumi.${stack}.yaml`))) {
        io.stderr(`No stack file Pulumi.${stack}.yaml; the stacks are: ${projectStacks(io.root).join(", ")}\n`);
        return 2;
    }
    const paths = outputPaths(io.root, stack, out, io.cwd);
    const refused = writableProblems(io.root, paths);
    if (refused.length > 0) {
        io.stderr(`The plan would write where it must not; nothing was written:\n${refused.map((p) => `  - ${p}`).join("\n")}\n`);
        return 2;
    }
    try {
        const { plan, rendered, problems, warnings } = await planProblems(stack, io.root);
        if (warnings.length > 0) io.stderr(`Warnings:\n${warnings.map((w) => `  - ${w}`).join("\n")}\n`);
        if (problems.length > 0 || !plan || !rendered) {
            // A stale plan beside a failed one would look current: what the plan wrote before goes.
            removeOwned(paths);
            io.stderr(`The plan of ${stack} failed (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was written:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
            return 1;
        }
        writeOutput(paths, JSON.stringify({ generator: GENERATOR, ...plan }, null, 2) + "\n", rendered.map((app) => ({ name: `${app.app}.yaml`, content: renderedYaml(app) })));
        const shown = (p: string) => path.relative(io.cwd, p) || ".";
        io.stdout(`${renderTree(plan)}\n\n${renderSummary(plan)}\n\nPlan written to ${shown(paths.json)}\n`);
        io.stdout(`Apps as Argo CD will apply them: ${shown(paths.apps)}/ (${rendered.map((a) => a.app).join(", ")})\n`);
        return 0;
    } catch (err) {
        // A tool the machine lacks is reported plainly; anything else is a bug and keeps its trace.
        const hint = process.env.PLAN_STACK_TRACES ? "" : "\n(stack traces are off during the offline run; PLAN_STACK_TRACES=1 keeps them)";
        io.stderr(`${err instanceof MissingToolError ? err.message : err instanceof Error ? `${err.stack}${hint}` : String(err)}\n`);
        return 1;
    }
}

if (require.main === module) {
    runPlan(process.argv.slice(2), {
        root: REPO_ROOT,
        // Relative to where the user ran npm, not to the package folder npm runs scripts in.
        cwd: process.env.INIT_CWD ?? process.cwd(),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
    }).then((code) => process.exit(code));
}
