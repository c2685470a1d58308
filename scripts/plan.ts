/**
 * The offline plan: `npm run plan -- <stack> [--out <file>]`. Runs the real program on Pulumi's
 * mock runtime with the stack's config files (no AWS credentials, no Pulumi CLI), prints the
 * resource tree with the settings that matter, and writes every registered resource as JSON. Next
 * to it, `apps/<app>.yaml` holds each app's manifests as Argo CD will apply them; the apps are
 * checked against the schemas and the platform contract, and any problem fails the plan.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../components/errors";
import { checkPlannedApps, renderedYaml, stackApps } from "./offline/apps";
import { PlanResult, RecordedResource, runProgram } from "./offline/engine";
import { REPO_ROOT, readStackConfig } from "./offline/stack-config";

/** Where the JSON goes without --out (git-ignored). */
export function defaultPlanPath(stack: string): string {
    return path.join(REPO_ROOT, ".plan", stack, "plan.json");
}

/** Loads index.ts's default export, the program. */
export async function loadProgram(): Promise<() => Promise<Record<string, unknown>>> {
    const mod = await import("../index");
    return ((mod as any).default ?? mod) as () => Promise<Record<string, unknown>>;
}

/** Runs the program for a stack with its own config files. */
export async function planStack(stack: string, root = REPO_ROOT): Promise<PlanResult> {
    const config = readStackConfig(stack, root);
    const region = config.values[`${config.project}:region`] ?? "us-east-1";
    return runProgram(await loadProgram(), { config, region });
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

async function main(argv: string[]): Promise<number> {
    const args = [...argv];
    const outIndex = args.indexOf("--out");
    const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : undefined;
    const [stack, ...rest] = args;
    if (!stack || rest.length > 0 || (outIndex >= 0 && !out)) {
        process.stderr.write("usage: npm run plan -- <stack> [--out <file>]\n");
        return 2;
    }
    if (!fs.existsSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`))) {
        const stacks = fs.readdirSync(REPO_ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        process.stderr.write(`No stack file Pulumi.${stack}.yaml; the stacks are: ${stacks.join(", ")}\n`);
        return 2;
    }
    try {
        const plan = await planStack(stack);
        const file = path.resolve(out ?? defaultPlanPath(stack));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(plan, null, 2) + "\n");
        const { rendered, problems } = checkPlannedApps(plan, stackApps(stack));
        const appsDir = path.join(path.dirname(file), "apps");
        fs.rmSync(appsDir, { recursive: true, force: true });
        fs.mkdirSync(appsDir, { recursive: true });
        for (const app of rendered) fs.writeFileSync(path.join(appsDir, `${app.app}.yaml`), renderedYaml(app));
        process.stdout.write(`${renderTree(plan)}\n\n${renderSummary(plan)}\n\nPlan written to ${path.relative(process.cwd(), file)}\n`);
        process.stdout.write(`Apps as Argo CD will apply them: ${path.relative(process.cwd(), appsDir)}/ (${rendered.map((a) => a.app).join(", ")})\n`);
        if (problems.length > 0) {
            process.stderr.write(`The apps break ${problems.length} rule${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
            return 1;
        }
        return 0;
    } catch (err) {
        // A config problem is the user's to fix: the report, no stack trace. Anything else is a bug.
        process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
