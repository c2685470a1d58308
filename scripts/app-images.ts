/**
 * Which app images a stack's ECR lacks, and the overlay tags that follow once they are there; run by
 * `.github/workflows/images.yml` once per stack, from the repository root:
 *
 *   npx tsx scripts/app-images.ts plan --stack <stack> --repositories <file|->
 *     prints a JSON list of {app, image, tag, context, repositoryUrl, present}: every image of every
 *     app that the stack's `appImageRepositories` output lists, with whether its tag is in that
 *     repository. CI builds and pushes those that are not.
 *   npx tsx scripts/app-images.ts set-tags --stack <stack> --repositories <file|->
 *     sets, in `apps/<app>/overlays/<stack>`, the tag of each image that is now in the stack's
 *     repository and that the overlay does not pin yet; prints one line per change.
 *
 * `--repositories` is `pulumi stack output appImageRepositories --json --stack <stack>`:
 * `{"<app>/<image>": "<registry>/<repository name>"}`. An image of an app it does not list (not
 * deployed to that stack yet, excluded by app.yaml's `stacks:`, or disabled) is skipped with a notice.
 *
 * An app's tag is the commit hash of its image sources: the last commit that touched
 * `apps/<app>/images/`. A commit elsewhere (another app, the app's manifests, or the tag bump in an
 * overlay) leaves it as it is, so nothing is rebuilt or redeployed that did not change.
 *
 * What is built is decided by asking the stack's ECR (`aws ecr describe-images`), never by reading
 * git or the overlays: a rebuilt stack's empty repositories get every image back, and a tag that is
 * there is never pushed again. The repositories have immutable tags, which refuse a second push of
 * a tag (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html), so a
 * rerun that re-pushed would fail; this one is a no-op.
 *
 * The script loads nothing but `yaml`: CI and the tests start it in well under a second (the program's
 * modules load the Pulumi SDK). The few names it shares with components/apps/discover.ts are checked
 * equal by test/images.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, isSeq, parse, parseDocument } from "yaml";

/** Length of the tags CI gives images: enough to stay unique in any repository's lifetime. */
export const TAG_LENGTH = 12;
/** As components/apps/discover.ts: the apps' folder, their descriptor, and Kustomize's file names. */
export const APPS_DIR = "apps";
export const DESCRIPTOR_FILE = "app.yaml";
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** One image of an app, at the tag its sources imply. */
export interface AppImage {
    readonly app: string;
    readonly image: string;
    /** The tag to build and push, and to set in the overlay. */
    readonly tag: string;
    /** Build context, relative to the repository root. */
    readonly context: string;
}

/** An app image of a stack: where it goes, and whether that repository holds its tag. */
export interface PlannedImage extends AppImage {
    readonly repositoryUrl: string;
    readonly present: boolean;
}

/** An ECR repository, from its URL `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>`. */
export interface EcrRepository {
    readonly url: string;
    readonly account: string;
    readonly region: string;
    readonly name: string;
}

/** Whether a repository holds a tag; throws on anything but a clear yes or no. */
export type TagLookup = (repository: EcrRepository, tag: string) => boolean;

/** The name manifests use for an app's image (discover.ts imageReference); the outputs' keys. */
export function imageReference(app: string, image: string): string {
    return `${app}/${image}`;
}

/** The overlay of an app for a stack, relative to the repository root (discover.ts overlayPath). */
export function overlayPath(app: string, stack: string): string {
    return path.posix.join(APPS_DIR, app, "overlays", stack);
}

/** The stacks of the project: one per `Pulumi.<stack>.yaml` (scripts/offline/stacks.ts projectStacks). */
export function stacksOf(root: string): string[] {
    return fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
}

/** The commit hash of an app's image sources; undefined when git knows no commit of them. */
export function appTag(repoRoot: string, app: string): string | undefined {
    const folder = path.posix.join(APPS_DIR, app, "images");
    const git = spawnSync("git", ["log", "-1", "--format=%H", "--", folder], { cwd: repoRoot, encoding: "utf8" });
    if (git.status !== 0) throw new Error(`git log ${folder}: ${git.error?.message ?? git.stderr.trim()}`);
    const out = git.stdout.trim();
    return out ? out.slice(0, TAG_LENGTH) : undefined;
}

/** Every image of every app (folders with an app.yaml), at its sources' tag; apps git knows no commit of are left out. */
export function appImages(repoRoot: string): AppImage[] {
    const appsDir = path.join(repoRoot, APPS_DIR);
    if (!fs.existsSync(appsDir)) return [];
    const apps = fs
        .readdirSync(appsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(appsDir, e.name, DESCRIPTOR_FILE)))
        .map((e) => e.name)
        .sort();
    return apps.flatMap((app) => {
        const tag = appTag(repoRoot, app);
        if (!tag) return [];
        const descriptor = parse(fs.readFileSync(path.join(appsDir, app, DESCRIPTOR_FILE), "utf8")) as { images?: unknown } | null;
        const images = Array.isArray(descriptor?.images) ? descriptor.images.map(String) : [];
        return images.map((image) => ({ app, image, tag, context: path.posix.join(APPS_DIR, app, "images", image) }));
    });
}

/** The `appImageRepositories` output, checked: an object of repository URLs. */
export function parseRepositories(text: string, source: string): Record<string, string> {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new Error(`${source}: not JSON (pulumi stack output appImageRepositories --json): ${(e as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
        throw new Error(`${source}: must be an object of "<app>/<image>": "<repository URL>" (the stack output appImageRepositories)`);
    }
    return value as Record<string, string>;
}

/** The account, region and name of an ECR repository URL. */
export function ecrRepository(url: string): EcrRepository {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)$/.exec(url);
    if (!match) throw new Error(`${url}: not an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)`);
    return { url, account: match[1], region: match[2], name: match[3] };
}

/**
 * Asks ECR with the AWS CLI whether a repository holds a tag. ImageNotFoundException and
 * RepositoryNotFoundException are a no; any other failure (credentials, permissions, throttling)
 * is an error naming the repository, never a guess that would push or skip by mistake.
 */
export const ecrHasTag: TagLookup = (repository, tag) => {
    const args = ["ecr", "describe-images", "--repository-name", repository.name, "--image-ids", `imageTag=${tag}`, "--region", repository.region, "--output", "json"];
    const aws = spawnSync("aws", args, { encoding: "utf8" });
    if (aws.status === 0) return true;
    const said = `${aws.stderr ?? ""}${aws.stdout ?? ""}`;
    if (/\b(?:ImageNotFoundException|RepositoryNotFoundException)\b/.test(said)) return false;
    throw new Error(`ECR repository ${repository.name} (${repository.url}): aws ecr describe-images failed: ${aws.error?.message ?? said.trim()}`);
};

/**
 * The stack's images: each one its outputs list, with its repository and whether the tag is there.
 *
 * @param notice Told of each image skipped because the outputs do not list it.
 */
export function planImages(repoRoot: string, stack: string, repositories: Readonly<Record<string, string>>, hasTag: TagLookup, notice: (message: string) => void): PlannedImage[] {
    return appImages(repoRoot).flatMap((image) => {
        const reference = imageReference(image.app, image.image);
        const url = repositories[reference];
        if (url === undefined) {
            notice(`${reference}: not in ${stack}'s appImageRepositories (the app is not deployed to ${stack}: new, excluded by its stacks, or disabled); skipped`);
            return [];
        }
        return [{ ...image, repositoryUrl: url, present: hasTag(ecrRepository(url), image.tag) }];
    });
}

/**
 * A kustomization's text with an image's `newTag` set, as `kustomize edit set image <ref>:<tag>`
 * would (comments and layout kept); undefined when it pins that tag already.
 */
export function withImageTag(text: string, reference: string, tag: string): string | undefined {
    const doc = parseDocument(text);
    let images = doc.get("images", true);
    if (!isSeq(images)) {
        doc.set("images", doc.createNode([]));
        images = doc.get("images", true);
    }
    if (!isSeq(images)) throw new Error("images: not a list");
    const entry = images.items.find((item) => isMap(item) && item.get("name") === reference);
    if (!isMap(entry)) {
        images.add(doc.createNode({ name: reference, newTag: tag }));
        return doc.toString();
    }
    const current = entry.get("newTag", true);
    if (isScalar(current)) {
        if (current.value === tag) return undefined;
        current.value = tag; // keeps its quotes: a tag of digits only stays a string
    } else {
        entry.set("newTag", tag);
    }
    return doc.toString();
}

/** One overlay tag changed by {@link setTags}. */
export interface TagChange {
    readonly file: string;
    readonly reference: string;
    readonly from: string | undefined;
    readonly to: string;
}

/**
 * Sets in the stack's overlays the tag of every planned image that is present in its repository,
 * where the overlay pins another. Images not present are left alone: an overlay never names a tag
 * that the stack's ECR does not hold.
 */
export function setTags(repoRoot: string, stack: string, plan: readonly PlannedImage[], warn: (message: string) => void): TagChange[] {
    const changes: TagChange[] = [];
    for (const image of plan.filter((p) => p.present)) {
        const dir = overlayPath(image.app, stack);
        const name = KUSTOMIZATION_FILES.find((f) => fs.existsSync(path.join(repoRoot, dir, f)));
        if (!name) {
            warn(`${dir}: no kustomization; ${imageReference(image.app, image.image)}:${image.tag} is in ${stack}'s ECR but no overlay runs it`);
            continue;
        }
        const file = path.join(repoRoot, dir, name);
        const text = fs.readFileSync(file, "utf8");
        const reference = imageReference(image.app, image.image);
        const updated = withImageTag(text, reference, image.tag);
        if (updated === undefined) continue;
        const before = (parse(text) as { images?: { name?: unknown; newTag?: unknown }[] } | null)?.images?.find((i) => i?.name === reference)?.newTag;
        fs.writeFileSync(file, updated);
        changes.push({ file: path.posix.join(dir, name), reference, from: before === undefined ? undefined : String(before), to: image.tag });
    }
    return changes;
}

const COMMANDS = ["plan", "set-tags"] as const;

/** What the command line reads and writes; tests give their own. */
export interface Io {
    readonly cwd: string;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly stdin: () => string;
    readonly hasTag: TagLookup;
}

function option(argv: readonly string[], name: string): string | undefined {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
}

/** The command line; returns the exit code (2: usage). */
export function main(argv: readonly string[], io: Io): number {
    // The stack is always named: a default would plan for a stack that may not exist.
    const stacks = stacksOf(io.cwd);
    const command = argv[0];
    const stack = option(argv, "--stack");
    const repositoriesFile = option(argv, "--repositories") ?? "-";
    if (!COMMANDS.includes(command as (typeof COMMANDS)[number]) || !stack || !stacks.includes(stack)) {
        io.stderr(`usage: npx tsx scripts/app-images.ts <${COMMANDS.join("|")}> --stack <${stacks.join("|")}> [--repositories <file|->]\n`);
        return 2;
    }
    try {
        const text = repositoriesFile === "-" ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, repositoriesFile), "utf8");
        const repositories = parseRepositories(text, repositoriesFile === "-" ? "stdin" : repositoriesFile);
        const plan = planImages(io.cwd, stack, repositories, io.hasTag, (m) => io.stderr(`::notice::${m}\n`));
        if (command === "plan") {
            io.stdout(`${JSON.stringify(plan)}\n`);
            for (const p of plan) io.stderr(`${imageReference(p.app, p.image)}:${p.tag} ${p.present ? "is in" : "is missing from"} ${p.repositoryUrl}\n`);
            return 0;
        }
        const changes = setTags(io.cwd, stack, plan, (m) => io.stderr(`::warning::${m}\n`));
        for (const c of changes) io.stdout(`${c.file}: ${c.reference} ${c.from ?? "(none)"} -> ${c.to}\n`);
        if (changes.length === 0) io.stdout(`${stack}'s overlays run every image their ECR holds at its current tag\n`);
        return 0;
    } catch (e) {
        io.stderr(`::error::${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2), {
        cwd: process.cwd(),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        stdin: () => fs.readFileSync(0, "utf8"),
        hasTag: ecrHasTag,
    });
}
