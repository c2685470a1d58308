/**
 * The Amazon RDS certificate authorities every database client of the platform verifies Aurora's
 * server certificate against (`sslmode=verify-full`): without them a client can encrypt but cannot
 * tell Aurora from whoever answers on its address. AWS publishes them as one PEM file, the global
 * bundle: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html
 * (official source {@link RDS_CA_OFFICIAL_URL}).
 *
 * The bundle is a file of the repository (`global-bundle.pem` beside this module), recorded in
 * `provenance.json` (where it came from, when, its SHA-256, the certificates left out), so a
 * deployment never downloads it and a changed byte fails test/data/rds-ca.test.ts.
 * `npm run refresh-rds-ca` replaces both from the official source.
 */
import { X509Certificate, createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The official global bundle: every commercial region's RDS root and intermediate CAs. */
export const RDS_CA_OFFICIAL_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** The folder holding the bundle and its provenance. */
export const RDS_CA_DIR = __dirname;

/** The bundle's file name, as AWS names it (also the ConfigMap key, see naming.ts). */
export const RDS_CA_BUNDLE_FILE = "global-bundle.pem";

/** The provenance record's file name, beside the bundle. */
export const RDS_CA_PROVENANCE_FILE = "provenance.json";

/** The command that refreshes the bundle, named wherever a message asks for it. */
export const RDS_CA_REFRESH_COMMAND = "npm run refresh-rds-ca";

/** One certificate of a bundle, as parsed. */
export interface RdsCertificate {
    /** The PEM block exactly as the bundle holds it, from BEGIN to END. */
    readonly pem: string;
    /** Subject common name, e.g. `Amazon RDS ap-northeast-1 Root CA RSA2048 G1`. */
    readonly commonName: string;
    /** Subject organizational unit: `Amazon RDS` for every RDS CA. */
    readonly organizationalUnit: string;
    readonly validFrom: Date;
    readonly validTo: Date;
    /** Whether the certificate is a CA (basic constraints). */
    readonly ca: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

export function sha256(content: Buffer | string): string {
    return createHash("sha256").update(content).digest("hex");
}

/** One attribute of an X.509 distinguished name as Node prints it (`KEY=value` lines). */
function attribute(name: string, key: string): string {
    return name.split("\n").find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1) ?? "";
}

/**
 * The certificates of a PEM text, in order, with every problem that makes it unfit as a CA bundle:
 * text outside the certificate blocks, a block that does not parse, no certificate at all.
 *
 * @param text The PEM text.
 * @param where Prefix of every problem, e.g. the file or URL.
 */
export function parseBundle(text: string, where: string): { certificates: RdsCertificate[]; problems: string[] } {
    const problems: string[] = [];
    const certificates: RdsCertificate[] = [];
    const blocks = text.match(PEM_BLOCK) ?? [];
    const outside = text.replace(PEM_BLOCK, "").trim();
    if (outside !== "") problems.push(`${where}: text outside the certificate blocks: ${JSON.stringify(outside.slice(0, 60))}`);
    if (blocks.length === 0) problems.push(`${where}: no certificate (expected PEM blocks -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)`);
    blocks.forEach((pem, i) => {
        try {
            const x = new X509Certificate(pem);
            certificates.push({
                pem,
                commonName: attribute(x.subject, "CN"),
                organizationalUnit: attribute(x.subject, "OU"),
                validFrom: new Date(x.validFrom),
                validTo: new Date(x.validTo),
                ca: x.ca,
            });
        } catch (e) {
            problems.push(`${where}: certificate ${i + 1} does not parse (${(e as Error).message})`);
        }
    });
    return { certificates, problems };
}

/** Whether a certificate is one of Amazon RDS's CAs (subject OU and CN both say so). */
export function isRdsCa(c: RdsCertificate): boolean {
    return c.ca && c.organizationalUnit === "Amazon RDS" && c.commonName.startsWith("Amazon RDS ");
}

/**
 * Every problem of a bundle a client can trust today: each certificate parses, is an Amazon RDS CA,
 * and is valid at `now` (an expired CA verifies nothing; AWS keeps expired ones in its bundle for a
 * while, the refresh leaves them out).
 *
 * @param text The PEM text.
 * @param now The moment the certificates must be valid at. Defaults to the current time.
 * @param where Prefix of every problem. Defaults to the bundle's file name.
 */
export function bundleProblems(text: string, now: Date = new Date(), where: string = RDS_CA_BUNDLE_FILE): string[] {
    const { certificates, problems } = parseBundle(text, where);
    certificates.forEach((c, i) => {
        const which = `${where}: certificate ${i + 1} (${c.commonName || "no CN"})`;
        if (!isRdsCa(c)) problems.push(`${which}: not an Amazon RDS CA (subject OU "${c.organizationalUnit}", CA ${c.ca})`);
        if (c.validTo <= now) problems.push(`${which}: expired ${c.validTo.toISOString()}`);
        if (c.validFrom > now) problems.push(`${which}: not valid before ${c.validFrom.toISOString()}`);
    });
    return problems;
}

/**
 * The certificates a client can use at `now`, and the ones it cannot (expired or not yet valid),
 * each in the source's order.
 */
export function splitByValidity(certificates: readonly RdsCertificate[], now: Date): { current: RdsCertificate[]; invalid: RdsCertificate[] } {
    const valid = (c: RdsCertificate) => c.validFrom <= now && now < c.validTo;
    return { current: certificates.filter(valid), invalid: certificates.filter((c) => !valid(c)) };
}

/** The bundle file's text: the PEM blocks as given, one after another, each ending in a newline. */
export function formatBundle(certificates: readonly RdsCertificate[]): string {
    return certificates.map((c) => `${c.pem.trim()}\n`).join("");
}

/** The earliest expiry among the certificates: the date the bundle needs a refresh by at the latest. */
export function earliestExpiry(certificates: readonly RdsCertificate[]): RdsCertificate {
    if (certificates.length === 0) throw new Error("no certificates");
    return certificates.reduce((a, b) => (b.validTo < a.validTo ? b : a));
}

/**
 * Regions whose RDS root CAs of the current generation (`Amazon RDS <region> Root CA <key> G1`)
 * the bundle holds, with the key types of each (RSA2048, RSA4096, ECC384). New DB instances get
 * rds-ca-rsa2048-g1 unless told otherwise:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html
 */
export function rootCasByRegion(certificates: readonly RdsCertificate[]): Map<string, string[]> {
    const regions = new Map<string, string[]>();
    for (const c of certificates) {
        const m = /^Amazon RDS ([a-z]{2}(?:-gov)?-[a-z]+-\d) Root CA (\w+) G1$/.exec(c.commonName);
        if (m) regions.set(m[1], [...(regions.get(m[1]) ?? []), m[2]].sort());
    }
    return regions;
}

/** Where the bundle came from: the official URL, or a mirror of it with the mirror's own identity. */
export interface RdsCaSource {
    /** What was downloaded: the official URL, or the mirror's address. */
    readonly url: string;
    /** UTC date (YYYY-MM-DD) it was retrieved. */
    readonly retrieved: string;
    /** SHA-256 of what was downloaded (for a package: of the file the certificates were taken from). */
    readonly sha256: string;
    /** For a copy taken from an npm package: the package, its version, the file and what it mirrors. */
    readonly npm?: {
        readonly package: string;
        readonly version: string;
        readonly file: string;
        readonly integrity: string;
        readonly published: string;
        readonly mirrors: string;
    };
}

/** What `provenance.json` records. */
export interface RdsCaProvenance {
    readonly comment: string;
    /** Always {@link RDS_CA_OFFICIAL_URL}: the source of truth, whatever this copy came from. */
    readonly officialSource: string;
    /** The bundle's file name beside the record. */
    readonly file: string;
    /** SHA-256 of the bundle file as written. */
    readonly sha256: string;
    /** Number of certificates in the bundle file. */
    readonly certificates: number;
    readonly source: RdsCaSource;
    /** Certificates of the source left out: expired (or not yet valid) when it was written. */
    readonly leftOut: readonly { readonly commonName: string; readonly validTo: string }[];
}

export const RDS_CA_PROVENANCE_COMMENT =
    `The Amazon RDS CA bundle ${RDS_CA_BUNDLE_FILE}; its official source is ${RDS_CA_OFFICIAL_URL}. ` +
    `"source" records where this copy was taken from, "leftOut" the source's certificates that were no longer valid. ` +
    `Refresh both files from the official source with ${RDS_CA_REFRESH_COMMAND}; do not edit them by hand.`;

/**
 * The provenance record of a bundle written from a source.
 *
 * @param bundle The bundle file's text as written.
 * @param kept The certificates it holds.
 * @param invalid The source's certificates left out.
 * @param source Where the source came from.
 */
export function provenanceOf(bundle: string, kept: readonly RdsCertificate[], invalid: readonly RdsCertificate[], source: RdsCaSource): RdsCaProvenance {
    return {
        comment: RDS_CA_PROVENANCE_COMMENT,
        officialSource: RDS_CA_OFFICIAL_URL,
        file: RDS_CA_BUNDLE_FILE,
        sha256: sha256(bundle),
        certificates: kept.length,
        source,
        leftOut: invalid.map((c) => ({ commonName: c.commonName, validTo: c.validTo.toISOString() })),
    };
}

/**
 * The bundle the platform hands to pods, read from the repository.
 *
 * @param dir The folder holding it. Defaults to {@link RDS_CA_DIR}.
 */
export function readRdsCaBundle(dir: string = RDS_CA_DIR): string {
    return fs.readFileSync(path.join(dir, RDS_CA_BUNDLE_FILE), "utf8");
}

/**
 * The provenance record beside the bundle.
 *
 * @param dir The folder holding it. Defaults to {@link RDS_CA_DIR}.
 */
export function readRdsCaProvenance(dir: string = RDS_CA_DIR): RdsCaProvenance {
    return JSON.parse(fs.readFileSync(path.join(dir, RDS_CA_PROVENANCE_FILE), "utf8")) as RdsCaProvenance;
}
