/**
 * Which app images CI must build: `npx tsx scripts/app-images.ts --stack <stack>` prints a JSON list
 * of {app, image, tag, context} for every image whose overlay does not yet run the app's current tag.
 *
 * An app's tag is the commit hash of its image sources: the last commit that touched
 * `apps/<app>/images/`. A commit elsewhere (another app, the app's manifests, or CI's own commit
 * that sets the tag in an overlay) leaves it as it is, so nothing is rebuilt or redeployed that did
 * not change.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { APPS_DIR, DESCRIPTOR_FILE, imageReference, kustomizationFile, overlayPath } from "../components/apps/discover";
import { projectStacks } from "./offline/stacks";

/** Length of the tags CI gives images: enough to stay unique in any repository's lifetime. */
export const TAG_LENGTH = 12;

export interface ImageBuild {
    readonly app: string;
    readonly image: string;
    /** The tag to build and push, and to set in the overlay. */
    readonly tag: string;
    /** Build context, relative to the repository root. */
    readonly context: string;
}

/** The commit hash of an app's image sources; undefined when git knows no commit of them. */
export function appTag(repoRoot: string, app: string): string | undefined {
    const folder = path.posix.join(APPS_DIR, app, "images");
    const out = execFileSync("git", ["log", "-1", "--format=%H", "--", folder], { cwd: repoRoot, encoding: "utf8" }).trim();
    return out ? out.slice(0, TAG_LENGTH) : undefined;
}

/** The tags an overlay pins, by image reference. */
function overlayTags(repoRoot: string, app: string, stack: string): Record<string, string> {
    const file = kustomizationFile(path.join(repoRoot, overlayPath(app, stack)));
    if (!file) return {};
    const doc = parse(fs.readFileSync(file, "utf8")) as { images?: { name: string; newTag?: string }[] };
    return Object.fromEntries((doc.images ?? []).map((i) => [i.name, i.newTag ?? ""]));
}

/** Every image of every app whose `stack` overlay does not run the app's current tag. */
export function pendingBuilds(repoRoot: string, stack: string): ImageBuild[] {
    const builds: ImageBuild[] = [];
    const apps = fs
        .readdirSync(path.join(repoRoot, APPS_DIR), { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(repoRoot, APPS_DIR, e.name, DESCRIPTOR_FILE)))
        .map((e) => e.name)
        .sort();
    for (const app of apps) {
        const tag = appTag(repoRoot, app);
        if (!tag) continue;
        const descriptor = parse(fs.readFileSync(path.join(repoRoot, APPS_DIR, app, DESCRIPTOR_FILE), "utf8")) as { images?: string[] };
        const pinned = overlayTags(repoRoot, app, stack);
        for (const image of descriptor.images ?? []) {
            if (pinned[imageReference(app, image)] !== tag) builds.push({ app, image, tag, context: path.posix.join(APPS_DIR, app, "images", image) });
        }
    }
    return builds;
}

if (require.main === module) {
    // The stack is always named: a default would build for a stack that may not exist.
    const root = path.resolve(__dirname, "..");
    const at = process.argv.indexOf("--stack");
    const stack = at >= 0 ? process.argv[at + 1] : undefined;
    if (!stack || !projectStacks(root).includes(stack)) {
        process.stderr.write(`usage: npx tsx scripts/app-images.ts --stack <${projectStacks(root).join("|")}>\n`);
        process.exit(2);
    }
    process.stdout.write(`${JSON.stringify(pendingBuilds(root, stack))}\n`);
}
