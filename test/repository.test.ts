import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../scripts/offline/stack-config";

/**
 * Users clone this repository alone: no comment or document may send them to a file outside it.
 * Sources are cited by public address (AWS and EKS user guides, a chart's values, an upstream
 * issue, the Pulumi docs) instead. The patterns are assembled so that this file does not match them.
 */
const OUTSIDE_PATH = ["..", "shared"].join("/");
/** A numbered item of a private list: the word "checklist" or "house style" and a number; `checkList(` is a method name. */
const PRIVATE_POINTER = /\b(?:check)list\s+#?\d|\bhouse\s+style\s+#?\d/i;

/** Tracked files scanned: all but the lockfile and the verbatim upstream copies under test/upstream/. */
function trackedFiles(): string[] {
    return execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f !== "" && f !== "package-lock.json" && !f.startsWith("test/upstream/"));
}

/** Lines that point outside the repository, as "file:line: text". */
function pointersOutside(file: string, text: string): string[] {
    return text.split("\n").flatMap((line, i) =>
        line.includes(OUTSIDE_PATH) || PRIVATE_POINTER.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
    );
}

describe("repository", () => {
    it("recognizes a pointer outside the repository, and not the checkList method", () => {
        const item = ["check", "list"].join("");
        assert.equal(pointersOutside("a.ts", `// needed (${item} 4.3)`).length, 1);
        assert.equal(pointersOutside("a.ts", `// (platform-${item} 1.5)`).length, 1);
        assert.equal(pointersOutside("a.ts", `// ${item.toUpperCase()} 9.6 says so`).length, 1);
        assert.equal(pointersOutside("a.ts", `// composed once (house ${"style"} 9)`).length, 1);
        assert.equal(pointersOutside("a.md", `see [design](${OUTSIDE_PATH}/design/x.md)`).length, 1);
        assert.deepEqual(pointersOutside("a.ts", "problems.push(...config.checkList(stack));\n// a checklist of steps"), []);
    });

    it("has no code comment or document pointing at a file outside it", () => {
        const files = trackedFiles();
        assert.ok(files.length > 0, "git ls-files listed nothing");
        const found = files.flatMap((file) => {
            const full = path.join(REPO_ROOT, file);
            if (!fs.existsSync(full) || !fs.statSync(full).isFile()) return [];
            const text = fs.readFileSync(full, "utf8");
            return text.includes("\0") ? [] : pointersOutside(file, text);
        });
        assert.deepEqual(found, [], `cite the public source instead:\n${found.join("\n")}`);
    });
});

describe("the README's commands", () => {
    it(".ci/run installs from the lockfile and runs exactly the README's test commands, which package.json defines", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const block = readme.slice(readme.indexOf("## Two commands on a fresh machine"), readme.indexOf("## Integration tests"));
        const fence = /```sh\n([\s\S]*?)```/.exec(block)![1];
        const lines = fence.trim().split("\n").map((l) => l.replace(/\s+#.*$/, "").trim());
        assert.equal(lines.length, 2, "two commands");
        assert.match(lines[0], /^npm ci && npm run plan -- \w+$/);
        const tests = lines[1].split(" && ");
        assert.deepEqual(tests, ["npm test", "npm run test:integration"]);
        const run = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8").split("\n").filter((l) => /^npm /.test(l));
        assert.deepEqual(run, ["npm ci --no-audit --no-fund", ...tests]);
        const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        assert.ok(scripts.test && scripts["test:integration"] && scripts.plan);
    });
});

describe("module structure", () => {
    /** The relative imports of a module, as written. */
    const importsOf = (file: string) => [...fs.readFileSync(path.join(REPO_ROOT, file), "utf8").matchAll(/from "(\.[^"]+)"/g)].map((m) => path.posix.join(path.posix.dirname(file), m[1]));

    it("config loading and app discovery do not import each other; both raise the error of its own module", () => {
        const config = fs.readdirSync(path.join(REPO_ROOT, "components", "config")).map((f) => `components/config/${f}`);
        for (const file of config) assert.ok(!importsOf(file).some((i) => i.startsWith("components/apps/")), `${file} imports app discovery`);
        const discover = importsOf("components/apps/discover.ts");
        assert.ok(discover.includes("components/errors"));
        assert.ok(!discover.some((i) => i.startsWith("components/config/") && i !== "components/config/types"), "discovery imports the config loader");
    });
});
