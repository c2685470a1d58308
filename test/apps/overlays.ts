import * as path from "path";
import type { Manifest } from "../../components/apps/checks";
import { kustomizeBuild } from "../../scripts/offline/render";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

const builds = new Map<string, Manifest[]>();

/**
 * The objects of an overlay folder as `kubectl kustomize` builds it: built once per test run and
 * shared by the spec files that read it (each build starts kubectl). Read them, do not change them.
 * @param dir The overlay folder, absolute.
 */
export function builtAt(dir: string): Manifest[] {
    const key = path.resolve(dir);
    if (!builds.has(key)) builds.set(key, kustomizeBuild(key));
    return builds.get(key)!;
}

/**
 * The objects of an app's overlay for a stack, as `kubectl kustomize` builds them ({@link builtAt}).
 * @param app The app's folder name under apps/.
 * @param stack The stack whose overlay is built.
 */
export function built(app: string, stack: string): Manifest[] {
    return builtAt(path.join(REPO_ROOT, "apps", app, "overlays", stack));
}
