/**
 * Validates Kubernetes and Argo CD objects against their schemas, unknown fields included.
 *
 * kubernetes-models' validate() checks types, formats and required fields, but its schemas allow
 * extra keys (they do not set `additionalProperties: false`). Unknown fields are caught by
 * TypeScript instead: each object becomes an object literal typed with the model's interface, and
 * the compiler's excess-property check names any field the schema does not have, at any depth.
 */
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "./stack-config";

export interface Located {
    /** Where the object comes from, for messages, e.g. `apps/chat/overlays/dev`. */
    readonly where: string;
    readonly manifest: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
}

/** The kubernetes-models module of an apiVersion and kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
export function modelModule(apiVersion: string, kind: string): string {
    if (apiVersion.startsWith("argoproj.io/")) return `@kubernetes-models/argo-cd/${apiVersion}/${kind}`;
    return `kubernetes-models/${apiVersion}/${kind}`;
}

function resolves(module: string): boolean {
    try {
        require.resolve(module, { paths: [REPO_ROOT] });
        return true;
    } catch {
        return false;
    }
}

/**
 * The standard library files the check compiles against (TypeScript's `lib` option,
 * https://www.typescriptlang.org/tsconfig/#lib): ES5 for the built-in types, and ES2015's
 * collections for the Map and Set of ajv, which the models' validators declare. A test compiles
 * every model's declarations against exactly these with library checking on: a name they lack
 * would otherwise turn silently into `any` and let wrong fields through.
 */
export const SCHEMA_LIBS: readonly string[] = ["lib.es5.d.ts", "lib.es2015.collection.d.ts"];

/** Declaration files parsed by earlier checks, by name and language version. */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** One call's objects as the source of a file of its own: what names them in problems. */
interface Group {
    readonly file: string;
    readonly problems: string[];
    readonly typed: { object: Located; module: string; firstLine: number; lastLine: number }[];
    readonly lines: string[];
}

const label = (o: Located) => `${o.where}: ${String(o.manifest.kind)}/${String(o.manifest.metadata?.name)}`;

/** The objects as a TypeScript file that types each with its model's interface; objects without a model are problems already. */
function groupSource(objects: readonly Located[], file: string): Group {
    const group: Group = { file, problems: [], typed: [], lines: [] };
    const { problems, typed, lines } = group;
    objects.forEach((o) => {
        const module = modelModule(String(o.manifest.apiVersion), String(o.manifest.kind));
        if (!resolves(module)) {
            problems.push(`${label(o)}: no schema for ${String(o.manifest.apiVersion)} ${String(o.manifest.kind)} (a typo, or an API Kubernetes no longer serves)`);
            return;
        }
        const n = typed.length;
        lines.push(`import type { I${String(o.manifest.kind)} as T${n} } from ${JSON.stringify(module)};`);
        typed.push({ object: o, module, firstLine: 0, lastLine: 0 });
    });
    typed.forEach((t, n) => {
        t.firstLine = lines.length;
        lines.push(...`export const m${n}: T${n} = ${JSON.stringify(t.object.manifest, null, 1)};`.split("\n"));
        t.lastLine = lines.length - 1;
    });
    return group;
}

/**
 * Every schema problem of the objects: unknown apiVersion/kind, unknown fields, wrong types and
 * missing required fields, each naming where the object comes from and its kind/name.
 */
export function schemaProblems(objects: readonly Located[]): string[] {
    return schemaProblemsOfGroups([objects])[0];
}

/**
 * {@link schemaProblems} of several lists of objects at once, each list's problems as if checked
 * alone: every list is a file of its own in one compilation, so the models' declarations are
 * read, bound and resolved once (a compilation per list took most of a plan's checking time).
 *
 * @param groups The lists of objects, e.g. the plan's Argo CD objects and each app's overlay.
 * @returns Each list's problems, in the lists' order.
 */
export function schemaProblemsOfGroups(groups: readonly (readonly Located[])[]): string[][] {
    const all = groups.map((objects, n) => groupSource(objects, path.join(REPO_ROOT, `__manifests__${n}.ts`)));
    const sources = new Map(all.map((g) => [g.file, g.lines.join("\n")]));

    // Types: the compiler's excess-property and type checks against the models' interfaces.
    const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        target: ts.ScriptTarget.ES2022,
        // Only the standard library the models' declarations use (plain objects, arrays, and the
        // Map and Set of their validator's types): the target's default adds ES2015-2022 and the
        // DOM, whose parsing and binding was most of this check's time. SCHEMA_LIBS says why.
        lib: [...SCHEMA_LIBS],
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
    };
    const host = ts.createCompilerHost(options);
    // As tsc itself: JSDoc is parsed only where it can give a type error, which in TypeScript and
    // declaration files is nowhere; the models' declarations are mostly JSDoc (TypeScript 5.3,
    // https://www.typescriptlang.org/docs/handbook/release-notes/typescript-5-3.html#optimizations-by-skipping-jsdoc-parsing).
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const read = host.getSourceFile;
    host.getSourceFile = (name, version, ...rest) => {
        const source = sources.get(path.resolve(name));
        if (source !== undefined) return ts.createSourceFile(name, source, version);
        // The models' declaration files never change during a run: parsed once, for every check.
        const key = `${name}\0${JSON.stringify(version)}`;
        if (!parsed.has(key)) parsed.set(key, read.call(host, name, version, ...rest));
        return parsed.get(key);
    };
    const program = ts.createProgram([...sources.keys()], options, host);
    for (const { file, problems, typed, lines } of all) {
        for (const d of ts.getPreEmitDiagnostics(program, program.getSourceFile(file))) {
            const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
            const t = typed.find((x) => line >= x.firstLine && line <= x.lastLine);
            const message = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\s+/g, " ");
            const field = line >= 0 ? ` (at ${lines[line].trim().slice(0, 80)})` : "";
            problems.push(`${t ? label(t.object) : "schema check"}: ${message.slice(0, 300)}${field}`);
        }

        // Formats and constraints the interfaces cannot express, with the models' own validators.
        for (const t of typed) {
            const Model = require(require.resolve(t.module, { paths: [REPO_ROOT] }))[String(t.object.manifest.kind)];
            try {
                new Model(t.object.manifest).validate();
            } catch (e) {
                problems.push(`${label(t.object)}: ${(e as Error).message.split("\n").slice(0, 5).join("; ")}`);
            }
        }
    }
    return all.map((g) => g.problems);
}
