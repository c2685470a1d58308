import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { appTag, pendingBuilds } from "../scripts/app-images";

describe("CI image builds (scripts/app-images.ts)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "images-"));
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    const write = (file: string, content: unknown) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), typeof content === "string" ? content : stringify(content));
    };
    const commit = (message: string) => {
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message);
        return git("rev-parse", "HEAD").slice(0, 12);
    };
    const setTag = (tag: string) => write("apps/web/overlays/dev/kustomization.yaml", { resources: ["../../base"], images: [{ name: "web/site", newTag: tag }] });

    it("tags an app's images with the commit of its image sources, untouched by other commits", () => {
        git("init", "-q");
        write("apps/web/app.yaml", { description: "d", images: ["site"] });
        write("apps/web/images/site/Dockerfile", "FROM scratch\n");
        setTag("0000000");
        const built = commit("add web");
        assert.equal(appTag(root, "web"), built);
        assert.deepEqual(pendingBuilds(root, "dev"), [{ app: "web", image: "site", tag: built, context: "apps/web/images/site" }]);

        // CI sets the tag in the overlay: nothing left to build, and the tag does not move.
        setTag(built);
        commit("apps/web: dev runs the new build");
        assert.deepEqual(pendingBuilds(root, "dev"), []);
        write("README.md", "unrelated\n");
        write("apps/web/base/kustomization.yaml", { resources: [] });
        commit("unrelated and manifest-only changes");
        assert.equal(appTag(root, "web"), built);
        assert.deepEqual(pendingBuilds(root, "dev"), []);

        // A change to the image's sources is a new tag, pending until the overlay runs it.
        write("apps/web/images/site/index.html", "<h1>hi</h1>\n");
        const changed = commit("new page");
        assert.notEqual(changed, built);
        assert.deepEqual(pendingBuilds(root, "dev").map((b) => b.tag), [changed]);
        assert.match(changed, /^[0-9a-f]{12}$/);
    });
});
