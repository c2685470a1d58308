import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { CONFIG_SCHEMA } from "../components/config/schema";
import { LOAD_BALANCER_CONTROLLER_POLICY_VERSION } from "../components/iam/load-balancer-controller";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { MANIFEST, Manifest, PinnedVersions, UPSTREAM_DIR, main, pinnedVersions, sha256, upstreamFile, upstreamFiles } from "../scripts/refresh-upstream";

/** Every file under `dir`, as `/`-separated paths relative to it. */
function listFiles(dir: string, prefix = ""): string[] {
    return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
        const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
        return entry.isDirectory() ? listFiles(dir, relative) : [relative];
    });
}

/** Path → content of every file under `dir`: to prove a failed run changed nothing. */
function snapshot(dir: string): Record<string, string> {
    return Object.fromEntries(listFiles(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

function readManifestFile(dir: string): Manifest {
    return JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8"));
}

const utcToday = () => new Date().toISOString().slice(0, 10);

describe("upstream reference data (test/upstream/)", () => {
    const manifest = readManifestFile(UPSTREAM_DIR);

    it("lists every file of the folder in the manifest, and only those", () => {
        const onDisk = listFiles(UPSTREAM_DIR).filter((f) => f !== MANIFEST).sort();
        assert.deepEqual(onDisk, Object.keys(manifest.files).sort());
        assert.ok(onDisk.length >= 4);
    });

    it("holds exactly the content the manifest's sha256 records", () => {
        for (const [file, entry] of Object.entries(manifest.files)) {
            assert.match(entry.sha256, /^[0-9a-f]{64}$/, file);
            assert.equal(sha256(fs.readFileSync(path.join(UPSTREAM_DIR, file))), entry.sha256, `${file} differs from its recorded sha256: run npm run refresh-upstream`);
        }
    });

    it("is the data of the pinned versions, from their release tags, with the date retrieved", () => {
        const expected = Object.fromEntries(upstreamFiles().map((f) => [f.file, { source: f.source, version: f.version }]));
        const recorded = Object.fromEntries(Object.entries(manifest.files).map(([file, e]) => [file, { source: e.source, version: e.version }]));
        assert.deepEqual(recorded, expected, "the pinned versions changed: run npm run refresh-upstream");
        const versions = Object.values(manifest.files).map((e) => e.version).sort();
        assert.deepEqual(versions, [
            CONFIG_SCHEMA.argocdChartVersion.default,
            CONFIG_SCHEMA.loadBalancerControllerChartVersion.default,
            CONFIG_SCHEMA.metricsServerChartVersion.default,
            LOAD_BALANCER_CONTROLLER_POLICY_VERSION,
        ].sort());
        for (const [file, entry] of Object.entries(manifest.files)) {
            assert.match(entry.retrieved, /^\d{4}-\d{2}-\d{2}$/, file);
            assert.ok(entry.retrieved <= utcToday(), `${file}: retrieved in the future`);
        }
    });
});

describe("upstream files of a set of versions (upstreamFiles)", () => {
    const versions: PinnedVersions = { argocdChart: "1.2.3", metricsServerChart: "4.5.6", loadBalancerControllerChart: "7.8.9", loadBalancerControllerPolicy: "v7.8.9" };

    it("names each file by its version and fetches it from the release tag", () => {
        assert.deepEqual(upstreamFiles(versions), [
            {
                id: "argocdValues",
                file: "charts/argo-cd-1.2.3.values.yaml",
                version: "1.2.3",
                source: "https://raw.githubusercontent.com/argoproj/argo-helm/argo-cd-1.2.3/charts/argo-cd/values.yaml",
            },
            {
                id: "loadBalancerControllerValues",
                file: "charts/aws-load-balancer-controller-7.8.9.values.yaml",
                version: "7.8.9",
                source: "https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v7.8.9/helm/aws-load-balancer-controller/values.yaml",
            },
            {
                id: "metricsServerValues",
                file: "charts/metrics-server-4.5.6.values.yaml",
                version: "4.5.6",
                source: "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/metrics-server-helm-chart-4.5.6/charts/metrics-server/values.yaml",
            },
            {
                id: "loadBalancerControllerPolicy",
                file: "iam/aws-load-balancer-controller-v7.8.9-iam_policy.json",
                version: "v7.8.9",
                source: "https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v7.8.9/docs/install/iam_policy.json",
            },
        ]);
    });

    it("changes only the bumped version's file, and takes another base URL", () => {
        const bumped = upstreamFiles({ ...versions, metricsServerChart: "4.6.0" });
        const before = upstreamFiles(versions);
        assert.deepEqual(bumped.filter((f, i) => f.file !== before[i].file).map((f) => f.file), ["charts/metrics-server-4.6.0.values.yaml"]);
        assert.deepEqual(
            upstreamFiles(versions, "http://127.0.0.1:9/").map((f) => f.source),
            before.map((f) => f.source.replace("https://raw.githubusercontent.com/", "http://127.0.0.1:9/")),
        );
    });

    it("refuses versions that are not one exact release (they become file names and URLs)", () => {
        assert.throws(() => upstreamFiles({ ...versions, argocdChart: "^1.2.3" }), /argocdChart: "\^1\.2\.3" is not an exact release/);
        assert.throws(() => upstreamFiles({ ...versions, metricsServerChart: "../../x" }), /metricsServerChart/);
        assert.throws(() => upstreamFiles({ ...versions, loadBalancerControllerPolicy: "7.8.9" }), /loadBalancerControllerPolicy/);
    });

    it("defaults to the versions the program pins", () => {
        assert.deepEqual(pinnedVersions(), {
            argocdChart: CONFIG_SCHEMA.argocdChartVersion.default,
            metricsServerChart: CONFIG_SCHEMA.metricsServerChartVersion.default,
            loadBalancerControllerChart: CONFIG_SCHEMA.loadBalancerControllerChartVersion.default,
            loadBalancerControllerPolicy: LOAD_BALANCER_CONTROLLER_POLICY_VERSION,
        });
        assert.equal(upstreamFile("argocdValues"), `charts/argo-cd-${CONFIG_SCHEMA.argocdChartVersion.default}.values.yaml`);
        assert.equal(upstreamFile("loadBalancerControllerPolicy"), `iam/aws-load-balancer-controller-${LOAD_BALANCER_CONTROLLER_POLICY_VERSION}-iam_policy.json`);
    });
});

describe("npm run refresh-upstream (scripts/refresh-upstream.ts) against a local server", () => {
    // Fixture content per URL path: different from the real data, so a write is visible.
    const fixtures = new Map(
        upstreamFiles(pinnedVersions(), "").map((f) => [
            f.source,
            f.file.endsWith(".json") ? `{"Version": "2012-10-17", "Statement": [], "Fixture": "${f.id}"}\n` : `# fixture ${f.id}\nfixture: ${f.version}\n`,
        ]),
    );
    const missing = new Set<string>();
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(req.url ?? "");
        const body = fixtures.get(req.url ?? "");
        if (body === undefined || missing.has(req.url ?? "")) {
            res.writeHead(404, { "content-type": "text/plain" }).end("404: Not Found");
            return;
        }
        res.writeHead(200, { "content-type": "text/plain" }).end(body);
    });
    let baseUrl = "";
    const temps: string[] = [];
    const realBefore = snapshot(UPSTREAM_DIR);

    before(async () => {
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
        // No run may touch the repository's own data.
        assert.deepEqual(snapshot(UPSTREAM_DIR), realBefore);
    });
    beforeEach(() => {
        missing.clear();
        requests.length = 0;
    });

    /** A copy of the real data folder to run against. */
    function copyOfData(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-"));
        temps.push(dir);
        fs.cpSync(UPSTREAM_DIR, dir, { recursive: true });
        return dir;
    }

    /** Runs the command line in this process (the script is already compiled), its output captured. */
    async function run(dir: string, base: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(["--dir", dir], { UPSTREAM_BASE_URL: base }, (l) => out.push(l), (l) => err.push(l));
        return { code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") };
    }

    /** Runs the script as `npm run refresh-upstream` would, in a child process (the server must keep answering). */
    function spawned(dir: string, base: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
        return new Promise((resolve, reject) => {
            const env: NodeJS.ProcessEnv = { ...process.env, UPSTREAM_BASE_URL: base };
            delete env.UPSTREAM_DIR;
            const child = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "refresh-upstream.ts"), "--dir", dir], { cwd: REPO_ROOT, env });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
    }

    it("writes the pinned versions' files and their provenance, removes the files it wrote for old versions, keeps foreign files", async () => {
        const dir = copyOfData();
        // A file of an older chart version, written by an earlier refresh, and one a person put here.
        const old = readManifestFile(dir);
        const stale = "charts/argo-cd-9.9.9.values.yaml";
        fs.writeFileSync(path.join(dir, stale), "old: true\n");
        fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ ...old, files: { ...old.files, [stale]: { ...Object.values(old.files)[0], version: "9.9.9" } } }));
        fs.writeFileSync(path.join(dir, "charts", "NOTES.md"), "mine\n");
        fs.writeFileSync(path.join(dir, "README.txt"), "mine too\n");

        const dayBefore = utcToday();
        const result = await run(dir, baseUrl);
        const dayAfter = utcToday();
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");

        const wanted = upstreamFiles(pinnedVersions(), baseUrl);
        assert.deepEqual(requests.sort(), [...fixtures.keys()].sort());
        const manifest = readManifestFile(dir);
        assert.deepEqual(Object.keys(manifest.files).sort(), wanted.map((f) => f.file).sort());
        for (const f of wanted) {
            const body = fixtures.get(f.source.slice(baseUrl.length))!;
            assert.equal(fs.readFileSync(path.join(dir, f.file), "utf8"), body, f.file);
            const entry = manifest.files[f.file];
            assert.equal(entry.source, f.source);
            assert.equal(entry.version, f.version);
            assert.equal(entry.sha256, sha256(body));
            assert.ok([dayBefore, dayAfter].includes(entry.retrieved), entry.retrieved);
        }
        assert.equal(fs.existsSync(path.join(dir, stale)), false, "the old version's file stays");
        assert.match(result.stdout, /removed\s+charts\/argo-cd-9\.9\.9\.values\.yaml/);
        assert.equal(fs.readFileSync(path.join(dir, "charts", "NOTES.md"), "utf8"), "mine\n");
        assert.equal(fs.readFileSync(path.join(dir, "README.txt"), "utf8"), "mine too\n");
        assert.equal(listFiles(dir).some((f) => f.endsWith(".partial")), false);

        // Nothing changed upstream: a second run rewrites nothing.
        const before = snapshot(dir);
        const again = await run(dir, baseUrl);
        assert.equal(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stdout, /wrote/);
        assert.deepEqual(snapshot(dir), before);
    });

    it("on a 404 names the URL, exits 1 without a stack trace and changes nothing", async () => {
        const dir = copyOfData();
        const lost = upstreamFiles(pinnedVersions(), "").find((f) => f.id === "metricsServerValues")!.source;
        missing.add(lost);
        const before = snapshot(dir);
        // As a user runs it: a child process, its exit code and what it prints.
        const result = await spawned(dir, baseUrl);
        assert.equal(result.code, 1);
        const lines = result.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, result.stderr);
        assert.ok(lines[0].includes(`${baseUrl}${lost}`), lines[0]);
        assert.match(lines[0], /HTTP 404/);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
        // The files downloaded before the failure were not written either.
        assert.ok(requests.length >= 2);
        assert.deepEqual(snapshot(dir), before);
    });

    it("when the connection is refused names the URL, exits 1 and changes nothing", async () => {
        const dir = copyOfData();
        // A port that was free a moment ago: nothing listens on it.
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        const base = `http://127.0.0.1:${port}`;

        const before = snapshot(dir);
        const result = await run(dir, base);
        assert.equal(result.code, 1);
        const lines = result.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, result.stderr);
        assert.ok(lines[0].includes(upstreamFiles(pinnedVersions(), base)[0].source), lines[0]);
        assert.match(lines[0], /ECONNREFUSED/);
        assert.deepEqual(snapshot(dir), before);
    });

    it("never overwrites a file the manifest does not list", async () => {
        const dir = copyOfData();
        const target = upstreamFile("argocdValues");
        const manifest = readManifestFile(dir);
        const others = { ...manifest.files };
        delete others[target];
        fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ ...manifest, files: others }));
        fs.writeFileSync(path.join(dir, target), "someone: else\n");

        const before = snapshot(dir);
        const result = await run(dir, baseUrl);
        assert.equal(result.code, 1);
        assert.match(result.stderr.trim(), /^refresh-upstream: refusing to overwrite .*argo-cd-.*\.values\.yaml/);
        assert.deepEqual(requests, [], "it refused before downloading anything");
        assert.deepEqual(snapshot(dir), before);
    });
});
