/**
 * Headless Chromium for the integration tests: Debian's `chromium` package driven by
 * playwright-core (the library without its bundled browsers), with a fresh profile in a temporary
 * folder that {@link Chromium.close} removes.
 *
 * Playwright's `launchPersistentContext` takes the profile folder itself: it refuses a
 * `--user-data-dir` among the arguments (https://playwright.dev/docs/api/class-browsertype#browser-type-launch-persistent-context).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium package (`apt-get install chromium`); CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Root cannot use Chromium's sandbox (it refuses to start without --no-sandbox). This machine has
 * no internet: without the switches below Chromium's background services (component updates,
 * sync) try to reach Google and log failures on every launch.
 */
export const CHROMIUM_ARGS: readonly string[] = [
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

export interface Chromium {
    readonly context: BrowserContext;
    /** Closes the browser and removes its profile; safe to call twice. */
    close(): Promise<void>;
}

/** Whether Chromium is installed where {@link CHROMIUM_PATH} says. */
export function chromiumInstalled(): boolean {
    try {
        fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** Launches headless Chromium with a fresh profile; throws naming the path when it is not installed. */
export async function launchChromium(): Promise<Chromium> {
    if (!chromiumInstalled()) {
        throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM to its path)`);
    }
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    let context: BrowserContext;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM_PATH,
            headless: true,
            args: [...CHROMIUM_ARGS],
            viewport: { width: 1024, height: 640 },
            // Dates on the page are rendered with toLocaleString: fix both so screenshots compare.
            locale: "en-US",
            timezoneId: "UTC",
        });
    } catch (err) {
        fs.rmSync(profile, { recursive: true, force: true });
        throw err;
    }
    let closed = false;
    return {
        context,
        async close() {
            if (closed) return;
            closed = true;
            try {
                await context.close();
            } finally {
                fs.rmSync(profile, { recursive: true, force: true });
            }
        },
    };
}
