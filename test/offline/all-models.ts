/**
 * Compiles every Kubernetes and Argo CD model's declarations against SCHEMA_LIBS with skipLibCheck
 * off and prints, as JSON, how many kinds it found and the compiler's diagnostics. A whole-program
 * compilation is the slowest of test/offline/speed.test.ts: that test starts this file in a process
 * of its own as mocha loads it, and asserts on what it prints (`node --import tsx all-models.ts <repo>`).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { SCHEMA_LIBS } from "../../scripts/offline/schema";

/**
 * The kinds of the model packages and the diagnostics of compiling them all in one program.
 * @param root The repository whose node_modules holds the packages.
 */
export function compileAllModels(root: string): { kinds: number; diagnostics: string[] } {
    const kinds: string[] = [];
    for (const pkg of ["kubernetes-models", "@kubernetes-models/argo-cd"]) {
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory() && !["node_modules", "_definitions", "_schemas"].includes(e.name)) walk(p);
                else if (/^[A-Z].*\.d\.ts$/.test(e.name)) kinds.push(path.relative(path.join(root, "node_modules"), p).replace(/\.d\.ts$/, ""));
            }
        };
        walk(path.join(root, "node_modules", pkg));
    }
    const file = path.join(root, "__all_models__.ts");
    const source = kinds.map((m, n) => `import type { I${path.basename(m)} as T${n} } from ${JSON.stringify(m)};\nexport type X${n} = T${n};`).join("\n");
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: false, types: [], lib: [...SCHEMA_LIBS], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
    const host = ts.createCompilerHost(options);
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const read = host.getSourceFile;
    host.getSourceFile = (name, version, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, version) : read.call(host, name, version, ...rest));
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host));
    return { kinds: kinds.length, diagnostics: diagnostics.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`) };
}

if (require.main === module) {
    const root = process.argv[2];
    if (!root) {
        process.stderr.write("usage: node --import tsx test/offline/all-models.ts <repository root>\n");
        process.exit(2);
    }
    process.stdout.write(JSON.stringify(compileAllModels(root)));
}
