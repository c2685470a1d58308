import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    RDS_CA_BUNDLE_FILE,
    RDS_CA_DIR,
    RDS_CA_OFFICIAL_URL,
    RDS_CA_REFRESH_COMMAND,
    bundleProblems,
    earliestExpiry,
    isRdsCa,
    parseBundle,
    readRdsCaBundle,
    readRdsCaProvenance,
    rootCasByRegion,
    sha256,
    splitByValidity,
} from "../../components/data/rds-ca/bundle";
import { RDS_CA_BUNDLE_KEY } from "../../components/naming";
import { STACKS, stackConfig } from "../support";

const text = readRdsCaBundle();
const provenance = readRdsCaProvenance();
const { certificates } = parseBundle(text, RDS_CA_BUNDLE_FILE);
const utcToday = () => new Date().toISOString().slice(0, 10);

/** The bundle's earliest expiry, for the test's title (the date a refresh is due at the latest). */
function earliest(): string {
    try {
        const c = earliestExpiry(certificates);
        return `${c.validTo.toISOString().slice(0, 10)} (${c.commonName})`;
    } catch {
        return "none: no certificate";
    }
}

describe("RDS CA bundle (components/data/rds-ca/)", () => {
    it("is the file its provenance records: same SHA-256 and number of certificates", () => {
        assert.equal(sha256(fs.readFileSync(path.join(RDS_CA_DIR, RDS_CA_BUNDLE_FILE))), provenance.sha256, `${RDS_CA_BUNDLE_FILE} changed: refresh it with ${RDS_CA_REFRESH_COMMAND}, never by hand`);
        assert.equal(provenance.file, RDS_CA_BUNDLE_FILE);
        assert.equal(provenance.certificates, certificates.length);
        // The ConfigMap key is the file's name, so a mount shows the file as AWS names it.
        assert.equal(RDS_CA_BUNDLE_KEY, RDS_CA_BUNDLE_FILE);
    });

    it(`holds only Amazon RDS CAs that parse and are valid today; the earliest expires ${earliest()}`, () => {
        assert.ok(certificates.length > 0);
        assert.deepEqual(bundleProblems(text, new Date()), [], `refresh it with ${RDS_CA_REFRESH_COMMAND}`);
        for (const c of certificates) assert.ok(isRdsCa(c), c.commonName);
    });

    it("records where it came from: the official source, and the copy it was taken from with its date and hash", () => {
        assert.equal(provenance.officialSource, RDS_CA_OFFICIAL_URL);
        assert.equal(RDS_CA_OFFICIAL_URL, "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
        assert.match(provenance.comment, new RegExp(`official source is ${RDS_CA_OFFICIAL_URL.replace(/\./g, "\\.")}`));
        const source = provenance.source;
        assert.match(source.retrieved, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(source.retrieved <= utcToday(), "retrieved in the future");
        assert.match(source.sha256, /^[0-9a-f]{64}$/);
        if (source.url === RDS_CA_OFFICIAL_URL) {
            assert.equal(source.npm, undefined);
        } else {
            // A copy from a mirror says which one, exactly, and what it mirrors.
            const npm = source.npm ?? assert.fail(`source ${source.url} is neither the official URL nor an npm package`);
            assert.equal(source.url, `https://registry.npmjs.org/${npm.package}/-/${npm.package}-${npm.version}.tgz`);
            assert.match(npm.version, /^\d+\.\d+\.\d+$/);
            assert.match(npm.integrity, /^sha512-[A-Za-z0-9+/]+=*$/);
            assert.ok(npm.file.length > 0);
            assert.equal(npm.mirrors, RDS_CA_OFFICIAL_URL);
        }
    });

    it("left out only certificates that were no longer valid when it was written", () => {
        const retrieved = new Date(`${provenance.source.retrieved}T23:59:59Z`);
        for (const c of provenance.leftOut) {
            assert.ok(new Date(c.validTo) <= retrieved, `${c.commonName} was valid until ${c.validTo}, yet left out`);
        }
        // And none of them is in the file after all.
        const kept = new Set(certificates.map((c) => `${c.commonName} ${c.validTo.toISOString()}`));
        for (const c of provenance.leftOut) assert.ok(!kept.has(`${c.commonName} ${c.validTo}`), c.commonName);
    });

    for (const stack of STACKS) {
        it(`${stack}: holds the root CAs of the stack's region (RSA2048, RSA4096, ECC384 G1), so verify-full works there`, () => {
            const region = stackConfig(stack).aws.region;
            assert.deepEqual(rootCasByRegion(certificates).get(region), ["ECC384", "RSA2048", "RSA4096"], `no RDS root CAs of ${region} in ${RDS_CA_BUNDLE_FILE}: run ${RDS_CA_REFRESH_COMMAND}`);
        });
    }

    it("fits in a ConfigMap (at most 1 MiB: https://kubernetes.io/docs/concepts/configuration/configmap/)", () => {
        assert.ok(Buffer.byteLength(text) < 1024 * 1024 - 4096, `${Buffer.byteLength(text)} bytes`);
    });
});

describe("RDS CA bundle checks (bundleProblems)", () => {
    const first = certificates[0];

    it("refuses text outside the certificates, a certificate that does not parse, and an empty file", () => {
        assert.deepEqual(bundleProblems(`${first.pem}\n<html>not found</html>\n`, new Date(), "b.pem"), ['b.pem: text outside the certificate blocks: "<html>not found</html>"']);
        const lines = first.pem.split("\n");
        lines[3] = "!!!!";
        const broken = bundleProblems(lines.join("\n"), new Date(), "b.pem");
        assert.equal(broken.length, 1, broken.join("\n"));
        assert.match(broken[0], /^b\.pem: certificate 1 does not parse/);
        assert.deepEqual(bundleProblems("", new Date(), "b.pem"), ["b.pem: no certificate (expected PEM blocks -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"]);
    });

    it("refuses an expired certificate, naming it and its expiry", () => {
        const after = new Date(first.validTo.getTime() + 1000);
        const problems = bundleProblems(`${first.pem}\n`, after, "b.pem");
        assert.deepEqual(problems, [`b.pem: certificate 1 (${first.commonName}): expired ${first.validTo.toISOString()}`]);
        const { current, invalid } = splitByValidity([first], after);
        assert.deepEqual([current.length, invalid.length], [0, 1]);
    });

    it("recognizes an RDS CA by its subject, and nothing else", () => {
        assert.ok(isRdsCa(first));
        assert.ok(!isRdsCa({ ...first, organizationalUnit: "Amazon Trust Services" }));
        assert.ok(!isRdsCa({ ...first, commonName: "Amazon Root CA 1" }));
        assert.ok(!isRdsCa({ ...first, ca: false }));
    });

    it("reads the regions of the current root CAs from their names", () => {
        const named = (commonName: string) => ({ ...first, commonName });
        const regions = rootCasByRegion([
            named("Amazon RDS ap-northeast-1 Root CA RSA2048 G1"),
            named("Amazon RDS ap-northeast-1 Root CA ECC384 G1"),
            named("Amazon RDS Preview us-east-2 Root CA RSA2048 G1"),
            named("Amazon RDS us-gov-west-1 Root CA RSA4096 G1"),
            named("Amazon RDS Root 2019 CA"),
        ]);
        assert.deepEqual([...regions], [["ap-northeast-1", ["ECC384", "RSA2048"]], ["us-gov-west-1", ["RSA4096"]]]);
    });
});
