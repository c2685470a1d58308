/**
 * `apps/<app>/app.yaml`: what an app declares it needs from the platform, validated like stack
 * config: every problem names the file and the key, and all are reported together.
 */
import type { PolicyDocument, PolicyStatement } from "../cluster/policies";
import { MAX_POSIX_ID } from "../data/efs";
import { DATABASE_SECRET } from "../naming";

/** An IAM statement of an app's service account, as written in app.yaml (IAM's own key names). */
export interface AppStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A value that differs per stack, set under `platform:apps.<app>.settings` in the stack file. */
export interface AppSetting {
    readonly description: string;
    /** Used when the stack sets none; a setting without a default is required in every stack that runs the app. */
    readonly default?: string;
}

/**
 * A Secret the platform creates in the app's namespace, its values taken from the stack's encrypted
 * config (`pulumi config set --secret --path '<project>:apps.<app>.secrets.<name>.<key>' <value>`),
 * so a rebuilt cluster gets it back and no value is ever in git.
 */
export interface AppSecret {
    /** What it holds and where its values come from. */
    readonly description: string;
    /** The keys it holds, each set separately in the stack's config. */
    readonly keys: readonly string[];
}

/** A validated app.yaml. */
export interface AppDescriptor {
    readonly name: string;
    readonly description: string;
    /** Image names; the manifests use them as `<app>/<image>`. */
    readonly images: readonly string[];
    readonly database: boolean;
    readonly volume?: { readonly uid: number; readonly gid: number };
    readonly permissions: readonly AppStatement[];
    readonly settings: Readonly<Record<string, AppSetting>>;
    /** Secrets the platform creates in the app's namespace from the stack's encrypted config, by name. */
    readonly secrets: Readonly<Record<string, AppSecret>>;
    /** Stacks the app runs in; undefined for every stack. */
    readonly stacks?: readonly string[];
    /**
     * Why the app's CronJobs may keep a pausing database awake (`keepsDatabaseAwake: <reason>`):
     * the plan then warns about them instead of refusing (`components/apps/idle.ts`). Only with `database: true`.
     */
    readonly keepsDatabaseAwake?: string;
}

/**
 * App names: a DNS label (namespace `app-<app>`, Argo CD Application, service account), at most 30
 * characters so the names derived from it (IAM roles with Pulumi's 8-character suffix, the
 * PersistentVolume, database identifiers) stay within their limits.
 */
export const APP_NAME = /^[a-z](?:[a-z0-9-]{0,28}[a-z0-9])?$/;

/**
 * Names an app cannot take: Argo CD's built-in project, and databases or roles Aurora PostgreSQL
 * already has (the app's database and role are named after the app).
 */
export const RESERVED_APP_NAMES = ["default", "postgres", "rdsadmin", "template0", "template1"] as const;

/** ECR path component: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html */
const IMAGE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const SETTING_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;
/**
 * A declared Secret's name: a DNS label (a Secret name is a DNS subdomain, but a '.' would split the
 * config path `<project>:apps.<app>.secrets.<name>.<key>` its values are set under).
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
const SECRET_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * A key of a declared Secret: Kubernetes takes letters, digits, '-', '_' and '.'
 * (https://kubernetes.io/docs/concepts/configuration/secret/#restriction-names-data); '.' is left
 * out for the same reason as in {@link SECRET_NAME}.
 */
const SECRET_KEY = /^[-_A-Za-z0-9]{1,253}$/;
const SECRET_SPEC_KEYS = ["description", "keys"] as const;
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** `service:Action`, no wildcard. */
const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
const CONDITION_OPERATOR = /^(?:ForAllValues:|ForAnyValue:)?[A-Za-z]+?(?:IfExists)?$/;
const SID = /^[A-Za-z0-9]*$/;

/** Keys of the platform's `platform` ConfigMap: settings cannot take them. */
export const PLATFORM_SETTING_NAMES = ["AWS_REGION", "PLATFORM_STACK", "PLATFORM_CLUSTER"] as const;

/** Values every app can use in `Resource` and `Condition`, beside its own settings. */
export const BUILT_IN_PLACEHOLDERS = ["partition", "region", "account", "cluster"] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const DESCRIPTOR_KEYS = ["description", "images", "database", "volume", "permissions", "settings", "secrets", "stacks", "keepsDatabaseAwake"] as const;
const STATEMENT_KEYS = ["Sid", "Effect", "Action", "Resource", "Condition"] as const;

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string or a list of strings, as IAM allows; undefined (and a problem) for anything else. */
function stringList(value: unknown, where: string, problems: Problems): string[] | undefined {
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === "string" && v.length > 0)) {
        problems.push(`${where}: must be a non-empty string or list of strings (got ${JSON.stringify(value)})`);
        return undefined;
    }
    return list as string[];
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], where: string, problems: Problems, hint = ""): void {
    for (const key of Object.keys(value).filter((k) => !allowed.includes(k))) {
        problems.push(`${where}${key}: unknown key; the keys are ${allowed.join(", ")}${hint}`);
    }
}

/** Placeholder names used in a string. */
export function placeholders(text: string): string[] {
    return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/**
 * Validates one IAM statement. Actions are never wildcards; a `*` resource needs a Condition that
 * narrows it (some actions, such as cloudwatch:PutMetricData, accept only `*`).
 */
function parseStatement(value: unknown, where: string, known: ReadonlySet<string>, problems: Problems): AppStatement | undefined {
    if (!isRecord(value)) {
        problems.push(`${where}: must be an IAM statement with Action and Resource (got ${JSON.stringify(value)})`);
        return undefined;
    }
    const before = problems.length;
    unknownKeys(value, STATEMENT_KEYS, `${where}.`, problems, " (NotAction, NotResource and Principal are not allowed: grant by name)");
    const effect = value.Effect ?? "Allow";
    if (effect !== "Allow" && effect !== "Deny") problems.push(`${where}.Effect: must be Allow or Deny (got ${JSON.stringify(effect)})`);
    if (value.Sid !== undefined && (typeof value.Sid !== "string" || !SID.test(value.Sid))) {
        problems.push(`${where}.Sid: must be letters and digits only (got ${JSON.stringify(value.Sid)})`);
    }
    const actions = stringList(value.Action, `${where}.Action`, problems) ?? [];
    for (const action of actions) {
        if (action.includes("*")) {
            problems.push(`${where}.Action: ${JSON.stringify(action)} is a wildcard; list the actions the app calls`);
        } else if (!IAM_ACTION.test(action)) {
            problems.push(`${where}.Action: ${JSON.stringify(action)} is not an IAM action such as s3:GetObject`);
        }
    }
    const resources = stringList(value.Resource, `${where}.Resource`, problems) ?? [];
    for (const resource of resources.filter((r) => r !== "*" && !r.startsWith("arn:"))) {
        problems.push(`${where}.Resource: ${JSON.stringify(resource)} must be an ARN (arn:{{partition}}:...) or *`);
    }
    let condition: AppStatement["Condition"];
    if (value.Condition !== undefined) {
        if (!isRecord(value.Condition) || Object.keys(value.Condition).length === 0) {
            problems.push(`${where}.Condition: must map condition operators to keys and values, e.g. {StringEquals: {"cloudwatch:namespace": MyApp}}`);
        } else {
            for (const [operator, keys] of Object.entries(value.Condition)) {
                if (!CONDITION_OPERATOR.test(operator)) problems.push(`${where}.Condition.${operator}: not an IAM condition operator such as StringEquals`);
                if (!isRecord(keys) || Object.keys(keys).length === 0) {
                    problems.push(`${where}.Condition.${operator}: must map condition keys to a value or list of values`);
                    continue;
                }
                for (const [key, v] of Object.entries(keys)) stringList(v, `${where}.Condition.${operator}.${key}`, problems);
            }
            condition = value.Condition as AppStatement["Condition"];
        }
    }
    if (resources.includes("*") && condition === undefined) {
        problems.push(`${where}.Resource: "*" needs a Condition that narrows it (or name the resources by ARN)`);
    }
    const conditionValues = Object.values(condition ?? {}).flatMap((keys) => Object.values(keys).flat());
    const texts = [...resources, ...conditionValues];
    for (const name of new Set(texts.flatMap(placeholders))) {
        if (!known.has(name)) problems.push(`${where}: {{${name}}} is not a setting of this app nor one of ${BUILT_IN_PLACEHOLDERS.join(", ")}`);
    }
    if (problems.length > before) return undefined;
    return { ...(value.Sid ? { Sid: value.Sid as string } : {}), Effect: effect as AppStatement["Effect"], Action: actions, Resource: resources, ...(condition ? { Condition: condition } : {}) };
}

/**
 * Validates one entry of `secrets`: `{description, keys}`. The values are never in app.yaml: they
 * come from the stack's encrypted config, so a bare description (the former hand-made form) is
 * refused with the form to use.
 */
function parseSecret(file: string, name: string, spec: unknown, problems: Problems): AppSecret | undefined {
    const before = problems.length;
    const at = `${file}: secrets.${name}`;
    if (!SECRET_NAME.test(name)) {
        problems.push(`${at}: not a Secret name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`);
    } else if (name === DATABASE_SECRET) {
        problems.push(`${at}: reserved, the platform's own Secret of an app with database: true; choose another name`);
    }
    if (!isRecord(spec)) {
        problems.push(
            `${at}: must be {description: <text>, keys: [<key>, ...]} (got ${JSON.stringify(spec)}); ` +
                `the platform creates the Secret and each key's value comes from the stack's encrypted config, never from a hand-made Secret`,
        );
        return undefined;
    }
    unknownKeys(spec, SECRET_SPEC_KEYS, `${at}.`, problems, " (values never go in app.yaml: set them with pulumi config set --secret)");
    if (typeof spec.description !== "string" || spec.description.trim() === "") {
        problems.push(`${at}.description: required, what the Secret holds`);
    }
    const keys = Array.isArray(spec.keys) ? spec.keys : [];
    if (!Array.isArray(spec.keys) || keys.length === 0) {
        problems.push(`${at}.keys: required, a non-empty list of the keys it holds such as [token] (got ${JSON.stringify(spec.keys)})`);
    }
    for (const key of keys.filter((k) => typeof k !== "string" || !SECRET_KEY.test(k))) {
        problems.push(`${at}.keys: ${JSON.stringify(key)} is not a Secret key (letters, digits, '-' and '_', at most 253 characters)`);
    }
    for (const dup of new Set(keys.filter((k, n) => keys.indexOf(k) !== n))) problems.push(`${at}.keys: ${JSON.stringify(dup)} is listed twice`);
    if (problems.length > before) return undefined;
    return { description: (spec.description as string).trim(), keys: keys as string[] };
}

/**
 * Validates the parsed YAML of one app's descriptor.
 *
 * @param file Path shown in messages, e.g. `apps/chat/app.yaml`.
 * @param app The app's name (its folder).
 * @param doc The parsed YAML document.
 * @returns The descriptor, or undefined when `problems` received at least one entry.
 */
export function parseDescriptor(file: string, app: string, doc: unknown, problems: Problems): AppDescriptor | undefined {
    const before = problems.length;
    const at = (key: string) => `${file}: ${key}`;
    if (!APP_NAME.test(app)) {
        problems.push(`${file}: the folder name ${JSON.stringify(app)} is not an app name (lower case letters, digits and '-', starting with a letter, at most 30 characters)`);
    } else if ((RESERVED_APP_NAMES as readonly string[]).includes(app)) {
        problems.push(`${file}: the app name ${JSON.stringify(app)} is reserved (${RESERVED_APP_NAMES.join(", ")}); rename the folder`);
    }
    if (!isRecord(doc)) {
        problems.push(`${file}: must be a YAML mapping with at least description and images`);
        return undefined;
    }
    unknownKeys(doc, DESCRIPTOR_KEYS, `${file}: `, problems);

    if (typeof doc.description !== "string" || doc.description.trim() === "") {
        problems.push(`${at("description")}: required, one line on what the app does`);
    }

    const images = Array.isArray(doc.images) ? doc.images : [];
    if (!Array.isArray(doc.images) || images.length === 0) {
        problems.push(`${at("images")}: required, a list of image names such as [web, api] (got ${JSON.stringify(doc.images)})`);
    }
    for (const image of images.filter((i) => typeof i !== "string" || !IMAGE_NAME.test(i))) {
        problems.push(`${at("images")}: ${JSON.stringify(image)} is not an image name (lower case letters and digits, separated by '.', '_' or '-')`);
    }
    for (const dup of images.filter((i, n) => images.indexOf(i) !== n)) problems.push(`${at("images")}: ${JSON.stringify(dup)} is listed twice`);

    const database = doc.database ?? false;
    if (typeof database !== "boolean") problems.push(`${at("database")}: must be true or false (got ${JSON.stringify(doc.database)})`);

    let volume: AppDescriptor["volume"];
    if (doc.volume !== undefined) {
        if (!isRecord(doc.volume)) {
            problems.push(`${at("volume")}: must be {uid: <id>, gid: <id>} (got ${JSON.stringify(doc.volume)})`);
        } else {
            unknownKeys(doc.volume, ["uid", "gid"], `${file}: volume.`, problems);
            for (const key of ["uid", "gid"] as const) {
                const id = doc.volume[key];
                // Root would own a directory every root container of any app could then write.
                if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > MAX_POSIX_ID) {
                    problems.push(`${at(`volume.${key}`)}: required, an integer from 1 to ${MAX_POSIX_ID} (got ${JSON.stringify(id)})`);
                }
            }
            volume = { uid: doc.volume.uid as number, gid: doc.volume.gid as number };
        }
    }

    const settings: Record<string, AppSetting> = {};
    if (doc.settings !== undefined && !isRecord(doc.settings)) {
        problems.push(`${at("settings")}: must map setting names to {description, default} (got ${JSON.stringify(doc.settings)})`);
    }
    for (const [name, spec] of Object.entries(isRecord(doc.settings) ? doc.settings : {})) {
        if (!SETTING_NAME.test(name)) {
            problems.push(`${at(`settings.${name}`)}: a setting name is upper case letters, digits and '_', starting with a letter (it becomes an environment variable)`);
        } else if ((PLATFORM_SETTING_NAMES as readonly string[]).includes(name)) {
            problems.push(`${at(`settings.${name}`)}: reserved, the platform sets ${PLATFORM_SETTING_NAMES.join(", ")} itself`);
        }
        if (!isRecord(spec) || typeof spec.description !== "string" || spec.description.trim() === "") {
            problems.push(`${at(`settings.${name}`)}: must be {description: <text>} with an optional string default`);
            continue;
        }
        unknownKeys(spec, ["description", "default"], `${file}: settings.${name}.`, problems);
        if (spec.default !== undefined && typeof spec.default !== "string") {
            problems.push(`${at(`settings.${name}.default`)}: must be a string; quote it (got ${JSON.stringify(spec.default)})`);
        }
        settings[name] = { description: spec.description, ...(typeof spec.default === "string" ? { default: spec.default } : {}) };
    }

    const secrets: Record<string, AppSecret> = {};
    if (doc.secrets !== undefined && !isRecord(doc.secrets)) {
        problems.push(`${at("secrets")}: must map Secret names to {description: <text>, keys: [<key>, ...]} (got ${JSON.stringify(doc.secrets)})`);
    }
    for (const [name, spec] of Object.entries(isRecord(doc.secrets) ? doc.secrets : {})) {
        const parsed = parseSecret(file, name, spec, problems);
        if (parsed) secrets[name] = parsed;
    }

    let stacks: string[] | undefined;
    if (doc.stacks !== undefined) {
        stacks = Array.isArray(doc.stacks) ? doc.stacks : [];
        if (!Array.isArray(doc.stacks) || stacks.length === 0 || !stacks.every((s) => typeof s === "string" && STACK_NAME.test(s))) {
            problems.push(`${at("stacks")}: must be a non-empty list of stack names such as [dev] (got ${JSON.stringify(doc.stacks)}); omit it to run in every stack`);
        }
    }

    let keepsDatabaseAwake: string | undefined;
    if (doc.keepsDatabaseAwake !== undefined) {
        if (typeof doc.keepsDatabaseAwake !== "string" || doc.keepsDatabaseAwake.trim() === "") {
            problems.push(
                `${at("keepsDatabaseAwake")}: must be the reason, in words, why the app's CronJobs may keep a pausing database awake (got ${JSON.stringify(doc.keepsDatabaseAwake)}); omit it to have the plan refuse them`,
            );
        } else if (database !== true) {
            problems.push(`${at("keepsDatabaseAwake")}: only for an app with database: true (it has no database to keep awake)`);
        } else {
            keepsDatabaseAwake = doc.keepsDatabaseAwake.trim();
        }
    }

    const known = new Set<string>([...BUILT_IN_PLACEHOLDERS, ...Object.keys(settings)]);
    const permissions: AppStatement[] = [];
    if (doc.permissions !== undefined && !Array.isArray(doc.permissions)) {
        problems.push(`${at("permissions")}: must be a list of IAM statements (got ${JSON.stringify(doc.permissions)})`);
    }
    (Array.isArray(doc.permissions) ? doc.permissions : []).forEach((statement, i) => {
        const parsed = parseStatement(statement, at(`permissions[${i}]`), known, problems);
        if (parsed) permissions.push(parsed);
    });

    if (problems.length > before) return undefined;
    return {
        name: app,
        description: (doc.description as string).trim(),
        images: images as string[],
        database: database as boolean,
        ...(volume ? { volume } : {}),
        permissions,
        settings,
        secrets,
        ...(stacks ? { stacks } : {}),
        ...(keepsDatabaseAwake ? { keepsDatabaseAwake } : {}),
    };
}

/** Replaces `{{name}}` with its value; every name has been checked by {@link parseDescriptor}. */
function substitute(text: string, values: Readonly<Record<string, string>>): string {
    return text.replace(PLACEHOLDER, (_, name: string) => {
        if (values[name] === undefined) throw new Error(`no value for {{${name}}}`);
        return values[name];
    });
}

/**
 * The IAM policy of an app's role: its statements with `{{placeholders}}` filled in.
 *
 * @param values The built-in placeholders (partition, region, account, cluster) and the app's settings.
 */
export function appPolicy(statements: readonly AppStatement[], values: Readonly<Record<string, string>>): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: statements.map(
            (s): PolicyStatement => ({
                ...(s.Sid ? { Sid: s.Sid } : {}),
                Effect: s.Effect,
                Action: [...s.Action],
                Resource: s.Resource.map((r) => substitute(r, values)),
                ...(s.Condition
                    ? {
                          Condition: Object.fromEntries(
                              Object.entries(s.Condition).map(([op, keys]) => [
                                  op,
                                  Object.fromEntries(
                                      Object.entries(keys).map(([k, v]) => [k, typeof v === "string" ? substitute(v, values) : v.map((x) => substitute(x, values))]),
                                  ),
                              ]),
                          ),
                      }
                    : {}),
            }),
        ),
    };
}
