/** `apps`: per-app switches and settings of a stack. */
import type { AppOverride } from "./types";
import { ConfigValues } from "./values";

/**
 * Reads the shape of `apps`: app name to {enabled?, settings?}. Whether each app and setting
 * exists is checked against apps/ by loadApps, which reads the files.
 */
export function appsConfig(v: ConfigValues): Record<string, AppOverride> {
    const apps: Record<string, AppOverride> = {};
    for (const [app, entry] of Object.entries(v.object("apps") ?? {})) {
        const where = `${v.key("apps")}.${app}`;
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            v.problems.push(`${where}: must be a mapping with enabled and/or settings (got ${JSON.stringify(entry)})`);
            continue;
        }
        const { enabled, settings, ...rest } = entry as Record<string, unknown>;
        for (const unknown of Object.keys(rest)) v.problems.push(`${where}.${unknown}: unknown key; the keys are enabled, settings`);
        if (enabled !== undefined && typeof enabled !== "boolean") v.problems.push(`${where}.enabled: must be true or false (got ${JSON.stringify(enabled)})`);
        const values: Record<string, string> = {};
        if (settings !== undefined && (settings === null || typeof settings !== "object" || Array.isArray(settings))) {
            v.problems.push(`${where}.settings: must map setting names to strings (got ${JSON.stringify(settings)})`);
        } else {
            for (const [name, setting] of Object.entries((settings ?? {}) as Record<string, unknown>)) {
                if (typeof setting !== "string" || setting === "") v.problems.push(`${where}.settings.${name}: must be a non-empty string; quote numbers and booleans (got ${JSON.stringify(setting)})`);
                else values[name] = setting;
            }
        }
        apps[app] = { ...(typeof enabled === "boolean" ? { enabled } : {}), ...(settings !== undefined ? { settings: values } : {}) };
    }
    return apps;
}
