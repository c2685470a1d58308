/**
 * Renders app overlays the way Argo CD does: `kubectl kustomize` (Kustomize built into kubectl),
 * optionally with Argo CD's image overrides applied.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import type { Manifest } from "../../components/apps/checks";

/** A build Kustomize refused: its own message, without kubectl's usage text. */
export class KustomizeError extends Error {
    constructor(readonly kustomizeMessage: string) {
        super(`kubectl kustomize failed: ${kustomizeMessage}`);
        this.name = "KustomizeError";
    }
}

/** A tool the plan needs is not installed: the machine's problem, reported without a stack trace. */
export class MissingToolError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "MissingToolError";
    }
}

/** A failed `kubectl kustomize` as the error the plan reports. */
function kustomizeFailure(e: unknown): Error {
    const err = e as { stderr?: string; code?: string; message: string };
    if (err.code === "ENOENT") return new MissingToolError("kubectl is not installed: the app overlays are built with `kubectl kustomize` (https://kubernetes.io/docs/tasks/tools/)");
    return new KustomizeError((err.stderr || err.message).trim().replace(/^error: /, ""));
}

/** The objects `kubectl kustomize` printed. */
function parseBuild(output: string): Manifest[] {
    return parseAllDocuments(output)
        .map((d) => d.toJS() as Manifest)
        .filter((m) => m !== null);
}

/** Kustomize prints whole overlays: more than Node's default 1 MiB of output must not fail a build. */
const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * `kubectl kustomize <dir>`: every object of the build.
 * @throws KustomizeError with Kustomize's message when the build fails; MissingToolError without kubectl.
 */
export function kustomizeBuild(dir: string): Manifest[] {
    let output: string;
    try {
        output = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: MAX_OUTPUT });
    } catch (e) {
        throw kustomizeFailure(e);
    }
    return parseBuild(output);
}

/**
 * {@link kustomizeBuild} in a child process the caller need not wait for: builds run beside each
 * other and beside the program, on the machine's other cores.
 * @param dir The kustomization folder.
 * @returns The objects of the build; rejects with KustomizeError or MissingToolError as {@link kustomizeBuild} throws.
 */
export function kustomizeBuildAsync(dir: string): Promise<Manifest[]> {
    return new Promise((resolve, reject) => {
        execFile("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
            if (err) reject(kustomizeFailure(Object.assign(err, { stderr })));
            else {
                try {
                    resolve(parseBuild(stdout));
                } catch (e) {
                    reject(e);
                }
            }
        }).stdin?.end();
    });
}

/**
 * Argo CD's `spec.source.kustomize.images` entry `name=newName:*`, as a kustomization `images` entry
 * (`*` keeps the tag the overlay pins: Kustomize leaves a missing newTag alone).
 */
export function imageOverride(spec: string): { name: string; newName: string } {
    const match = /^([^=]+)=(.+):\*$/.exec(spec);
    if (!match) throw new Error(`not an Argo CD image override name=newName:* (${spec})`);
    return { name: match[1], newName: match[2] };
}

/**
 * The overlay as Argo CD applies it: built with its image overrides, through a kustomization that
 * only adds them (Kustomize wants relative paths to the overlay).
 */
export function renderForArgo(overlayDir: string, images: readonly string[]): Manifest[] {
    const dir = argoKustomization(overlayDir, images);
    try {
        return kustomizeBuild(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * {@link renderForArgo} in a child process the caller need not wait for.
 * @param overlayDir The app's overlay.
 * @param images Argo CD's image overrides, `name=newName:*` each.
 */
export async function renderForArgoAsync(overlayDir: string, images: readonly string[]): Promise<Manifest[]> {
    const dir = argoKustomization(overlayDir, images);
    try {
        return await kustomizeBuildAsync(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A temporary kustomization that only adds Argo CD's image overrides to the overlay: its folder, for the caller to remove. */
function argoKustomization(overlayDir: string, images: readonly string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "argocd-render-"));
    try {
        const kustomization = { resources: [path.relative(dir, overlayDir)], images: images.map(imageOverride) };
        fs.writeFileSync(path.join(dir, "kustomization.yaml"), stringify(kustomization));
        return dir;
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

/** The builds a check needs, answered at once: {@link kustomizeBuild} and {@link renderForArgo}, or their results computed ahead. */
export interface Builds {
    /** The overlay's objects; throws as {@link kustomizeBuild} does. */
    overlay(dir: string): Manifest[];
    /** The overlay with Argo CD's image overrides; throws as {@link renderForArgo} does. */
    forArgo(dir: string, images: readonly string[]): Manifest[];
}

/** Builds run when asked, one after another. */
export const BUILD_ON_DEMAND: Builds = { overlay: kustomizeBuild, forArgo: renderForArgo };

/**
 * Builds started ahead, all at once, in child processes: {@link settle} waits for them and answers
 * as {@link Builds} from their results (a build it did not start runs then, on demand), so a check
 * written against {@link Builds} runs unchanged and Kustomize's time overlaps the program's.
 */
export class BuildsAhead {
    private readonly runs = new Map<string, Promise<Manifest[]>>();

    private static key(dir: string, images?: readonly string[]): string {
        return JSON.stringify([dir, images ?? null]);
    }

    private start(key: string, run: () => Promise<Manifest[]>): void {
        if (this.runs.has(key)) return;
        const promise = run();
        promise.catch(() => undefined); // reported by settle(), through the check that asks for it
        this.runs.set(key, promise);
    }

    /**
     * Starts `kubectl kustomize <dir>`.
     * @param dir The overlay.
     */
    overlay(dir: string): void {
        this.start(BuildsAhead.key(dir), () => kustomizeBuildAsync(dir));
    }

    /**
     * Starts the overlay's render with Argo CD's image overrides.
     * @param dir The overlay.
     * @param images The overrides, `name=newName:*` each.
     */
    forArgo(dir: string, images: readonly string[]): void {
        this.start(BuildsAhead.key(dir, images), () => renderForArgoAsync(dir, images));
    }

    /** Waits for every build started and answers from their results. */
    async settle(): Promise<Builds> {
        const done = new Map<string, { manifests?: Manifest[]; error?: unknown }>();
        await Promise.all(
            [...this.runs].map(([key, run]) =>
                run.then(
                    (manifests) => done.set(key, { manifests }),
                    (error) => done.set(key, { error }),
                ),
            ),
        );
        const answer = (key: string, onDemand: () => Manifest[]): Manifest[] => {
            const result = done.get(key);
            if (!result) return onDemand();
            if (result.error !== undefined) throw result.error;
            // A copy: a check that changed what it was given must not change what the next one gets.
            return structuredClone(result.manifests!);
        };
        return {
            overlay: (dir) => answer(BuildsAhead.key(dir), () => kustomizeBuild(dir)),
            forArgo: (dir, images) => answer(BuildsAhead.key(dir, images), () => renderForArgo(dir, images)),
        };
    }
}
