/**
 * Renders app overlays the way Argo CD does: `kubectl kustomize` (Kustomize built into kubectl),
 * optionally with Argo CD's image overrides applied.
 */
import { execFileSync } from "child_process";
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

/**
 * `kubectl kustomize <dir>`: every object of the build.
 * @throws KustomizeError with Kustomize's message when the build fails; MissingToolError without kubectl.
 */
export function kustomizeBuild(dir: string): Manifest[] {
    let output: string;
    try {
        output = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        const err = e as { stderr?: string; code?: string; message: string };
        if (err.code === "ENOENT") throw new MissingToolError("kubectl is not installed: the app overlays are built with `kubectl kustomize` (https://kubernetes.io/docs/tasks/tools/)");
        throw new KustomizeError((err.stderr || err.message).trim().replace(/^error: /, ""));
    }
    return parseAllDocuments(output)
        .map((d) => d.toJS() as Manifest)
        .filter((m) => m !== null);
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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "argocd-render-"));
    try {
        const kustomization = { resources: [path.relative(dir, overlayDir)], images: images.map(imageOverride) };
        fs.writeFileSync(path.join(dir, "kustomization.yaml"), stringify(kustomization));
        return kustomizeBuild(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
