/**
 * Refreshes the Amazon RDS CA bundle the platform hands to pods (`components/data/rds-ca/`) from
 * its official source, https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
 * (`npm run refresh-rds-ca`). Run it when AWS adds a region or rotates its CAs
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL-certificate-rotation.html),
 * or when test/data/rds-ca.test.ts says a stack's region or a certificate's expiry needs it.
 *
 * It downloads and checks the bundle first (every certificate parses and is an Amazon RDS CA),
 * leaves out the certificates that are no longer valid, and records in `provenance.json` the source,
 * the date, both SHA-256 (downloaded and written) and what it left out. It overwrites only the
 * bundle that `provenance.json` describes byte for byte: a bundle edited by hand, or one without a
 * record, is someone else's and stays. A failed run writes nothing.
 *
 * Options: `--dir <folder>` writes elsewhere than `components/data/rds-ca/`; env `RDS_CA_URL`
 * replaces the official URL (a mirror, or the tests' local server).
 */
import * as fs from "fs";
import * as path from "path";
import {
    RDS_CA_BUNDLE_FILE,
    RDS_CA_DIR,
    RDS_CA_OFFICIAL_URL,
    RDS_CA_PROVENANCE_FILE,
    RDS_CA_REFRESH_COMMAND,
    RdsCaProvenance,
    formatBundle,
    isRdsCa,
    parseBundle,
    provenanceOf,
    sha256,
    splitByValidity,
} from "../components/data/rds-ca/bundle";
import { download } from "./download";

export interface RefreshRdsCaOptions {
    /** Folder of the bundle and its provenance. Defaults to {@link RDS_CA_DIR}. */
    readonly dir?: string;
    /** Where to download the bundle from. Defaults to {@link RDS_CA_OFFICIAL_URL}. */
    readonly url?: string;
    /** The moment certificates must be valid at. Defaults to now. */
    readonly now?: Date;
}

export interface RefreshRdsCaResult {
    /** `written`: a new bundle; `unchanged`: the source had nothing new, nothing was touched. */
    readonly outcome: "written" | "unchanged";
    readonly provenance: RdsCaProvenance;
}

/**
 * Whether the folder's bundle is the one its provenance describes, so the script may replace it:
 * no bundle at all, or a bundle whose SHA-256 the record holds. Returns the record, if any.
 */
function ownedRecord(dir: string): RdsCaProvenance | undefined {
    const bundle = path.join(dir, RDS_CA_BUNDLE_FILE);
    const record = path.join(dir, RDS_CA_PROVENANCE_FILE);
    let provenance: RdsCaProvenance | undefined;
    if (fs.existsSync(record)) {
        try {
            provenance = JSON.parse(fs.readFileSync(record, "utf8"));
        } catch (e) {
            throw new Error(`refusing to overwrite ${record}: not a provenance record (${(e as Error).message.split("\n")[0]})`);
        }
        if (typeof provenance?.sha256 !== "string" || provenance.file !== RDS_CA_BUNDLE_FILE) {
            throw new Error(`refusing to overwrite ${record}: not a provenance record of ${RDS_CA_BUNDLE_FILE}`);
        }
    }
    if (fs.existsSync(bundle)) {
        if (!provenance) throw new Error(`refusing to overwrite ${bundle}: no ${RDS_CA_PROVENANCE_FILE} records it (move it away first)`);
        if (sha256(fs.readFileSync(bundle)) !== provenance.sha256) {
            throw new Error(`refusing to overwrite ${bundle}: it is not the bundle ${RDS_CA_PROVENANCE_FILE} records (edited by hand? move it away first)`);
        }
    }
    return provenance;
}

/** Writes a file through a temporary name: an interrupted run never leaves half a bundle. */
function replace(file: string, content: string): void {
    fs.writeFileSync(`${file}.partial`, content);
    fs.renameSync(`${file}.partial`, file);
}

/**
 * Downloads the bundle, checks it, and writes the certificates valid at `now` with their provenance.
 * Nothing is written unless every check passed; a bundle equal to the one in place changes nothing
 * (its recorded date stays).
 */
export async function refreshRdsCa(options: RefreshRdsCaOptions = {}): Promise<RefreshRdsCaResult> {
    const dir = path.resolve(options.dir ?? RDS_CA_DIR);
    const url = options.url ?? RDS_CA_OFFICIAL_URL;
    const now = options.now ?? new Date();
    // Checked before the download: a file that is not the script's is never touched.
    const old = ownedRecord(dir);

    const content = await download(url);
    const { certificates, problems } = parseBundle(content.toString("utf8"), url);
    for (const c of certificates.filter((c) => !isRdsCa(c))) problems.push(`${url}: ${c.commonName || "a certificate without CN"} is not an Amazon RDS CA`);
    const { current, invalid } = splitByValidity(certificates, now);
    if (certificates.length > 0 && current.length === 0) problems.push(`${url}: no certificate is valid on ${now.toISOString()}`);
    if (problems.length > 0) throw new Error(problems.join("; "));

    const bundle = formatBundle(current);
    const source = { url, retrieved: now.toISOString().slice(0, 10), sha256: sha256(content) };
    const fresh = provenanceOf(bundle, current, invalid, source);
    if (old && old.sha256 === fresh.sha256 && old.source?.url === url) return { outcome: "unchanged", provenance: old };

    fs.mkdirSync(dir, { recursive: true });
    replace(path.join(dir, RDS_CA_BUNDLE_FILE), bundle);
    replace(path.join(dir, RDS_CA_PROVENANCE_FILE), `${JSON.stringify(fresh, null, 2)}\n`);
    return { outcome: "written", provenance: fresh };
}

/** Reads `--dir <folder>` / `--dir=<folder>`; any other argument is a mistake. */
export function dirOption(argv: readonly string[]): string | undefined {
    if (argv.length === 0) return undefined;
    if (argv.length === 2 && argv[0] === "--dir" && argv[1]) return argv[1];
    if (argv.length === 1 && argv[0].startsWith("--dir=") && argv[0].length > "--dir=".length) return argv[0].slice("--dir=".length);
    throw new Error(`unexpected arguments ${argv.join(" ")} (usage: ${RDS_CA_REFRESH_COMMAND} -- [--dir <folder>])`);
}

if (require.main === module) {
    (async () => {
        try {
            const result = await refreshRdsCa({ dir: dirOption(process.argv.slice(2)), url: process.env.RDS_CA_URL || undefined });
            const p = result.provenance;
            console.log(`${result.outcome} ${RDS_CA_BUNDLE_FILE}: ${p.certificates} certificates, ${p.leftOut.length} left out, sha256 ${p.sha256}`);
        } catch (e) {
            // Every failure here is the user's to act on (URL, folder, a hand-edited file): one line, no stack.
            console.error(`refresh-rds-ca: ${String((e as Error).message ?? e).split("\n")[0]}`);
            process.exitCode = 1;
        }
    })();
}
