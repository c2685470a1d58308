/**
 * Where the offline plan writes, and the proof that it owns what it replaces. The plan is a tool
 * run in a working copy full of sources: it writes a JSON file and a folder of rendered apps, and
 * it never removes or overwrites anything it did not write itself, nor anything git tracks.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { APPS_DIR } from "../../components/apps/discover";

/** Marker file in every apps folder the plan writes: the folder is the plan's to replace. */
export const OWNER_MARKER = ".plan-output";
/** The `generator` field of every plan JSON: the file is the plan's to overwrite. */
export const GENERATOR = "npm run plan";

/** The two places one plan writes. */
export interface PlanOutput {
    /** The plan's JSON. */
    readonly json: string;
    /** The folder of rendered apps, one `<app>.yaml` each. */
    readonly apps: string;
}

/**
 * Where a plan writes: by default `.plan/<stack>/plan.json` and `.plan/<stack>/apps/` (git-ignored,
 * the plan's own); with `--out FILE`, FILE and a folder named after it (`dev.json` →
 * `dev.apps/`), never a generic name such as `apps/` that could be a folder of sources.
 *
 * @param root The project folder.
 * @param stack The stack planned.
 * @param out `--out`, relative to `cwd`. Defaults to none (the `.plan/` folder).
 * @param cwd Where the user ran the command. Defaults to the process's working folder.
 */
export function outputPaths(root: string, stack: string, out?: string, cwd: string = process.cwd()): PlanOutput {
    if (out === undefined) return { json: path.join(root, ".plan", stack, "plan.json"), apps: path.join(root, ".plan", stack, "apps") };
    const json = path.resolve(cwd, out);
    return { json, apps: path.join(path.dirname(json), `${path.basename(json).replace(/\.json$/i, "")}.apps`) };
}

/** Whether the file is a plan JSON this tool wrote. */
function ownsJson(file: string): boolean {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"))?.generator === GENERATOR;
    } catch {
        return false;
    }
}

/** Whether the folder holds the plan's marker. */
function ownsFolder(dir: string): boolean {
    return fs.existsSync(path.join(dir, OWNER_MARKER));
}

/** Files git tracks at or under `target`, when `target` is inside the git work tree of `root`. */
function tracked(root: string, target: string): string[] {
    const relative = path.relative(root, target);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return [];
    try {
        return execFileSync("git", ["ls-files", "--", relative || "."], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
            .split("\n")
            .filter(Boolean);
    } catch {
        return []; // not a git work tree: the ownership checks alone apply
    }
}

/**
 * Why the plan may not write to `paths`, one line each; empty when it may. Checked before the
 * program runs, so a refused run writes and removes nothing.
 */
export function writableProblems(root: string, paths: PlanOutput): string[] {
    const problems: string[] = [];
    const appsDir = path.join(root, APPS_DIR);
    for (const target of [paths.json, paths.apps]) {
        if (target === appsDir || target.startsWith(appsDir + path.sep)) {
            problems.push(`${target}: inside ${APPS_DIR}/, where every folder is an app; write the plan elsewhere (--out)`);
        } else if (tracked(root, target).length > 0) {
            problems.push(`${target}: tracked by git; the plan never writes over sources (choose another --out)`);
        }
    }
    if (fs.existsSync(paths.json) && (fs.statSync(paths.json).isDirectory() || !ownsJson(paths.json))) {
        problems.push(`${paths.json}: exists and was not written by ${GENERATOR}; choose another --out or remove it yourself`);
    }
    if (fs.existsSync(paths.apps) && (!fs.statSync(paths.apps).isDirectory() || !ownsFolder(paths.apps))) {
        problems.push(`${paths.apps}: exists and was not made by ${GENERATOR} (no ${OWNER_MARKER} inside); choose another --out or remove it yourself`);
    }
    return problems;
}

/** Removes what an earlier plan wrote at `paths`, and only that. */
export function removeOwned(paths: PlanOutput): void {
    if (fs.existsSync(paths.json) && fs.statSync(paths.json).isFile() && ownsJson(paths.json)) fs.rmSync(paths.json);
    if (fs.existsSync(paths.apps) && fs.statSync(paths.apps).isDirectory() && ownsFolder(paths.apps)) fs.rmSync(paths.apps, { recursive: true });
}

/**
 * Writes a plan: the JSON (which must carry `generator`) and a fresh apps folder with its marker.
 * Call {@link writableProblems} first.
 */
export function writeOutput(paths: PlanOutput, json: string, apps: readonly { name: string; content: string }[]): void {
    removeOwned(paths);
    fs.mkdirSync(paths.apps, { recursive: true });
    fs.writeFileSync(path.join(paths.apps, OWNER_MARKER), `Written by ${GENERATOR}; it replaces this folder on every run.\n`);
    for (const app of apps) fs.writeFileSync(path.join(paths.apps, app.name), app.content);
    fs.mkdirSync(path.dirname(paths.json), { recursive: true });
    fs.writeFileSync(paths.json, json);
}
