/**
 * Refreshes the upstream reference data in `test/upstream/` (`npm run refresh-upstream`): the default
 * values of the pinned charts and the official IAM policy of the pinned Load Balancer Controller,
 * which tests compare the program against. Run it after bumping a pinned version.
 *
 * It downloads every file first and writes only when all downloads succeeded, so a failed refresh
 * leaves the data as it was. It records each file's source, version, date and sha256 in
 * `provenance.json`, and deletes only files that manifest lists (files it wrote itself).
 *
 * Options: `--dir <folder>` (or env `UPSTREAM_DIR`) writes elsewhere than `test/upstream/`;
 * env `UPSTREAM_BASE_URL` replaces `https://raw.githubusercontent.com` (tests serve fixtures).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_SCHEMA } from "../components/config/schema";
import { LOAD_BALANCER_CONTROLLER_POLICY_VERSION } from "../components/iam/load-balancer-controller";
import { REPO_ROOT } from "./offline/stack-config";
import { download } from "./download";

/** Where the reference data lives in the repository. */
export const UPSTREAM_DIR = path.join(REPO_ROOT, "test", "upstream");

/** The provenance manifest's name inside the data folder. */
export const MANIFEST = "provenance.json";

/** Raw GitHub: every source is a file at an exact release tag, so its content never changes. */
export const DEFAULT_BASE_URL = "https://raw.githubusercontent.com";

/** The command that refreshes the data, named in every message that asks for it. */
export const REFRESH_COMMAND = "npm run refresh-upstream";

/** The versions the program pins, each one upstream release whose data the tests need. */
export interface PinnedVersions {
    /** argo-helm argo-cd chart version, e.g. 10.1.1. */
    readonly argocdChart: string;
    /** kubernetes-sigs metrics-server chart version, e.g. 3.13.1. */
    readonly metricsServerChart: string;
    /** AWS Load Balancer Controller chart version (equal to the controller version), e.g. 3.5.0. */
    readonly loadBalancerControllerChart: string;
    /** Controller tag whose official IAM policy the program ships, e.g. v3.5.0. */
    readonly loadBalancerControllerPolicy: string;
}

/** The pinned versions: the schema's chart defaults and the policy version the program ships. */
export function pinnedVersions(): PinnedVersions {
    return {
        argocdChart: CONFIG_SCHEMA.argocdChartVersion.default,
        metricsServerChart: CONFIG_SCHEMA.metricsServerChartVersion.default,
        loadBalancerControllerChart: CONFIG_SCHEMA.loadBalancerControllerChartVersion.default,
        loadBalancerControllerPolicy: LOAD_BALANCER_CONTROLLER_POLICY_VERSION,
    };
}

export type UpstreamId = "argocdValues" | "metricsServerValues" | "loadBalancerControllerValues" | "loadBalancerControllerPolicy";

/** One reference file: where it sits in the data folder and where upstream publishes it. */
export interface UpstreamFile {
    readonly id: UpstreamId;
    /** Path inside the data folder, with `/` separators, e.g. `charts/argo-cd-10.1.1.values.yaml`. */
    readonly file: string;
    /** The upstream version it belongs to (chart version or controller tag). */
    readonly version: string;
    /** URL it is downloaded from. */
    readonly source: string;
}

// Versions become file names and URL paths: only exact releases, nothing that could walk out of a folder.
const SEMVER = /^\d+\.\d+\.\d+$/;

function exact(name: string, version: string, pattern: RegExp): string {
    if (!pattern.test(version)) throw new Error(`${name}: ${JSON.stringify(version)} is not an exact release version`);
    return version;
}

/**
 * The reference files the given versions need, with their upstream URLs. Pure: no I/O.
 *
 * @param versions The pinned versions. Defaults to {@link pinnedVersions}.
 * @param baseUrl Replaces `https://raw.githubusercontent.com`. Defaults to {@link DEFAULT_BASE_URL}.
 */
export function upstreamFiles(versions: PinnedVersions = pinnedVersions(), baseUrl: string = DEFAULT_BASE_URL): UpstreamFile[] {
    const base = baseUrl.replace(/\/+$/, "");
    const argocd = exact("argocdChart", versions.argocdChart, SEMVER);
    const metrics = exact("metricsServerChart", versions.metricsServerChart, SEMVER);
    const lbc = exact("loadBalancerControllerChart", versions.loadBalancerControllerChart, SEMVER);
    const policy = exact("loadBalancerControllerPolicy", versions.loadBalancerControllerPolicy, /^v\d+\.\d+\.\d+$/);
    return [
        {
            id: "argocdValues",
            file: `charts/argo-cd-${argocd}.values.yaml`,
            version: argocd,
            source: `${base}/argoproj/argo-helm/argo-cd-${argocd}/charts/argo-cd/values.yaml`,
        },
        {
            id: "loadBalancerControllerValues",
            file: `charts/aws-load-balancer-controller-${lbc}.values.yaml`,
            version: lbc,
            // Since chart 3.x the chart's source is the controller's repository, tagged like the controller.
            source: `${base}/kubernetes-sigs/aws-load-balancer-controller/v${lbc}/helm/aws-load-balancer-controller/values.yaml`,
        },
        {
            id: "metricsServerValues",
            file: `charts/metrics-server-${metrics}.values.yaml`,
            version: metrics,
            source: `${base}/kubernetes-sigs/metrics-server/metrics-server-helm-chart-${metrics}/charts/metrics-server/values.yaml`,
        },
        {
            id: "loadBalancerControllerPolicy",
            file: `iam/aws-load-balancer-controller-${policy}-iam_policy.json`,
            version: policy,
            source: `${base}/kubernetes-sigs/aws-load-balancer-controller/${policy}/docs/install/iam_policy.json`,
        },
    ];
}

/**
 * The data-folder path of one reference file for the given versions, e.g. for `readReference`.
 *
 * @param versions Defaults to {@link pinnedVersions}.
 */
export function upstreamFile(id: UpstreamId, versions: PinnedVersions = pinnedVersions()): string {
    return upstreamFiles(versions).find((f) => f.id === id)!.file;
}

/** What `provenance.json` records for one file. */
export interface ProvenanceEntry {
    readonly source: string;
    readonly version: string;
    /** UTC date (YYYY-MM-DD) the content was downloaded. */
    readonly retrieved: string;
    readonly sha256: string;
}

export interface Manifest {
    readonly comment: string;
    /** Keyed by path inside the data folder. */
    readonly files: Readonly<Record<string, ProvenanceEntry>>;
}

const MANIFEST_COMMENT = `Upstream reference data for the tests, written by ${REFRESH_COMMAND} (scripts/refresh-upstream.ts); do not edit by hand.`;

export function sha256(content: Buffer | string): string {
    return createHash("sha256").update(content).digest("hex");
}

/** Reads a data folder's manifest; a folder without one has no files of the script's. */
export function readManifest(dir: string): Manifest {
    const file = path.join(dir, MANIFEST);
    if (!fs.existsSync(file)) return { comment: MANIFEST_COMMENT, files: {} };
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    if (!manifest || typeof manifest.files !== "object") throw new Error(`${file}: no "files" object`);
    return manifest;
}

/** Resolves a manifest path inside `dir`, refusing one that points outside it. */
function inside(dir: string, relative: string): string {
    const file = path.resolve(dir, relative);
    if (!file.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${relative}: manifest path outside ${dir}`);
    return file;
}

/** A 200 that is not the expected data (an error page, a moved file) must not become the reference. */
function checkParses(url: string, file: string, content: Buffer): void {
    try {
        const data = file.endsWith(".json") ? JSON.parse(content.toString("utf8")) : parse(content.toString("utf8"));
        if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("not a mapping");
    } catch (e) {
        throw new Error(`${url}: not ${file.endsWith(".json") ? "a JSON" : "a YAML"} document (${(e as Error).message.split("\n")[0]})`);
    }
}

export interface RefreshOptions {
    /** Data folder. Defaults to {@link UPSTREAM_DIR}. */
    readonly dir?: string;
    /** Defaults to {@link DEFAULT_BASE_URL}. */
    readonly baseUrl?: string;
    /** Defaults to {@link pinnedVersions}. */
    readonly versions?: PinnedVersions;
    /** UTC date recorded for new content. Defaults to today. */
    readonly today?: string;
}

export interface RefreshResult {
    readonly written: string[];
    readonly removed: string[];
    readonly unchanged: string[];
}

/**
 * Downloads the reference files of the pinned versions into the data folder and rewrites its
 * manifest. Everything is downloaded and checked before anything is written. Removes the files the
 * old manifest lists that the versions no longer need; refuses to overwrite a file it does not list.
 * An unchanged file keeps its recorded date, so a refresh without a version bump changes nothing.
 */
export async function refresh(options: RefreshOptions = {}): Promise<RefreshResult> {
    const dir = path.resolve(options.dir ?? UPSTREAM_DIR);
    const today = options.today ?? new Date().toISOString().slice(0, 10);
    const wanted = upstreamFiles(options.versions ?? pinnedVersions(), options.baseUrl ?? DEFAULT_BASE_URL);
    let old: Manifest;
    try {
        old = readManifest(dir);
    } catch (e) {
        // An unreadable manifest means the script cannot tell its files from others': touch nothing.
        throw new Error(`cannot read ${path.join(dir, MANIFEST)}: ${(e as Error).message}`);
    }

    // Checked before the downloads: a file someone put here by hand is theirs, never overwritten.
    for (const { file } of wanted) {
        if (!(file in old.files) && fs.existsSync(inside(dir, file))) {
            throw new Error(`refusing to overwrite ${path.join(dir, file)}: ${MANIFEST} does not list it (move it away first)`);
        }
    }

    const contents = new Map<string, Buffer>();
    for (const { file, source } of wanted) {
        const content = await download(source);
        checkParses(source, file, content);
        contents.set(file, content);
    }

    const result: RefreshResult = { written: [], removed: [], unchanged: [] };
    const files: Record<string, ProvenanceEntry> = {};
    for (const { file, source, version } of wanted) {
        const content = contents.get(file)!;
        const hash = sha256(content);
        const target = inside(dir, file);
        const previous = old.files[file];
        const same = previous?.sha256 === hash && previous.source === source && fs.existsSync(target) && sha256(fs.readFileSync(target)) === hash;
        files[file] = { source, version, retrieved: same ? previous.retrieved : today, sha256: hash };
        if (same) {
            result.unchanged.push(file);
            continue;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Write then rename: an interrupted run never leaves a half-written reference file.
        fs.writeFileSync(`${target}.partial`, content);
        fs.renameSync(`${target}.partial`, target);
        result.written.push(file);
    }
    const manifest: Manifest = { comment: MANIFEST_COMMENT, files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
    fs.writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);

    for (const file of Object.keys(old.files)) {
        if (file in files) continue;
        const target = inside(dir, file);
        if (fs.existsSync(target)) {
            fs.rmSync(target);
            result.removed.push(file);
        }
    }
    return result;
}

/** Reads `--dir <folder>` / `--dir=<folder>`, else env UPSTREAM_DIR; any other argument is a mistake. */
function dirOption(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
    const usage = `usage: ${REFRESH_COMMAND} [-- --dir <folder>]`;
    if (argv.length === 0) return env.UPSTREAM_DIR || undefined;
    if (argv.length === 2 && argv[0] === "--dir" && argv[1]) return argv[1];
    if (argv.length === 1 && argv[0].startsWith("--dir=") && argv[0].length > "--dir=".length) return argv[0].slice("--dir=".length);
    throw new Error(`unexpected arguments ${argv.join(" ")} (${usage})`);
}

/**
 * The command line: `npm run refresh-upstream -- [--dir <folder>]`.
 *
 * @param argv The arguments after the script.
 * @param env The environment (`UPSTREAM_DIR`, `UPSTREAM_BASE_URL`).
 * @param out Where progress lines go.
 * @param err Where the one-line failure goes.
 * @returns The exit code: 0, or 1 with nothing changed.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
    try {
        const dir = dirOption([...argv], env);
        const result = await refresh({ dir, baseUrl: env.UPSTREAM_BASE_URL || undefined });
        for (const file of result.written) out(`wrote    ${file}`);
        for (const file of result.unchanged) out(`same     ${file}`);
        for (const file of result.removed) out(`removed  ${file}`);
        return 0;
    } catch (e) {
        // Every failure here is the user's to act on (URL, folder, permissions): one line, no stack.
        err(`refresh-upstream: ${String((e as Error).message ?? e).split("\n")[0]}`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line)).then((code) => (process.exitCode = code));
}
