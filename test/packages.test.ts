import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../scripts/offline/stack-config";

const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));

/** Every installed copy of a package in the lockfile: path and version. */
function copies(name: string): { path: string; version: string }[] {
    return Object.entries<any>(lock.packages)
        .filter(([p]) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`))
        .map(([p, meta]) => ({ path: p, version: meta.version }));
}

describe("packages", () => {
    it("installs exactly one copy of each @pulumi package (two copies break resource identity checks)", () => {
        const pulumiPackages = new Set(
            Object.keys(lock.packages)
                .map((p) => /node_modules\/(@pulumi\/[^/]+)$/.exec(p)?.[1])
                .filter((n): n is string => n !== undefined),
        );
        assert.ok(pulumiPackages.size >= 5);
        for (const name of pulumiPackages) assert.equal(copies(name).length, 1, `${name}: ${JSON.stringify(copies(name))}`);
    });

    it("pins the majors the platform is built for", () => {
        const major = (name: string) => Number(copies(name)[0].version.split(".")[0]);
        const minor = (name: string) => Number(copies(name)[0].version.split(".")[1]);
        assert.equal(major("@pulumi/pulumi"), 3);
        assert.equal(major("@pulumi/aws"), 7);
        assert.equal(major("@pulumi/eks"), 4);
        assert.equal(major("@pulumi/kubernetes"), 4);
        // Helm-installed CRDs resolve during preview from 4.32 on, so Applications preview before
        // Argo CD exists: https://github.com/pulumi/pulumi-kubernetes/issues/3176 (CHANGELOG 4.32.0).
        assert.ok(minor("@pulumi/kubernetes") >= 32);
        // The schema models: their next majors need Node 22.
        assert.equal(major("kubernetes-models"), 4);
        assert.equal(major("@kubernetes-models/argo-cd"), 2);
        // @pulumi/pulumi declares typescript < 7.
        assert.equal(major("typescript"), 5);
        for (const name of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/eks", "@pulumi/kubernetes", "@pulumi/random"]) {
            assert.ok(manifest.dependencies[name], `${name} is a direct dependency`);
        }
    });

    it("installs on the Node version the project supports", () => {
        const required = copies("@pulumi/pulumi")[0];
        const meta = lock.packages[required.path];
        const engine = String(meta.engines?.node ?? ">=0");
        const needed = Number(/(\d+)/.exec(engine)?.[1] ?? 0);
        assert.ok(needed <= 20, `@pulumi/pulumi ${required.version} needs Node ${engine}; the machines run Node 20`);
        assert.equal(manifest.engines.node, ">=20");
    });
});
