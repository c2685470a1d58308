/**
 * The chat front end as its image and the ALB serve it, without Docker or a cluster:
 *
 * - {@link startNginxSite} serves a static image (an nginx Dockerfile) the way its nginx would: the
 *   server block the Dockerfile copies to /etc/nginx/conf.d/, its `root` mapped back to the folder
 *   the Dockerfile copies there, with the locations, `try_files`, `return` and `add_header` rules of
 *   that file. Only the directives the shipped configuration uses are understood; any other one is
 *   refused by name, so a change to the configuration cannot be served wrongly without notice.
 * - {@link startIngress} routes requests by an Ingress's rules (the paths and their `pathType`) to
 *   local servers standing for its backend Services, as the AWS Load Balancer Controller's ALB does.
 *
 * nginx's rules: https://nginx.org/en/docs/http/ngx_http_core_module.html (location, try_files,
 * root), https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return and
 * https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header. The Ingress path rules:
 * https://kubernetes.io/docs/concepts/services-networking/ingress/#path-types.
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { parseAllDocuments } from "yaml";

/** A local HTTP server; {@link close} stops it (safe to call twice). */
export interface LocalServer {
    readonly url: string;
    readonly port: number;
    close(): Promise<void>;
}

// --- nginx configuration ------------------------------------------------------------------------

/** One directive of an nginx configuration: its name, arguments and block (if any). */
export interface NginxDirective {
    readonly name: string;
    readonly args: string[];
    readonly block?: NginxDirective[];
}

/** Tokens of nginx's configuration syntax: words, quoted strings (with nginx's escapes), `;`, `{`, `}`. */
function nginxTokens(text: string): { token: string; quoted: boolean }[] {
    const tokens: { token: string; quoted: boolean }[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === "#") {
            while (i < text.length && text[i] !== "\n") i++;
        } else if (c === ";" || c === "{" || c === "}") {
            tokens.push({ token: c, quoted: false });
            i++;
        } else if (c === '"' || c === "'") {
            let value = "";
            i++;
            while (i < text.length && text[i] !== c) {
                if (text[i] === "\\" && i + 1 < text.length) {
                    const next = text[i + 1];
                    value += next === "n" ? "\n" : next === "t" ? "\t" : next === "r" ? "\r" : next;
                    i += 2;
                } else {
                    value += text[i++];
                }
            }
            if (i >= text.length) throw new Error("nginx configuration: unterminated quoted string");
            i++;
            tokens.push({ token: value, quoted: true });
        } else {
            let word = "";
            while (i < text.length && !/[\s;{}]/.test(text[i])) word += text[i++];
            tokens.push({ token: word, quoted: false });
        }
    }
    return tokens;
}

/** Parses an nginx configuration file's text into its directives. */
export function parseNginxConf(text: string): NginxDirective[] {
    const tokens = nginxTokens(text);
    let i = 0;
    function block(nested: boolean): NginxDirective[] {
        const out: NginxDirective[] = [];
        while (i < tokens.length) {
            const t = tokens[i];
            if (!t.quoted && t.token === "}") {
                if (!nested) throw new Error("nginx configuration: unexpected }");
                i++;
                return out;
            }
            const name = t.token;
            const args: string[] = [];
            i++;
            for (;;) {
                if (i >= tokens.length) throw new Error(`nginx configuration: directive ${name} is not terminated`);
                const a = tokens[i++];
                if (!a.quoted && a.token === ";") {
                    out.push({ name, args });
                    break;
                }
                if (!a.quoted && a.token === "{") {
                    out.push({ name, args, block: block(true) });
                    break;
                }
                args.push(a.token);
            }
        }
        if (nested) throw new Error("nginx configuration: missing }");
        return out;
    }
    return block(false);
}

/** Directives the emulation reads or that change nothing it serves (logging, tokens, ports, names). */
const SERVER_DIRECTIVES = new Set(["listen", "server_name", "root", "server_tokens", "absolute_redirect", "add_header", "location"]);
const LOCATION_DIRECTIVES = new Set(["access_log", "default_type", "return", "try_files", "add_header"]);

interface Location {
    readonly exact: boolean;
    readonly prefix: string;
    readonly directives: NginxDirective[];
}

/** A server block as served: its root (on this machine), headers and locations. */
export interface NginxServer {
    readonly root: string;
    readonly headers: NginxDirective[];
    readonly locations: Location[];
}

/** The one `server` block of a conf.d file, with `root` replaced by the folder it stands for. */
export function nginxServer(conf: NginxDirective[], rootOnDisk: (root: string) => string): NginxServer {
    const servers = conf.filter((d) => d.name === "server");
    if (servers.length !== 1 || conf.length !== 1) throw new Error(`nginx configuration: expected one server block, found ${conf.map((d) => d.name).join(", ")}`);
    const body = servers[0].block ?? [];
    for (const d of body) {
        if (!SERVER_DIRECTIVES.has(d.name)) throw new Error(`nginx configuration: the test server does not implement server-level ${d.name}`);
    }
    const roots = body.filter((d) => d.name === "root");
    if (roots.length !== 1) throw new Error("nginx configuration: expected one root directive");
    const locations = body
        .filter((d) => d.name === "location")
        .map((d): Location => {
            for (const inner of d.block ?? []) {
                if (!LOCATION_DIRECTIVES.has(inner.name)) throw new Error(`nginx configuration: the test server does not implement ${inner.name} in location ${d.args.join(" ")}`);
            }
            if (d.args.length === 2 && d.args[0] === "=") return { exact: true, prefix: d.args[1], directives: d.block ?? [] };
            if (d.args.length === 1 && d.args[0].startsWith("/")) return { exact: false, prefix: d.args[0], directives: d.block ?? [] };
            throw new Error(`nginx configuration: the test server implements only exact and prefix locations, not location ${d.args.join(" ")}`);
        });
    return { root: rootOnDisk(roots[0].args[0]), headers: body.filter((d) => d.name === "add_header"), locations };
}

/** nginx's location choice: an exact match, else the longest matching prefix. */
function locationFor(server: NginxServer, uri: string): Location | undefined {
    const exact = server.locations.find((l) => l.exact && l.prefix === uri);
    if (exact) return exact;
    return server.locations
        .filter((l) => !l.exact && uri.startsWith(l.prefix))
        .sort((a, b) => b.prefix.length - a.prefix.length)[0];
}

/** The types of nginx's mime.types for the files a static site holds; nginx.conf's default_type otherwise. */
const MIME_TYPES: Record<string, string> = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".json": "application/json",
    ".txt": "text/plain",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
};
const DEFAULT_TYPE = "application/octet-stream";

/** Status codes add_header applies to without `always`. */
const ADD_HEADER_CODES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

interface Answer {
    status: number;
    type: string;
    body: Buffer;
}

/** Answers one request as the server block would (GET and HEAD; the site is static). */
export function answerNginx(server: NginxServer, rawUri: string, depth = 0): { answer: Answer; location?: Location } {
    if (depth > 10) return { answer: { status: 500, type: "text/html", body: Buffer.from("rewrite or internal redirection cycle") } };
    let uri: string;
    try {
        uri = path.posix.normalize(decodeURIComponent(rawUri.split("?")[0]));
    } catch {
        return { answer: { status: 400, type: "text/html", body: Buffer.from("bad request") } };
    }
    if (!uri.startsWith("/")) return { answer: { status: 400, type: "text/html", body: Buffer.from("bad request") } };
    const location = locationFor(server, uri);
    if (!location) return { answer: { status: 404, type: "text/html", body: Buffer.from("not found") } };
    const directive = (name: string) => location.directives.find((d) => d.name === name);
    const defaultType = directive("default_type")?.args[0];
    const ret = directive("return");
    if (ret) {
        return { location, answer: { status: Number(ret.args[0]), type: defaultType ?? DEFAULT_TYPE, body: Buffer.from(ret.args[1] ?? "") } };
    }
    const file = (candidate: string): Answer | undefined => {
        const full = path.join(server.root, candidate);
        if (!full.startsWith(server.root)) return undefined;
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (candidate.endsWith("/")) {
            // A directory: the index module serves its index.html (autoindex is off).
            if (!stat?.isDirectory()) return undefined;
            const index = path.join(full, "index.html");
            return fs.existsSync(index)
                ? { status: 200, type: MIME_TYPES[".html"], body: fs.readFileSync(index) }
                : { status: 403, type: "text/html", body: Buffer.from("forbidden") };
        }
        if (!stat?.isFile()) return undefined;
        return { status: 200, type: MIME_TYPES[path.extname(full)] ?? defaultType ?? DEFAULT_TYPE, body: fs.readFileSync(full) };
    };
    const tryFiles = directive("try_files");
    if (tryFiles) {
        const args = tryFiles.args.map((a) => a.replace(/\$uri/g, uri));
        for (const candidate of args.slice(0, -1)) {
            const found = file(candidate);
            if (found) return { location, answer: found };
        }
        const last = args[args.length - 1];
        if (/^=\d+$/.test(last)) return { location, answer: { status: Number(last.slice(1)), type: "text/html", body: Buffer.from("") } };
        return answerNginx(server, last, depth + 1); // an internal redirect: the location is chosen again
    }
    return { location, answer: file(uri) ?? file(`${uri}/`) ?? { status: 404, type: "text/html", body: Buffer.from("not found") } };
}

/** Headers add_header sets: a location's own, else the server's (nginx inherits them only when a level has none). */
function addedHeaders(server: NginxServer, location: Location | undefined, status: number): [string, string][] {
    const own = location?.directives.filter((d) => d.name === "add_header") ?? [];
    const rules = own.length ? own : server.headers;
    return rules.filter((d) => d.args[2] === "always" || ADD_HEADER_CODES.has(status)).map((d) => [d.args[0], d.args[1]]);
}

/** Paths a Dockerfile copies from its build context: destination (without trailing /) to source. */
export function dockerfileCopies(dockerfile: string, context: string): Map<string, string> {
    const copies = new Map<string, string>();
    for (const line of dockerfile.split("\n")) {
        const words = line.trim().split(/\s+/);
        if (words[0]?.toUpperCase() !== "COPY" || words.some((w) => w.startsWith("--from"))) continue;
        const args = words.slice(1).filter((w) => !w.startsWith("--"));
        if (args.length !== 2) continue; // several sources into a folder: not a file or tree this server needs
        copies.set(args[1].replace(/\/+$/, ""), path.resolve(context, args[0]));
    }
    return copies;
}

/** Listens on 127.0.0.1 at a port the OS picks. */
export async function listenLocal(handler: http.RequestListener): Promise<LocalServer> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
    });
    const port = (server.address() as AddressInfo).port;
    let closing: Promise<void> | undefined;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        close() {
            closing ??= new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            return closing;
        },
    };
}

/**
 * Serves an nginx image's site from its build context: the configuration the Dockerfile copies to
 * `/etc/nginx/conf.d/<name>.conf`, and its `root` read from the folder copied there.
 */
export async function startNginxSite(imageDir: string): Promise<LocalServer & { readonly server: NginxServer }> {
    const copies = dockerfileCopies(fs.readFileSync(path.join(imageDir, "Dockerfile"), "utf8"), imageDir);
    const confs = [...copies].filter(([dest]) => /^\/etc\/nginx\/conf\.d\/[^/]+\.conf$/.test(dest));
    if (confs.length !== 1) throw new Error(`${imageDir}/Dockerfile: expected one COPY to /etc/nginx/conf.d/*.conf, found ${confs.length}`);
    const server = nginxServer(parseNginxConf(fs.readFileSync(confs[0][1], "utf8")), (root) => {
        const local = copies.get(root.replace(/\/+$/, ""));
        if (!local) throw new Error(`${imageDir}/Dockerfile copies nothing to the nginx root ${root}`);
        return local;
    });
    const local = await listenLocal((req, res) => {
        if (req.method !== "GET" && req.method !== "HEAD") {
            res.writeHead(405, { "Content-Type": "text/html" }).end();
            return;
        }
        const { answer, location } = answerNginx(server, req.url ?? "/");
        const headers: http.OutgoingHttpHeaders = { "Content-Type": answer.type, "Content-Length": answer.body.length };
        for (const [name, value] of addedHeaders(server, location, answer.status)) headers[name] = value;
        res.writeHead(answer.status, headers);
        res.end(req.method === "HEAD" ? undefined : answer.body);
    });
    return { ...local, server };
}

// --- Ingress ------------------------------------------------------------------------------------

/** One path rule of an Ingress: the path, its type and the Service it sends to. */
export interface IngressPath {
    readonly path: string;
    readonly pathType: "Prefix" | "Exact";
    readonly service: string;
}

/** The path rules of the one Ingress in a manifest file (every host's). */
export function ingressPaths(manifestText: string): IngressPath[] {
    const ingresses = parseAllDocuments(manifestText)
        .map((d) => d.toJS())
        .filter((o) => o?.kind === "Ingress");
    if (ingresses.length !== 1) throw new Error(`expected one Ingress, found ${ingresses.length}`);
    const paths: IngressPath[] = [];
    for (const rule of ingresses[0].spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
            if (p.pathType !== "Prefix" && p.pathType !== "Exact") throw new Error(`Ingress path ${p.path}: the test router implements Prefix and Exact, not ${p.pathType}`);
            paths.push({ path: p.path, pathType: p.pathType, service: p.backend.service.name });
        }
    }
    return paths;
}

/**
 * The rule that takes a request path: Prefix matches whole `/`-separated elements (`/api` takes
 * `/api` and `/api/x`, not `/apix`); the longest path wins, Exact before Prefix at equal length.
 */
export function ingressRoute(paths: readonly IngressPath[], requestPath: string): IngressPath | undefined {
    const elements = (p: string) => p.split("/").filter(Boolean);
    const matches = paths.filter((p) => {
        if (p.pathType === "Exact") return p.path === requestPath;
        const want = elements(p.path);
        const got = elements(requestPath);
        return want.length <= got.length && want.every((e, i) => e === got[i]);
    });
    return matches.sort((a, b) => b.path.length - a.path.length || (a.pathType === "Exact" ? -1 : 1))[0];
}

/** Routes by the Ingress's paths to the local servers standing for its Services (name to base URL). */
export async function startIngress(manifestText: string, services: Readonly<Record<string, string>>): Promise<LocalServer & { readonly paths: IngressPath[] }> {
    const paths = ingressPaths(manifestText);
    for (const p of paths) {
        if (!services[p.service]) throw new Error(`Ingress path ${p.path} goes to Service ${p.service}, which the test does not run`);
    }
    const local = await listenLocal((req, res) => {
        const requestPath = new URL(req.url ?? "/", "http://ingress").pathname;
        const route = ingressRoute(paths, requestPath);
        if (!route) {
            res.writeHead(404).end();
            return;
        }
        const target = new URL(req.url ?? "/", services[route.service]);
        const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        // The ALB answers 502 when a target fails; the body says which, for the test's message.
        upstream.on("error", (err) => {
            if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
            res.end(`502 from the test router: ${route.service}: ${err.message}`);
        });
        req.pipe(upstream);
    });
    return { ...local, paths };
}
