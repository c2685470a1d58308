/**
 * Reading raw stack config: every key typed by the schema, keys and namespaces nobody reads named
 * (with a "did you mean"), and the helpers each area's checks share. Pulumi hands a program every
 * value as a string, lists and objects as JSON.
 */
import { CONFIG_SCHEMA, ConfigKey, KeySpec } from "./schema";

export type Value = string | number | boolean | readonly string[] | Readonly<Record<string, unknown>>;

/**
 * Config namespaces of providers the program never configures from stack config: it builds its
 * own AWS and Kubernetes providers (and hands them to pulumi-eks), so their keys would be silently
 * ignored. https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration
 */
const PROVIDER_NAMESPACES: Readonly<Record<string, string>> = {
    aws: "AWS",
    kubernetes: "Kubernetes",
    eks: "EKS",
    random: "random",
};
/** The Pulumi engine's own namespace (for example `pulumi:disable-default-providers`). */
const ENGINE_NAMESPACE = "pulumi";

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
    const row = [...Array(b.length + 1).keys()];
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

/** The candidate closest to `word` (case-insensitively), if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const scored = candidates
        .map((c) => ({ c, d: distance(word.toLowerCase(), c.toLowerCase()) }))
        .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
    const best = scored[0];
    return best && best.d <= Math.max(2, Math.floor(word.length / 4)) ? best.c : undefined;
}

const didYouMean = (guess: string | undefined) => (guess ? `; did you mean ${guess}?` : "");

/**
 * Keys the program would never read: unknown keys of its own namespace, keys of namespaces that
 * nothing uses (a misspelt `platfrom:`), and provider settings it ignores because it builds its own
 * providers. Each is a problem, so nothing a user wrote is silently dropped.
 */
export function unreadKeyProblems(raw: Readonly<Record<string, string>>, project: string): string[] {
    const problems: string[] = [];
    const keys = Object.keys(CONFIG_SCHEMA);
    const ownKey = (key: string) => `${project}:${key}`;
    for (const name of Object.keys(raw).sort()) {
        const colon = name.indexOf(":");
        const namespace = colon < 0 ? "" : name.slice(0, colon);
        const key = name.slice(colon + 1);
        if (namespace === project) {
            if (!keys.includes(key)) {
                const guess = closest(key, keys);
                problems.push(`${name}: unknown key${didYouMean(guess && ownKey(guess))} (the keys are listed in Pulumi.yaml and the README's config table)`);
            }
        } else if (namespace in PROVIDER_NAMESPACES) {
            const guess = closest(key, keys);
            problems.push(
                `${name}: ignored, the program builds its own ${PROVIDER_NAMESPACES[namespace]} provider and reads only ${project}:* keys; ` +
                    (guess ? `set ${ownKey(guess)} instead` : `remove it (${ownKey("region")}, ${ownKey("awsProfile")} and ${ownKey("assumeRoleArn")} choose the account)`),
            );
        } else if (namespace !== ENGINE_NAMESPACE) {
            const guess = keys.includes(key) ? key : closest(key, keys);
            problems.push(`${name}: unknown namespace ${JSON.stringify(namespace)}, nothing reads it${didYouMean(guess && ownKey(guess))} (the program's keys are ${project}:<key>)`);
        }
    }
    return problems;
}

/**
 * One stack's config values, typed by the schema, with the problems found so far. Each area's
 * checks read the keys they own through it and add their problems to the same list.
 */
export class ConfigValues {
    readonly problems: string[] = [];
    private readonly values: Partial<Record<ConfigKey, Value>> = {};

    /**
     * @param raw All config of the stack (`namespace:key` to string), defaults included.
     * @param project The Pulumi project name: the namespace of the program's keys.
     */
    constructor(
        private readonly raw: Readonly<Record<string, string>>,
        readonly project: string,
    ) {
        for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
            const value = this.read(key);
            if (value !== undefined) this.values[key] = value;
        }
    }

    /** The key as the user writes it, e.g. `platform:azCount`. */
    key(key: ConfigKey): string {
        return `${this.project}:${key}`;
    }

    problem(key: ConfigKey, message: string): void {
        this.problems.push(`${this.key(key)}: ${message}`);
    }

    /** Whether the key holds a value other than its default: set on purpose, not inherited. */
    isSet(key: ConfigKey): boolean {
        const text = this.raw[this.key(key)];
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const fallback = spec.default;
        if (text === undefined) return false;
        if (fallback === undefined) return true;
        return text !== (typeof fallback === "string" ? fallback : JSON.stringify(fallback));
    }

    /** Whether the key was read (present or defaulted, and of the right type). */
    has(key: ConfigKey): boolean {
        return this.values[key] !== undefined;
    }

    str(key: ConfigKey): string | undefined {
        const v = this.values[key];
        return typeof v === "string" ? v : undefined;
    }

    num(key: ConfigKey): number | undefined {
        const v = this.values[key];
        return typeof v === "number" ? v : undefined;
    }

    bool(key: ConfigKey): boolean | undefined {
        const v = this.values[key];
        return typeof v === "boolean" ? v : undefined;
    }

    /** A list key; empty when unset or malformed (a malformed one is reported once, when read). */
    list(key: ConfigKey): readonly string[] {
        const v = this.values[key];
        return Array.isArray(v) ? (v as readonly string[]) : [];
    }

    object(key: ConfigKey): Readonly<Record<string, unknown>> | undefined {
        const v = this.values[key];
        return v !== undefined && typeof v === "object" && !Array.isArray(v) ? (v as Readonly<Record<string, unknown>>) : undefined;
    }

    /** Every item of a list is valid and none is listed twice. */
    checkList(key: ConfigKey, valid: (item: string) => boolean, form: string): void {
        const items = this.list(key);
        for (const item of items.filter((i) => !valid(i))) this.problem(key, `${JSON.stringify(item)} is not ${form}`);
        for (const dup of new Set(items.filter((v, i) => items.indexOf(v) !== i))) this.problem(key, `${JSON.stringify(dup)} is listed twice`);
    }

    /** The value is one of `allowed`. */
    checkEnum(key: ConfigKey, allowed: readonly (string | number)[]): void {
        const value = this.values[key];
        if (value !== undefined && !allowed.includes(value as string | number)) {
            const guess = typeof value === "string" ? closest(value, allowed.map(String)) : undefined;
            this.problem(key, `must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})${didYouMean(guess)}`);
        }
    }

    /** An integer from `min` to `max`; undefined (reported) otherwise. */
    range(key: ConfigKey, min: number, max: number, unit = ""): number | undefined {
        const value = this.num(key);
        if (value !== undefined && (value < min || value > max)) {
            this.problem(key, `must be ${unit ? "" : "an integer "}from ${min} to ${max}${unit ? ` ${unit}` : ""} (got ${value})`);
            return undefined;
        }
        return value;
    }

    /**
     * Reads one key: its raw string (or the schema default) converted to the schema type. Records a
     * problem and returns undefined when it is missing or of the wrong type.
     */
    private read(key: ConfigKey): Value | undefined {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const text = this.raw[this.key(key)];
        if (text === undefined) {
            if (spec.default === undefined) this.problem(key, `required, set it in Pulumi.<stack>.yaml (${spec.description})`);
            return spec.default;
        }
        switch (spec.type) {
            case "string":
                return text;
            case "integer":
                if (/^-?\d+$/.test(text.trim())) return Number(text);
                this.problem(key, `must be an integer (got ${JSON.stringify(text)})`);
                return undefined;
            case "boolean":
                if (text === "true" || text === "false") return text === "true";
                this.problem(key, `must be true or false (got ${JSON.stringify(text)})`);
                return undefined;
            case "array": {
                const parsed = parseJson(text);
                if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed as string[];
                this.problem(key, `must be a YAML list of strings, e.g. [a, b] (got ${JSON.stringify(text)})`);
                return undefined;
            }
            case "object": {
                const parsed = parseJson(text);
                if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
                this.problem(key, `must be a YAML mapping (got ${JSON.stringify(text)})`);
                return undefined;
            }
        }
    }
}

/** Pulumi passes lists and objects as JSON; undefined when the text is not JSON. */
function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
