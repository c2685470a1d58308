import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import {
    RDS_CA_BUNDLE_FILE,
    RDS_CA_DIR,
    RDS_CA_OFFICIAL_URL,
    RDS_CA_PROVENANCE_FILE,
    RdsCaProvenance,
    bundleProblems,
    parseBundle,
    readRdsCaBundle,
    sha256,
} from "../components/data/rds-ca/bundle";
import { dirOption, refreshRdsCa } from "../scripts/refresh-rds-ca";

/** Path → content of every file in a folder: to prove a run changed nothing. */
function snapshot(dir: string): Record<string, string> {
    if (!fs.existsSync(dir)) return {};
    return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

const readRecord = (dir: string): RdsCaProvenance => JSON.parse(fs.readFileSync(path.join(dir, RDS_CA_PROVENANCE_FILE), "utf8"));

describe("refreshing the RDS CA bundle (scripts/refresh-rds-ca.ts) against a local server", () => {
    // The repository's bundle stands in for the official one. Its RSA2048 roots expire in 2061-2062,
    // the others in 2121-2122: on 2070-01-01 the script must leave the RSA2048 ones out.
    const official = readRdsCaBundle();
    const LATER = new Date("2070-01-01T00:00:00Z");
    const NOW = new Date("2026-11-28T12:00:00Z");
    let body = official;
    let status = 200;
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(req.url ?? "");
        res.writeHead(status, { "content-type": "application/x-pem-file" }).end(status === 200 ? body : "Not Found");
    });
    let url = "";
    const temps: string[] = [];
    const realBefore = snapshot(RDS_CA_DIR);

    before(async () => {
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/global/global-bundle.pem`;
    });
    after(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
        // No run may touch the repository's own bundle.
        assert.deepEqual(snapshot(RDS_CA_DIR), realBefore);
    });
    beforeEach(() => {
        body = official;
        status = 200;
        requests.length = 0;
    });

    /** An empty folder, or a copy of the repository's bundle and record. */
    function folder(withData: boolean): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rds-ca-"));
        temps.push(dir);
        if (withData) for (const f of [RDS_CA_BUNDLE_FILE, RDS_CA_PROVENANCE_FILE]) fs.copyFileSync(path.join(RDS_CA_DIR, f), path.join(dir, f));
        return dir;
    }

    it("writes the certificates valid at the time and a record of the source, what it left out and both hashes", async () => {
        const dir = folder(true);
        const result = await refreshRdsCa({ dir, url, now: LATER });
        assert.equal(result.outcome, "written");
        const written = fs.readFileSync(path.join(dir, RDS_CA_BUNDLE_FILE), "utf8");
        assert.deepEqual(bundleProblems(written, LATER), []);
        const all = parseBundle(official, "official").certificates;
        const expired = all.filter((c) => c.validTo <= LATER);
        assert.ok(expired.length > 0 && expired.length < all.length, "the fixture must have both kinds");
        const record = readRecord(dir);
        assert.deepEqual(record, result.provenance);
        assert.equal(record.officialSource, RDS_CA_OFFICIAL_URL);
        assert.equal(record.sha256, sha256(written));
        assert.equal(record.certificates, all.length - expired.length);
        assert.deepEqual(record.source, { url, retrieved: "2070-01-01", sha256: sha256(official) });
        assert.deepEqual(record.leftOut, expired.map((c) => ({ commonName: c.commonName, validTo: c.validTo.toISOString() })));
        assert.deepEqual(fs.readdirSync(dir).sort(), [RDS_CA_BUNDLE_FILE, RDS_CA_PROVENANCE_FILE].sort(), "no .partial file left");
    });

    it("changes nothing when the source has nothing new (the recorded date stays)", async () => {
        const dir = folder(false);
        assert.equal((await refreshRdsCa({ dir, url, now: NOW })).outcome, "written");
        const before = snapshot(dir);
        const again = await refreshRdsCa({ dir, url, now: new Date("2026-12-01T00:00:00Z") });
        assert.equal(again.outcome, "unchanged");
        assert.deepEqual(snapshot(dir), before);
        assert.equal(readRecord(dir).source.retrieved, "2026-11-28");
    });

    it("never overwrites a bundle its record does not describe (edited by hand), and asks nothing of the server", async () => {
        const dir = folder(true);
        fs.appendFileSync(path.join(dir, RDS_CA_BUNDLE_FILE), "\n# my extra CA\n");
        const before = snapshot(dir);
        await assert.rejects(refreshRdsCa({ dir, url, now: NOW }), /^Error: refusing to overwrite .*global-bundle\.pem: it is not the bundle provenance\.json records/);
        assert.deepEqual(requests, []);
        assert.deepEqual(snapshot(dir), before);
    });

    it("never overwrites a bundle without a record, nor a record that is not one", async () => {
        const bare = folder(true);
        fs.rmSync(path.join(bare, RDS_CA_PROVENANCE_FILE));
        await assert.rejects(refreshRdsCa({ dir: bare, url, now: NOW }), /refusing to overwrite .*global-bundle\.pem: no provenance\.json records it/);
        const foreign = folder(false);
        fs.writeFileSync(path.join(foreign, RDS_CA_PROVENANCE_FILE), '{"someone": "else"}\n');
        await assert.rejects(refreshRdsCa({ dir: foreign, url, now: NOW }), /refusing to overwrite .*provenance\.json: not a provenance record of global-bundle\.pem/);
        assert.deepEqual(requests, []);
        assert.deepEqual(snapshot(foreign), { [RDS_CA_PROVENANCE_FILE]: '{"someone": "else"}\n' });
    });

    it("writes nothing when the download fails or is not an RDS bundle, naming the URL", async () => {
        const dir = folder(true);
        const before = snapshot(dir);
        status = 404;
        await assert.rejects(refreshRdsCa({ dir, url, now: NOW }), (e: Error) => e.message === `cannot download ${url}: HTTP 404 Not Found`);
        status = 200;
        body = "<html>moved</html>\n";
        await assert.rejects(refreshRdsCa({ dir, url, now: NOW }), new RegExp(`^Error: ${url.replace(/[.]/g, "\\.")}: text outside the certificate blocks`));
        body = official;
        await assert.rejects(refreshRdsCa({ dir, url, now: new Date("2200-01-01T00:00:00Z") }), /no certificate is valid on 2200-01-01/);
        assert.deepEqual(snapshot(dir), before);
    });

    it("takes --dir <folder> or --dir=<folder>, and refuses anything else", () => {
        assert.equal(dirOption([]), undefined);
        assert.equal(dirOption(["--dir", "/x"]), "/x");
        assert.equal(dirOption(["--dir=/y"]), "/y");
        assert.throws(() => dirOption(["--force"]), /unexpected arguments --force \(usage: npm run refresh-rds-ca -- \[--dir <folder>\]\)/);
    });
});
