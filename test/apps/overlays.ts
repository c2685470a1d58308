import * as path from "path";
import type { Manifest } from "../../components/apps/checks";
import { kustomizeBuild } from "../../scripts/offline/render";
import { REPO_ROOT } from "../../scripts/offline/stack-config";

const builds = new Map<string, Manifest[]>();

/**
 * The objects of an app's overlay for a stack, as `kubectl kustomize` builds them: built once per
 * test run and shared by the spec files that read them (each build starts kubectl).
 */
export function built(app: string, stack: string): Manifest[] {
    const key = `${app}/${stack}`;
    if (!builds.has(key)) builds.set(key, kustomizeBuild(path.join(REPO_ROOT, "apps", app, "overlays", stack)));
    return builds.get(key)!;
}
