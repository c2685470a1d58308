/**
 * opensearch-merge's script (apps/opensearch-merge/base/merge.sh) run as its CronJob runs it: the
 * container's command and env from base/cronjob.yaml, the script from the kustomization's generated
 * ConfigMap, the `platform` ConfigMap as the program renders it (OPENSEARCH_ENDPOINT pointing at
 * the stub). The stubs, on 127.0.0.1 only: an HTTPS OpenSearch (a certificate from a CA made here,
 * which curl trusts through CURL_CA_BUNDLE) that records every request and checks its SigV4
 * signature against the credentials the stub `aws configure export-credentials` hands out; curl
 * and jq are real.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash, createHmac } from "crypto";
import * as fs from "fs";
import type { IncomingMessage, ServerResponse } from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { platformConfigMapData } from "../../components/apps/contract";
import { PLATFORM_CONFIGMAP } from "../../components/naming";
import { AwsStub, writeAwsStub } from "./support/aws-stub";
import { containerCommand, containerEnv, generatedConfigMap, manifestContainer, runCommand, type Finished } from "./support/pod";

const REPO_ROOT = path.resolve(__dirname, "../..");
const APP_DIR = path.join(REPO_ROOT, "apps/opensearch-merge");
const REGION = "ap-northeast-1";
/** What the stub `aws` hands out; the secret has the `/` and `+` real ones have. */
const CREDENTIALS = { accessKeyId: "ASIAEXAMPLEINTEGRATION", secretAccessKey: "wJalr/XUtnFEMI+K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE/session+token==" };

/** One request as the stub received it, and whether its signature checked out. */
interface Received {
    method: string;
    path: string;
    body: string;
    signature: string; // "ok" or why not
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/**
 * SigV4 as AWS documents it (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
 * the canonical request from the request as received, the string to sign with the credential scope
 * of the Authorization header, the key derived from the secret. "ok" or the reason it fails.
 */
function checkSigV4(req: IncomingMessage, body: string): string {
    const auth = req.headers.authorization ?? "";
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return `no SigV4 Authorization header: ${JSON.stringify(auth)}`;
    const [, keyId, day, region, service, signedHeaders, signature] = m;
    if (keyId !== CREDENTIALS.accessKeyId) return `signed with key ${keyId}`;
    if (region !== REGION || service !== "es") return `signed for ${region}/${service}, not ${REGION}/es`;
    if (req.headers["x-amz-security-token"] !== CREDENTIALS.sessionToken) return "the session token is missing or wrong";
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    if (!amzDate.startsWith(day)) return `x-amz-date ${amzDate} is not of the credential's day ${day}`;
    const signed = signedHeaders.split(";");
    for (const h of ["host", "x-amz-date", "x-amz-security-token"]) if (!signed.includes(h)) return `${h} is not signed`;
    const url = new URL(req.url ?? "/", "https://stub");
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const query = [...url.searchParams].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join("&");
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const payload = String(req.headers["x-amz-content-sha256"] ?? createHash("sha256").update(body).digest("hex"));
    const canonical = [req.method, url.pathname, query, headers, signedHeaders, payload].join("\n");
    const toSign = ["AWS4-HMAC-SHA256", amzDate, `${day}/${region}/${service}/aws4_request`, createHash("sha256").update(canonical).digest("hex")].join("\n");
    let key: Buffer = createHmac("sha256", `AWS4${CREDENTIALS.secretAccessKey}`).update(day).digest();
    for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
    const expected = createHmac("sha256", key).update(toSign).digest("hex");
    return expected === signature ? "ok" : `signature mismatch for canonical request:\n${canonical}`;
}

/** A CA and a certificate for 127.0.0.1 signed by it (openssl; EC keys are quick to make). */
function makeCertificate(dir: string): { ca: string; cert: string; key: string } {
    const openssl = (...args: string[]) => {
        const r = spawnSync("openssl", args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const f = (name: string) => path.join(dir, name);
    openssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=opensearch stub CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    openssl("req", "-new", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1");
    fs.writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("server.ext"), "-out", f("server.crt"));
    return { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key") };
}

describe("opensearch-merge example: merge.sh against a stub OpenSearch", function () {
    let tmp: string;
    let tls: { ca: string; cert: string; key: string };
    let server: https.Server;
    let port: number;
    let handler: Handler;
    let received: Received[] = [];
    let aws: AwsStub;
    let scripts: string;

    before(async function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opensearch-merge-"));
        tls = makeCertificate(tmp);
        server = https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }, (req, res) => {
            let body = "";
            req.setEncoding("utf8").on("data", (d: string) => (body += d));
            req.on("end", () => {
                received.push({ method: req.method ?? "", path: req.url ?? "", body, signature: checkSigV4(req, body) });
                handler(req, body, res);
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
        // `aws configure export-credentials --format env` prints `export NAME=value` lines
        // (https://awscli.amazonaws.com/v2/documentation/api/latest/reference/configure/export-credentials.html);
        // the script makes no other call.
        aws = writeAwsStub(
            tmp,
            ["configure", "export-credentials", "--format", "env"],
            `export AWS_ACCESS_KEY_ID=${CREDENTIALS.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${CREDENTIALS.secretAccessKey}\nexport AWS_SESSION_TOKEN=${CREDENTIALS.sessionToken}\nexport AWS_CREDENTIAL_EXPIRATION=2030-01-01T00:00:00+00:00\n`,
        );
        scripts = generatedConfigMap(path.join(APP_DIR, "base"), "merge-script", path.join(tmp, "merge-script"));
    });

    after(async function () {
        if (server) await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        });
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** The CronJob's container, run here, against the stub (POLL_SECONDS 0: the test does not wait 30 s a poll). */
    function merge(): Promise<Finished> {
        received = [];
        aws.reset();
        const cronJob = manifestContainer(path.join(APP_DIR, "base/cronjob.yaml"), "CronJob", "merge", "merge");
        const settings = { OPENSEARCH_DOMAIN: "logs-dev", OPENSEARCH_ENDPOINT: `127.0.0.1:${port}` };
        const sources = {
            configMaps: { [PLATFORM_CONFIGMAP]: platformConfigMapData({ region: REGION, stack: "dev", cluster: "platform-dev", settings }) },
            mountedConfigMaps: { "merge-script": scripts },
        };
        const env = {
            PATH: `${aws.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
            HOME: tmp,
            CURL_CA_BUNDLE: tls.ca, // curl's CA file (https://curl.se/docs/sslcerts.html): the stub's CA
            POLL_SECONDS: "0",
            ...containerEnv(cronJob, sources),
        };
        return runCommand(containerCommand(cronJob, sources), { env, timeoutMs: 60_000 });
    }

    /** Yesterday's index as the script names it (INDEX_PREFIX and INDEX_DATE_FORMAT of the manifest: logs-%Y.%m.%d, UTC). */
    function indexOf(date: Date): string {
        const d = new Date(date.getTime() - 86_400_000);
        return `logs-${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${String(d.getUTCDate()).padStart(2, "0")}`;
    }

    const json = (res: ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" }).end(JSON.stringify(body));
    };
    const shown = (r: Finished) => `exit ${r.status}\nstderr:\n${r.stderr}\nrequests:\n${received.map((q) => `${q.method} ${q.path}`).join("\n")}`;
    const TASK = "oTUltX4IQMOUUVeiohTt8A:12345";

    /** A healthy domain: the index exists, the merge's task runs for one poll, then completes; 3 segments. */
    function healthy(index: () => string): Handler {
        let polls = 0;
        return (req, _body, res) => {
            const url = new URL(req.url ?? "/", "https://stub");
            if (req.method === "HEAD" && url.pathname === `/${index()}`) return void res.writeHead(200, { "Content-Type": "application/json" }).end();
            if (req.method === "POST" && url.pathname === `/${index()}/_forcemerge`) return json(res, 200, { task: TASK });
            if (req.method === "GET" && url.pathname === `/_tasks/${TASK}`) {
                polls++;
                return json(res, 200, polls < 2 ? { completed: false, task: { id: 12345 } } : { completed: true, task: { id: 12345 }, response: { _shards: { total: 2, successful: 2, failed: 0 } } });
            }
            if (req.method === "GET" && url.pathname === `/${index()}/_stats/segments`) return json(res, 200, { indices: { [index()]: { primaries: { segments: { count: 3 } } } } });
            json(res, 404, { error: { type: "stub", reason: `unexpected ${req.method} ${req.url}` }, status: 404 });
        };
    }

    it("force-merges yesterday's index with signed requests, in order: check, start the task, poll it, read the segments", async function () {
        const started = new Date();
        let index = indexOf(started);
        handler = healthy(() => index);
        let r = await merge();
        if (indexOf(new Date()) !== index && r.status !== 0) {
            index = indexOf(new Date()); // the run crossed midnight UTC: once more with the new day
            handler = healthy(() => index);
            r = await merge();
        }
        assert.equal(r.status, 0, `merge.sh failed:\n${shown(r)}`);
        assert.deepEqual(
            received.map((q) => [q.method, q.path, q.body]),
            [
                ["HEAD", `/${index}`, ""],
                ["POST", `/${index}/_forcemerge?max_num_segments=1&wait_for_completion=false`, ""],
                ["GET", `/_tasks/${TASK}`, ""],
                ["GET", `/_tasks/${TASK}`, ""],
                ["GET", `/${index}/_stats/segments`, ""],
            ],
            shown(r),
        );
        for (const q of received) assert.equal(q.signature, "ok", `${q.method} ${q.path}`);
        // Fresh credentials for every request (an IRSA session may end during a long merge).
        const calls = aws.calls();
        assert.equal(calls.length, received.length);
        assert.match(r.stderr, new RegExp(`done: ${index.replace(/\./g, "\\.")} has 3 segment\\(s\\)`));
    });

    it("fails visibly on a server error, with OpenSearch's own message, after curl's retries", async function () {
        this.timeout(60_000);
        const index = indexOf(new Date());
        const reason = "stub: shard merge rejected by node-1";
        handler = (req, body, res) => {
            if (req.method === "POST") return json(res, 500, { error: { type: "exception", reason }, status: 500 });
            healthy(() => index)(req, body, res);
        };
        const r = await merge();
        assert.notEqual(r.status, 0, `merge.sh succeeded although the merge failed:\n${shown(r)}`);
        assert.ok(r.stderr.includes(reason), `OpenSearch's message is not in the output:\n${shown(r)}`);
        // --retry 3: a 500 is retried three times (https://curl.se/docs/manpage.html#--retry), then the script stops.
        assert.deepEqual(received.map((q) => q.method), ["HEAD", "POST", "POST", "POST", "POST"], shown(r));
    });

    it("stops when yesterday's index is missing, naming it, and merges nothing", async function () {
        handler = (_req, _body, res) => json(res, 404, { error: { type: "index_not_found_exception" }, status: 404 });
        const r = await merge();
        assert.notEqual(r.status, 0, shown(r));
        assert.match(r.stderr, /index logs-\d{4}\.\d{2}\.\d{2} is missing or could not be checked/, shown(r));
        assert.deepEqual(received.map((q) => q.method), ["HEAD"]);
    });

    it("fails when the merge task reports failed shards, showing the task's result", async function () {
        const index = indexOf(new Date());
        handler = (req, body, res) => {
            if (req.method === "GET" && req.url === `/_tasks/${TASK}`) {
                return json(res, 200, { completed: true, response: { _shards: { total: 2, successful: 1, failed: 1, failures: [{ reason: { type: "stub_failure" } }] } } });
            }
            healthy(() => index)(req, body, res);
        };
        const r = await merge();
        assert.notEqual(r.status, 0, shown(r));
        assert.match(r.stderr, /force merge of logs-[\d.]+ failed: .*"failed":1.*stub_failure/, shown(r));
        assert.ok(!received.some((q) => q.path.endsWith("/_stats/segments")), "it read the segments after a failed merge");
    });
});
