/**
 * One HTTP download for the refresh scripts: the body, or an error naming the URL and the reason
 * (Node's fetch says only "fetch failed" and keeps ECONNREFUSED, DNS or timeout in `cause`).
 *
 * @param url What to download.
 * @param timeoutMs How long it may take. Defaults to 60 s.
 */
export async function download(url: string, timeoutMs = 60_000): Promise<Buffer> {
    let response: Response;
    try {
        response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch (e) {
        const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
        throw new Error(`cannot download ${url}: ${cause}`);
    }
    if (!response.ok) throw new Error(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
    return Buffer.from(await response.arrayBuffer());
}
