import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { main } from "../scripts/promote";
import { REPO_ROOT } from "../scripts/offline/stack-config";

/** A project folder with the repository's Pulumi files and apps. */
function project(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "promote-"));
    for (const f of fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.(.+\.)?yaml$/.test(f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
    fs.cpSync(path.join(REPO_ROOT, "apps"), path.join(root, "apps"), { recursive: true });
    return root;
}

const overlay = (root: string, app: string, stack: string) => path.join(root, "apps", app, "overlays", stack, "kustomization.yaml");

/** Every overlay file's content, by path: what a failed promotion must leave as it was. */
function overlays(root: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const app of fs.readdirSync(path.join(root, "apps"))) {
        for (const stack of ["dev", "prd"]) if (fs.existsSync(overlay(root, app, stack))) files[`${app}/${stack}`] = fs.readFileSync(overlay(root, app, stack), "utf8");
    }
    return files;
}

/** Sets an image's tag in an overlay, as CI's images workflow does. */
function setTag(root: string, app: string, stack: string, image: string, tag: string) {
    const file = overlay(root, app, stack);
    const text = fs.readFileSync(file, "utf8");
    const next = text.replace(new RegExp(`(- name: ${app}/${image}\\n\\s+newTag: )"[^"]*"`), `$1"${tag}"`);
    assert.notEqual(next, text, `${file}: no entry for ${app}/${image}`);
    fs.writeFileSync(file, next);
}

const tagsOf = (root: string, app: string, stack: string) =>
    Object.fromEntries((parse(fs.readFileSync(overlay(root, app, stack), "utf8")).images as { name: string; newTag: unknown }[]).map((i) => [i.name, i.newTag]));

describe("Promotion (scripts/promote.ts)", () => {
    let root: string;
    beforeEach(() => (root = project()));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("sets every image tag of prd's overlays to dev's, changing nothing else in the files, and prints what changed", () => {
        setTag(root, "chat", "dev", "api", "1234567");
        setTag(root, "chat", "dev", "web", "abcdef012345");
        setTag(root, "db-metrics", "dev", "runner", "0123456789ab");
        const before = overlays(root);
        const result = main(["--from", "dev", "--to", "prd"], root);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(
            result.stdout,
            [
                "prd gets dev's image tags:",
                "apps/chat/overlays/prd/kustomization.yaml: chat/web 0000000 -> abcdef012345",
                "apps/chat/overlays/prd/kustomization.yaml: chat/api 0000000 -> 1234567",
                "apps/db-metrics/overlays/prd/kustomization.yaml: db-metrics/runner 0000000 -> 0123456789ab",
                "",
            ].join("\n"),
        );
        const after = overlays(root);
        // A hex tag of digits only stays a string (a bare 1234567 would be a number).
        assert.deepEqual(tagsOf(root, "chat", "prd"), { "chat/web": "abcdef012345", "chat/api": "1234567" });
        assert.deepEqual(tagsOf(root, "db-metrics", "prd"), { "db-metrics/runner": "0123456789ab" });
        // Byte for byte, but the tags: the patches, the comments and the quoting stay.
        assert.equal(after["chat/prd"], before["chat/prd"].replace(/(chat\/web\n\s+newTag: )"0000000"/, '$1"abcdef012345"').replace(/(chat\/api\n\s+newTag: )"0000000"/, '$1"1234567"'));
        for (const key of Object.keys(before).filter((k) => !["chat/prd", "db-metrics/prd"].includes(k))) assert.equal(after[key], before[key], key);

        // Again: nothing to do, nothing written.
        const again = main(["--from", "dev", "--to", "prd"], root);
        assert.deepEqual([again.status, again.stdout], [0, "nothing to promote: prd runs dev's image tags already\n"]);
        assert.deepEqual(overlays(root), after);
    });

    it("leaves out an app that does not run in both stacks", () => {
        const descriptor = path.join(root, "apps", "slack-bot", "app.yaml");
        fs.writeFileSync(descriptor, `${fs.readFileSync(descriptor, "utf8")}stacks: [dev]\n`);
        setTag(root, "slack-bot", "dev", "bot", "fedcba987654");
        const before = overlays(root);
        const result = main(["--from", "dev", "--to", "prd"], root);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /^nothing to promote/);
        assert.deepEqual(overlays(root), before);
    });

    it("refuses an app whose prd overlay has no entry for one of its images, naming the file, and writes nothing", () => {
        setTag(root, "chat", "dev", "api", "1234567");
        setTag(root, "db-metrics", "dev", "runner", "0123456789ab");
        const file = overlay(root, "chat", "prd");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/ {2}- name: chat\/api\n\s+newTag: "0000000"\n/, ""));
        const before = overlays(root);
        const result = main(["--from", "dev", "--to", "prd"], root);
        assert.equal(result.status, 1);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /^nothing written: dev cannot be promoted to prd:\n/);
        assert.match(result.stderr, /apps\/chat\/overlays\/prd\/kustomization\.yaml: images: .*chat\/api/);
        // db-metrics could have been promoted: nothing is, until every app can be.
        assert.deepEqual(overlays(root), before);
    });

    it("refuses unknown stacks, one stack to itself, and a bad command line", () => {
        const unknown = main(["--from", "dev", "--to", "stg"], root);
        assert.equal(unknown.status, 1);
        assert.match(unknown.stderr, /no stack "stg": the stacks are dev, prd/);
        assert.match(main(["--from", "prd", "--to", "prd"], root).stderr, /--from and --to are both prd/);
        assert.equal(main(["--from", "dev"], root).status, 2);
        assert.equal(main(["--to", "prd", "--force", "x"], root).status, 2);
    });
});
