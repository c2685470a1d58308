import * as pulumi from "@pulumi/pulumi";
import { InvokeMock, OfflineMocks } from "./mocks";
import { StackConfig } from "./stack-config";

/** What the plan's JSON holds for each registered resource (format documented in the README). */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The id the (mock) provider returned; undefined for components. */
    readonly id?: string;
    /** URN of the parent component; undefined for top-level resources. */
    readonly parent?: string;
    /** false for components (local or remote), true for resources a provider manages. */
    readonly custom: boolean;
    /** URN of the provider resource it uses, when explicit or inherited. */
    readonly provider?: string;
    /** Components only: the providers (by package) handed to their children, e.g. remote components. */
    readonly providers?: Readonly<Record<string, string>>;
    /** Inputs as resolved, with secret values replaced by {@link SECRET_MASK}. */
    readonly inputs: Record<string, unknown>;
    /** URNs of everything it waits for: explicit `dependsOn` and the resources its inputs come from. */
    readonly dependencies: readonly string[];
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** Present (true) when replaced delete-first (`deleteBeforeReplace`), not create-before-delete, Pulumi's default. */
    readonly deleteBeforeReplace?: true;
}

export interface PlanResult {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly RecordedResource[];
    /** What the program logged with `pulumi.log.warn`, as a preview would show it. */
    readonly warnings: readonly string[];
    /** Stack outputs, secrets masked. */
    readonly outputs: Record<string, unknown>;
}

export const SECRET_MASK = "[secret]";

/** How the SDK prints a warning when no engine listens (its log module, under mocks). */
const RUNTIME_WARNING = "warning: [runtime] ";

/** Longest a run may take; a healthy one takes a few seconds. */
const RUN_TIMEOUT_MS = 20_000;

/** The Pulumi program: index.ts's default export. */
export type Program = () => Promise<Record<string, unknown>>;

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces every secret the runtime marked (its wire form {sig: secret, value}) with the mask. */
export function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) return SECRET_MASK;
        if (obj[SIG_KEY] !== undefined) return obj; // assets, archives, resource references
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}

function providerUrn(reference: string): string | undefined {
    // A provider reference is "<urn>::<id>"; URNs contain "::" themselves.
    return reference ? reference.slice(0, reference.lastIndexOf("::")) : undefined;
}

function providersOf(req: any): Record<string, string> | undefined {
    const entries: [string, string][] = req.getProvidersMap().toArray();
    return entries.length ? Object.fromEntries(entries.map(([pkg, ref]) => [pkg, providerUrn(ref)!])) : undefined;
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs ?? {})) {
        if (pulumi.Output.isInstance(value)) {
            const output = value as any;
            const [plain, secret] = await Promise.all([output.promise(), output.isSecret]);
            resolved[key] = secret ? SECRET_MASK : plain;
        } else {
            resolved[key] = value;
        }
    }
    return resolved;
}

export interface RunOptions {
    /** The stack's config as the CLI would pass it. */
    readonly config: StackConfig;
    /** Region the mocked account answers for (AZ names, ARNs). */
    readonly region: string;
    /** Replacement invoke results, by token. Defaults to none. */
    readonly invokes?: Record<string, InvokeMock>;
    /** Run as `pulumi preview` does (`pulumi.runtime.isDryRun()` true). Defaults to false: as `pulumi up`. */
    readonly preview?: boolean;
}

/**
 * Runs the program on Pulumi's mock runtime, as `pulumi up` would against a fresh account, and
 * records every registration the program makes. Rejects with the program's own error (for example
 * a ConfigError) or with every error the run produced.
 */
export async function runProgram(program: Program, options: RunOptions): Promise<PlanResult> {
    const { config } = options;
    await pulumi.runtime.setMocks(new OfflineMocks(options.region, options.invokes), config.project, config.stack, options.preview ?? false);
    pulumi.runtime.setAllConfig({ ...config.values }, [...config.secretKeys]);

    const resources: RecordedResource[] = [];
    const errors: Error[] = [];
    // A failed registration leaves the outputs that depend on it unresolved for ever: the run ends
    // at the first error instead of waiting (an error thrown inside the mocks would otherwise only
    // show as a hang), or after a time limit as a last resort.
    let fail: (err: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const report = () => new Error(`the program failed:\n${[...new Set(errors.map((e) => `  - ${e.message}`))].join("\n")}`);
    failed.catch(() => undefined); // settled by the race below, or after it: never unhandled
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: Error | null, resp: any) => void) => {
        const inputs = maskSecrets(pulumi.runtime.deserializeProperties(req.getObject())) as Record<string, unknown>;
        register(req, (err: Error | null, resp: any) => {
            if (err) {
                errors.push(err);
                fail(report());
            } else {
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    id: resp.getId() || undefined,
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    provider: providerUrn(req.getProvider()),
                    providers: providersOf(req),
                    inputs,
                    dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true as const } : {}),
                });
            }
            callback(err, resp);
        });
    };
    const onRejection = (reason: unknown) => {
        errors.push(reason instanceof Error ? reason : new Error(String(reason)));
        fail(report());
    };
    // Without an engine, pulumi.log.warn prints "warning: [runtime] ..." itself: recorded instead.
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        if (text.startsWith(RUNTIME_WARNING)) warnings.push(text.slice(RUNTIME_WARNING.length));
        else consoleWarn(...args);
    };
    // The SDK records a formatted stack trace on every promise it makes, only to report leaks
    // (PULUMI_DEBUG_PROMISE_LEAKS); under tsx each one is source-mapped, which is most of a plan's
    // time. Off during the run (a plan takes a quarter of the time); PLAN_STACK_TRACES=1 keeps them
    // for debugging the program. Resource source positions are unaffected (the SDK lifts the limit).
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.PLAN_STACK_TRACES) Error.stackTraceLimit = 0;
    process.on("unhandledRejection", onRejection);
    const timer = setTimeout(() => fail(new Error(`the program did not finish within ${RUN_TIMEOUT_MS / 1000}s: an output never resolved`)), RUN_TIMEOUT_MS);
    try {
        const run = async () => {
            const outputs = await resolveOutputs(await program());
            await (pulumi.runtime as any).waitForRPCs();
            // Let rejected applies surface before judging the run.
            await new Promise((resolve) => setImmediate(resolve));
            if (errors.length > 0) throw report();
            return { project: config.project, stack: config.stack, resources, warnings, outputs };
        };
        const work = run();
        work.catch(() => undefined); // a run that lost the race may still reject later
        return await Promise.race([work, failed]);
    } finally {
        clearTimeout(timer);
        console.warn = consoleWarn;
        Error.stackTraceLimit = stackTraceLimit;
        process.off("unhandledRejection", onRejection);
    }
}
