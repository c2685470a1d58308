/**
 * Imported first by the offline plan (and the tests): defers the Pulumi SDK's Automation API until
 * something uses it.
 *
 * `@pulumi/pulumi`'s index requires every submodule eagerly, `automation` included, which pulls in
 * npm's packaging libraries (its `stack` module alone takes about 0.8 s of a plan's 5 s on two
 * cores). A program never uses it: the Automation API is the SDK's interface for driving the CLI
 * from code (https://www.pulumi.com/docs/iac/automation-api/), not part of what a program runs.
 * Its module is put in Node's require cache as a stand-in that loads the real one on first use,
 * so `pulumi.automation.LocalWorkspace` and the rest still work, only later.
 */
import * as path from "path";

/** What the stand-in's proxy reports before the real module is loaded: how TypeScript's import helpers recognise an ES module. */
const ES_MODULE_FLAG = "__esModule";

/**
 * Puts the stand-in for the SDK's automation module in the require cache, unless the SDK is
 * already loaded (its index then holds the real module) or the file is not where this SDK version
 * keeps it (then nothing changes: only slower).
 *
 * @param root The folder whose `node_modules` holds `@pulumi/pulumi`. Defaults to this repository.
 * @returns The automation module's file when deferred, else undefined.
 */
export function deferAutomation(root = path.resolve(__dirname, "..", "..")): string | undefined {
    let index: string;
    let file: string;
    try {
        index = require.resolve("@pulumi/pulumi", { paths: [root] });
        file = require.resolve("@pulumi/pulumi/automation", { paths: [root] });
    } catch {
        return undefined;
    }
    if (require.cache[index] || require.cache[file]) return undefined;
    let real: Record<PropertyKey, unknown> | undefined;
    const load = (): Record<PropertyKey, unknown> => {
        if (!real) {
            delete require.cache[file];
            real = require(file) as Record<PropertyKey, unknown>;
        }
        return real;
    };
    const exports = new Proxy({} as Record<PropertyKey, unknown>, {
        get: (_, key) => (key === ES_MODULE_FLAG && !real ? true : Reflect.get(load(), key)),
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
            const d = Reflect.getOwnPropertyDescriptor(load(), key);
            // The proxy's own target is an empty object: a property it lacks may only be reported configurable.
            return d && { ...d, configurable: true };
        },
    });
    // The same shape as a loaded CommonJS module: Node's require returns `exports` of a cached entry.
    const standIn = { id: file, filename: file, loaded: true, exports, children: [], paths: [], path: path.dirname(file) };
    require.cache[file] = standIn as unknown as NodeJS.Module;
    return file;
}

deferAutomation();
