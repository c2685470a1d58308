/**
 * Promotes the app images one stack runs to another:
 *
 *   npm run promote -- --from dev --to prd
 *
 * For every app that runs in both stacks, sets each image's `newTag` in the `to` overlay's
 * `images:` to the `from` overlay's. Only those values change: the rest of each file (comments,
 * order, quoting, the patches) stays byte for byte. Nothing is written when anything is wrong (an
 * app whose `to` overlay has no entry for one of its images, a stack's config or apps that do not
 * load); every problem is printed, naming its file. The images themselves need no copying: CI builds
 * each app's tag into every stack's repositories (images.yml).
 *
 * The manifests promote with the revision: the `to` stack's Argo CD follows its own revision
 * (platform:gitRevision, prd: deploy/prd), which its approved deploy moves to the commit it
 * deployed (deploy.yml). The pull request this makes (promote.yml) shows the manifests that change.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { imageReference, kustomizationFile } from "../components/apps/discover";
import { ConfigError } from "../components/errors";
import { stackApps } from "./offline/apps";
import { REPO_ROOT } from "./offline/stack-config";
import { projectStacks } from "./offline/stacks";

/** One tag the promotion sets. */
export interface TagChange {
    /** The overlay file, relative to the project folder. */
    readonly file: string;
    /** `<app>/<image>`. */
    readonly image: string;
    readonly from: string;
    readonly to: string;
}

export interface Promotion {
    readonly changes: TagChange[];
    /** Each problem names its file; when there is one, nothing was (or is to be) written. */
    readonly problems: string[];
    /** The new content of each file that changes, by absolute path. */
    readonly files: ReadonlyMap<string, string>;
}

/**
 * What promoting `from` to `to` changes, without writing anything.
 *
 * @param root The project folder (Pulumi files and `apps/`). Defaults to this repository.
 */
export function planPromotion(from: string, to: string, root: string = REPO_ROOT): Promotion {
    const stacks = projectStacks(root);
    const problems: string[] = [];
    for (const stack of [from, to]) if (!stacks.includes(stack)) problems.push(`no stack ${JSON.stringify(stack)}: the stacks are ${stacks.join(", ")} (one per Pulumi.<stack>.yaml)`);
    if (problems.length === 0 && from === to) problems.push(`--from and --to are both ${from}: promote from one stack to another`);
    if (problems.length > 0) return { changes: [], problems, files: new Map() };

    const load = (stack: string) => {
        try {
            return stackApps(stack, root);
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            problems.push(...e.problems.map((p) => `${stack}: ${p}`));
            return [];
        }
    };
    const source = new Map(load(from).map((spec) => [spec.descriptor.name, spec]));
    const target = load(to);
    if (problems.length > 0) return { changes: [], problems, files: new Map() };

    const changes: TagChange[] = [];
    const files = new Map<string, string>();
    for (const spec of target) {
        const origin = source.get(spec.descriptor.name);
        if (!origin) continue; // runs in `to` only: nothing to promote from
        const file = kustomizationFile(path.join(root, spec.sourcePath))!;
        const shown = path.posix.join(spec.sourcePath, path.basename(file));
        let text = fs.readFileSync(file, "utf8");
        const document = parseDocument(text);
        const entries = document.get("images");
        // Replace from the end of the file, so the offsets of the earlier ones stay right.
        const edits: { start: number; end: number; value: string }[] = [];
        for (const image of spec.descriptor.images) {
            const reference = imageReference(spec.descriptor.name, image);
            const tag = origin.imageTags[image];
            const entry = isSeq(entries) ? entries.items.find((item) => isMap(item) && item.get("name") === reference) : undefined;
            const node = isMap(entry) ? entry.get("newTag", true) : undefined;
            if (!isScalar(node) || !node.range) {
                problems.push(`${shown}: images: no newTag for ${reference}; add the entry {name: ${reference}, newTag: "<tag>"} to promote ${from}'s ${tag ?? "tag"} to ${to}`);
                continue;
            }
            if (tag === undefined || node.value === tag) continue;
            edits.push({ start: node.range[0], end: node.range[1], value: JSON.stringify(tag) });
            changes.push({ file: shown, image: reference, from: String(node.value), to: tag });
        }
        if (edits.length === 0) continue;
        for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.value + text.slice(edit.end);
        files.set(file, text);
    }
    if (problems.length > 0) return { changes: [], problems, files: new Map() };
    return { changes, problems, files };
}

const USAGE = "usage: npm run promote -- --from <stack> --to <stack>";

/** The command line: what it prints and its exit status, without exiting (tests call it). */
export function main(argv: readonly string[], root: string = REPO_ROOT): { stdout: string; stderr: string; status: number } {
    const options: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (!["--from", "--to"].includes(argv[i]) || !argv[i + 1]) return { stdout: "", stderr: `${USAGE}\n`, status: 2 };
        options[argv[i].slice(2)] = argv[i + 1];
    }
    if (!options.from || !options.to) return { stdout: "", stderr: `${USAGE}\n`, status: 2 };
    const promotion = planPromotion(options.from, options.to, root);
    if (promotion.problems.length > 0) {
        const listed = promotion.problems.map((p) => `  - ${p}\n`).join("");
        return { stdout: "", stderr: `nothing written: ${options.from} cannot be promoted to ${options.to}:\n${listed}`, status: 1 };
    }
    if (promotion.changes.length === 0) return { stdout: `nothing to promote: ${options.to} runs ${options.from}'s image tags already\n`, stderr: "", status: 0 };
    for (const [file, text] of promotion.files) fs.writeFileSync(file, text);
    const lines = promotion.changes.map((c) => `${c.file}: ${c.image} ${c.from} -> ${c.to}\n`);
    return { stdout: `${options.to} gets ${options.from}'s image tags:\n${lines.join("")}`, stderr: "", status: 0 };
}

if (require.main === module) {
    const result = main(process.argv.slice(2));
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.status;
}
