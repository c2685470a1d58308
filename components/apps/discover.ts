/**
 * Finds the apps under `apps/`, validates their descriptors and overlays, and decides which run in
 * a stack with which settings. Reads files only: it runs before any resource is registered.
 */
import * as fs from "fs";
import * as path from "path";
import type { AppOverride } from "../config/types";
import { ConfigError } from "../errors";
import { appNameProblems } from "../naming";
import { SecretValue, appSecretConfigCommand, appSecretConfigPath } from "../secret-config";
import { yamlValue } from "../yaml-file";
import { AppDescriptor, parseDescriptor } from "./descriptor";

/** Folder of the apps, relative to the repository root (and Argo CD's source paths). */
export const APPS_DIR = "apps";
export const DESCRIPTOR_FILE = "app.yaml";
/** File names Kustomize accepts for a kustomization, in its order of preference. */
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/**
 * Image tags are the commit hash of the app's folder (CI builds and tags them): a tag names one
 * build forever, and the repositories refuse to move it (immutable tags).
 */
export const IMAGE_TAG = /^[0-9a-f]{7,40}$/;

export type { AppOverride };

/** One app that runs in the stack. */
export interface AppSpec {
    readonly descriptor: AppDescriptor;
    /** Every setting's value in this stack. */
    readonly settings: Readonly<Record<string, string>>;
    /** The overlay Argo CD deploys, relative to the repository root. */
    readonly sourcePath: string;
    /** The tag the overlay pins for each image. */
    readonly imageTags: Readonly<Record<string, string>>;
    /**
     * The values this stack's config holds for the app's declared Secrets, by Secret name (every
     * declared one, possibly empty) and key; keys without a value are absent ({@link missingSecretKeys}).
     */
    readonly secrets: Readonly<Record<string, Readonly<Record<string, SecretValue>>>>;
}

/** One key of a declared Secret that the stack's config gives no value. */
export interface MissingSecretKey {
    readonly secret: string;
    readonly key: string;
}

/** The keys of the app's declared Secrets that have no value in the stack, in app.yaml's order. */
export function missingSecretKeys(spec: AppSpec): MissingSecretKey[] {
    return Object.entries(spec.descriptor.secrets).flatMap(([secret, { keys }]) =>
        keys.filter((key) => spec.secrets[secret]?.[key] === undefined).map((key) => ({ secret, key })),
    );
}

/**
 * The declared Secrets the platform creates in the stack: those whose every key has a value. A
 * Secret missing a key is not created at all (see {@link missingSecretWarnings}): a pod that uses it
 * then fails visibly (`CreateContainerConfigError: secret "<name>" not found`) rather than starting
 * with part of its credentials, and a Secret still made by hand before its values were in the
 * stack's config is left alone until they all are.
 *
 * @returns Secret name to key to value, for every complete Secret.
 */
export function creatableSecrets(spec: AppSpec): Record<string, Readonly<Record<string, SecretValue>>> {
    const missing = new Set(missingSecretKeys(spec).map((m) => m.secret));
    return Object.fromEntries(Object.keys(spec.descriptor.secrets).filter((name) => !missing.has(name)).map((name) => [name, spec.secrets[name]]));
}

/**
 * One warning per key of a declared Secret that has no value in the stack, each naming the key's
 * config path and the exact command that sets it. Warnings, not errors: a new app's pull request
 * plans and previews before anyone could set its values, and the shipped stacks hold none.
 *
 * @param spec The app, as loadApps found it for the stack.
 * @param appsKey The project's apps key, e.g. `platform:apps`.
 * @param stack The stack the warnings are for (its name goes into each command).
 */
export function missingSecretWarnings(spec: AppSpec, appsKey: string, stack: string): string[] {
    const app = spec.descriptor.name;
    return missingSecretKeys(spec).map(
        ({ secret, key }) =>
            `${appSecretConfigPath(appsKey, app, secret, key)}: no value in stack ${stack}, so the Secret ${secret} of ${path.posix.join(APPS_DIR, app, DESCRIPTOR_FILE)} ` +
            `is not created and pods that use it do not start; set it with ${appSecretConfigCommand(appsKey, app, secret, key, stack)}`,
    );
}

/** The name manifests use for an app's image; Argo CD maps it to the app's ECR repository. */
export function imageReference(app: string, image: string): string {
    return `${app}/${image}`;
}

/** The overlay of an app for a stack, relative to the repository root. */
export function overlayPath(app: string, stack: string): string {
    return path.posix.join(APPS_DIR, app, "overlays", stack);
}

/** The kustomization file of a folder, or undefined when it has none. */
export function kustomizationFile(dir: string): string | undefined {
    return KUSTOMIZATION_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
}

function readYaml(file: string, shown: string, problems: string[]): unknown {
    return yamlValue(shown, fs.readFileSync(file, "utf8"), problems);
}

/**
 * The tags an overlay pins: one `images` entry per declared image, named `<app>/<image>`, with a
 * commit-hash `newTag` and no `newName` (the platform decides the repository).
 */
function overlayImageTags(descriptor: AppDescriptor, file: string, doc: unknown, problems: string[]): Record<string, string> {
    const tags: Record<string, string> = {};
    const entries = (doc as { images?: unknown })?.images;
    if (entries !== undefined && !Array.isArray(entries)) {
        problems.push(`${file}: images: must be a list of {name, newTag}`);
        return tags;
    }
    const declared = new Map(descriptor.images.map((image) => [imageReference(descriptor.name, image), image]));
    for (const entry of (entries ?? []) as { name?: unknown; newName?: unknown; newTag?: unknown }[]) {
        const image = declared.get(String(entry?.name));
        if (image === undefined) {
            problems.push(`${file}: images: ${JSON.stringify(entry?.name)} is not an image of app.yaml (${[...declared.keys()].join(", ")})`);
            continue;
        }
        if (entry.newName !== undefined) {
            problems.push(`${file}: images: ${entry.name}: remove newName; Argo CD maps the image to the app's ECR repository`);
        }
        if (typeof entry.newTag !== "string" || !IMAGE_TAG.test(entry.newTag)) {
            problems.push(`${file}: images: ${entry.name}: newTag must be the commit hash CI built, 7 to 40 hex digits (got ${JSON.stringify(entry.newTag)}); never latest`);
        } else {
            tags[image] = entry.newTag;
        }
    }
    const named = new Set(((entries ?? []) as { name?: unknown }[]).map((e) => e?.name));
    for (const reference of [...declared.keys()].filter((r) => !named.has(r))) {
        problems.push(`${file}: images: must pin a tag for ${reference}, an image of app.yaml (kustomize edit set image ${reference}:<commit>)`);
    }
    return tags;
}

/**
 * Discovers and validates every app, then returns those that run in `stack`.
 *
 * An app runs when its app.yaml lists the stack (or lists none) and the stack file does not set
 * `enabled: false`. Apps that do not run are still validated, so a broken app never waits for the
 * stack that deploys it to be found out.
 *
 * @param repoRoot The folder holding `apps/` (the project directory).
 * @param stack The stack being deployed.
 * @param overrides `platform:apps` of the stack file, by app: switches, settings and Secret values.
 * @param configKey How the stack's key is named in messages, e.g. `platform:apps`.
 * @param clusterName The stack's root name (naming.ts `rootName`, `<project>-<stack>`): every
 *   physical name derived from it and an app (ECR repositories, IAM roles, database identifiers...)
 *   is checked against its service's limits. Defaults to none: only names that do not involve it are checked.
 * @throws ConfigError listing every problem of every app.
 */
export function loadApps(repoRoot: string, stack: string, overrides: Readonly<Record<string, AppOverride>>, configKey: string, clusterName?: string): AppSpec[] {
    const problems: string[] = [];
    const appsDir = path.join(repoRoot, APPS_DIR);
    const folders = fs.existsSync(appsDir)
        ? fs.readdirSync(appsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
        : [];
    const apps: AppSpec[] = [];

    for (const app of folders) {
        const shown = path.posix.join(APPS_DIR, app, DESCRIPTOR_FILE);
        const file = path.join(appsDir, app, DESCRIPTOR_FILE);
        if (!fs.existsSync(file)) {
            problems.push(`${shown}: missing; every folder under ${APPS_DIR}/ is an app and declares what it needs there (see ${APPS_DIR}/README.md)`);
            continue;
        }
        const descriptor = parseDescriptor(shown, app, readYaml(file, shown, problems), problems);
        if (!descriptor) continue;
        if (clusterName !== undefined) problems.push(...appNameProblems(clusterName, app, descriptor.images, shown));

        const override = overrides[app] ?? {};
        const where = `${configKey}.${app}`;
        const allowed = descriptor.stacks === undefined || descriptor.stacks.includes(stack);
        if (override.enabled === true && !allowed) {
            problems.push(`${where}.enabled: ${shown} runs the app only in ${descriptor.stacks!.join(", ")}; add ${stack} to its stacks`);
        }
        for (const name of Object.keys(override.settings ?? {}).filter((n) => !(n in descriptor.settings))) {
            const names = Object.keys(descriptor.settings);
            problems.push(`${where}.settings.${name}: not a setting of ${shown} (${names.length ? names.join(", ") : "it declares none"})`);
        }
        // Secret values for names or keys app.yaml does not declare would be silently unused.
        for (const [name, keys] of Object.entries(override.secrets ?? {})) {
            const declared = descriptor.secrets[name];
            if (!declared) {
                const names = Object.keys(descriptor.secrets);
                problems.push(`${where}.secrets.${name}: not a Secret of ${shown} (${names.length ? names.join(", ") : "it declares none"})`);
                continue;
            }
            for (const key of Object.keys(keys).filter((k) => !declared.keys.includes(k))) {
                problems.push(`${where}.secrets.${name}.${key}: not a key of the Secret ${name} in ${shown} (${declared.keys.join(", ")})`);
            }
        }
        // Stacks app.yaml names need their overlays whichever stack is planned: found in any preview.
        for (const other of (descriptor.stacks ?? []).filter((s) => s !== stack)) {
            if (!kustomizationFile(path.join(repoRoot, overlayPath(app, other)))) {
                problems.push(`${overlayPath(app, other)}/kustomization.yaml: missing; ${shown} lists ${other} in stacks`);
            }
        }
        if (!allowed || override.enabled === false) continue;

        const settings: Record<string, string> = {};
        for (const [name, spec] of Object.entries(descriptor.settings)) {
            const value = override.settings?.[name] ?? spec.default;
            if (value === undefined) problems.push(`${where}.settings.${name}: required (${spec.description})`);
            else settings[name] = value;
        }

        const sourcePath = overlayPath(app, stack);
        const kustomization = kustomizationFile(path.join(repoRoot, sourcePath));
        if (!kustomization) {
            problems.push(`${sourcePath}/kustomization.yaml: missing; the app runs in ${stack}, so it needs an overlay for it (or set ${where}.enabled: false)`);
            continue;
        }
        const overlayFile = path.posix.join(sourcePath, path.basename(kustomization));
        const before = problems.length;
        const doc = readYaml(kustomization, overlayFile, problems);
        // A kustomization that is not YAML has no images to speak of: its syntax error says it all.
        const imageTags = problems.length > before ? {} : overlayImageTags(descriptor, overlayFile, doc, problems);
        const secrets = Object.fromEntries(
            Object.entries(descriptor.secrets).map(([name, { keys }]) => {
                const given = override.secrets?.[name] ?? {};
                return [name, Object.fromEntries(keys.filter((k) => given[k] !== undefined).map((k) => [k, given[k]]))];
            }),
        );
        apps.push({ descriptor, settings, sourcePath, imageTags, secrets });
    }

    for (const app of Object.keys(overrides).filter((a) => !folders.includes(a))) {
        problems.push(`${configKey}.${app}: no such app (${APPS_DIR}/${app}/${DESCRIPTOR_FILE} does not exist)`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return apps;
}
