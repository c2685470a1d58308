/**
 * What a stack costs a month: `npm run cost -- <stack> [--json] [--planned]`, and
 * `npm run cost -- --diff <base.json> <head.json> [--json]` for what a change adds.
 *
 * It prices the offline plan (scripts/cost/model.ts): by default it runs `npm run plan -- <stack>`
 * in process first (so a fresh clone needs this one command); `--planned` prices the plan already
 * in `.plan/<stack>/` (the pull-request workflow plans every stack before). Prices are
 * scripts/cost/prices/<region>.json, the region the stack's AWS provider is planned in.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { AppManifests, Estimate, diffEstimates, estimate, PlannedResource, Prices, renderEstimate } from "./cost/model";
import { projectStacks } from "./offline/stacks";
import { REPO_ROOT } from "./offline/stack-config";
import { runPlan } from "./plan";

/** Where the region price files are. */
export const PRICES_DIR = path.join(__dirname, "cost", "prices");

const USAGE = "usage: npm run cost -- <stack> [--json] [--planned]  |  npm run cost -- --diff <base.json> <head.json> [--json]";

/** A usage, stack or data problem: printed as is, no stack trace. */
export class CostError extends Error {}

/** The regions with prices. */
export function pricedRegions(dir = PRICES_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json") && f !== "provenance.json")
        .map((f) => f.slice(0, -".json".length))
        .sort();
}

/**
 * A region's prices.
 * @param region An AWS region, e.g. ap-northeast-1.
 * @param dir The price files' folder; defaults to {@link PRICES_DIR}.
 */
export function loadPrices(region: string, dir = PRICES_DIR): Prices {
    const file = path.join(dir, `${region}.json`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) || !fs.existsSync(file))
        throw new CostError(`No prices for region ${region}: add scripts/cost/prices/${region}.json (see provenance.json); the priced regions are: ${pricedRegions(dir).join(", ")}`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as Prices;
}

/** The region a plan's AWS provider is planned in. */
export function planRegion(resources: readonly PlannedResource[]): string {
    const region = resources.find((r) => r.type === "pulumi:providers:aws")?.inputs?.region;
    if (typeof region !== "string") throw new CostError("The plan has no AWS provider with a region");
    return region;
}

/**
 * Reads a stack's plan as `npm run plan` wrote it: `.plan/<stack>/plan.json` and the apps' manifests in `.plan/<stack>/apps/*.yaml`.
 * @param root The project folder; defaults to this repository.
 */
export function readPlanned(stack: string, root = REPO_ROOT): { resources: PlannedResource[]; apps: AppManifests[] } {
    const dir = path.join(root, ".plan", stack);
    const json = path.join(dir, "plan.json");
    if (!fs.existsSync(json)) throw new CostError(`No plan of ${stack} in ${path.relative(root, json)}: run npm run plan -- ${stack}, or npm run cost -- ${stack} without --planned`);
    const resources = JSON.parse(fs.readFileSync(json, "utf8")).resources as PlannedResource[];
    const appsDir = path.join(dir, "apps");
    const apps = (fs.existsSync(appsDir) ? fs.readdirSync(appsDir) : [])
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => ({
            app: f.slice(0, -".yaml".length),
            manifests: parseAllDocuments(fs.readFileSync(path.join(appsDir, f), "utf8"))
                .map((d) => d.toJS())
                .filter((m) => m && typeof m === "object"),
        }));
    return { resources, apps };
}

/** What the user asked for. */
export type CostArgs = { readonly stack: string; readonly json: boolean; readonly planned: boolean } | { readonly diff: [string, string]; readonly json: boolean };

/** Parses the arguments; a string is the usage problem. */
export function parseCostArgs(argv: readonly string[]): CostArgs | string {
    const args = [...argv];
    const take = (flag: string) => {
        const i = args.indexOf(flag);
        if (i >= 0) args.splice(i, 1);
        return i >= 0;
    };
    const json = take("--json");
    const planned = take("--planned");
    const d = args.indexOf("--diff");
    if (d >= 0) {
        const files = args.splice(d, 3).slice(1);
        if (files.length !== 2 || files.some((f) => f.startsWith("-")) || args.length > 0 || planned) return `--diff takes two estimate files (npm run cost -- <stack> --json writes one)\n${USAGE}`;
        return { diff: [files[0], files[1]], json };
    }
    const unknown = args.find((a) => a.startsWith("-"));
    if (unknown) return `unknown option ${unknown}\n${USAGE}`;
    if (args.length !== 1) return USAGE;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(args[0])) return `not a stack name: ${JSON.stringify(args[0])}\n${USAGE}`;
    return { stack: args[0], json, planned };
}

/** Where the CLI runs and reports. */
export interface CostIo {
    readonly root: string;
    readonly cwd: string;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

function readEstimate(file: string, cwd: string): Estimate {
    const p = path.resolve(cwd, file);
    let e: any;
    try {
        e = JSON.parse(fs.readFileSync(p, "utf8"));
    } catch (err) {
        throw new CostError(`${file}: not an estimate (${(err as Error).message}); npm run cost -- <stack> --json writes one`);
    }
    if (typeof e?.total !== "number" || typeof e?.groups !== "object" || typeof e?.stack !== "string") throw new CostError(`${file}: not an estimate (no stack, total and groups); npm run cost -- <stack> --json writes one`);
    return e as Estimate;
}

/**
 * The cost CLI.
 * @returns The exit code: 0 estimated, 1 the plan failed, 2 a usage, stack, region or file problem.
 */
export async function runCost(argv: readonly string[], io: CostIo): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const args = parseCostArgs(argv);
    if (typeof args === "string") {
        io.stderr(`${args}\n`);
        return 2;
    }
    try {
        if ("diff" in args) {
            // The base may have no estimate (an empty or missing file): the stack is new, or the base predates the model.
            const [baseFile, headFile] = args.diff;
            const basePath = path.resolve(io.cwd, baseFile);
            const base = fs.existsSync(basePath) && fs.statSync(basePath).size > 0 ? readEstimate(baseFile, io.cwd) : null;
            const head = readEstimate(headFile, io.cwd);
            const diff = diffEstimates(base, head);
            io.stdout(args.json ? JSON.stringify({ ...head, diff }, null, 2) + "\n" : renderEstimate(head, diff));
            return 0;
        }
        const { stack } = args;
        if (!fs.existsSync(path.join(io.root, `Pulumi.${stack}.yaml`))) {
            io.stderr(`No stack ${stack} (no Pulumi.${stack}.yaml); the stacks are: ${projectStacks(io.root).join(", ")}\n`);
            return 2;
        }
        if (!args.planned) {
            let log = "";
            const code = await runPlan([stack], { root: io.root, cwd: io.root, stdout: () => undefined, stderr: (t) => (log += t) });
            if (code !== 0) {
                io.stderr(`${log}The plan of ${stack} failed: nothing to price\n`);
                return code;
            }
        }
        const { resources, apps } = readPlanned(stack, io.root);
        const e = estimate(stack, resources, apps, loadPrices(planRegion(resources)));
        io.stdout(args.json ? JSON.stringify(e, null, 2) + "\n" : renderEstimate(e));
        return 0;
    } catch (err) {
        if (err instanceof CostError) {
            io.stderr(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) {
    runCost(process.argv.slice(2), {
        root: REPO_ROOT,
        cwd: process.env.INIT_CWD ?? process.cwd(),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
    }).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
            process.exit(1);
        },
    );
}
