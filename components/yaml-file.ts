/**
 * Reading the YAML files users write (stack files, Pulumi.yaml, app.yaml, kustomizations) so that a
 * syntax error names the file, the line and the column, never a parser stack trace.
 */
import { Document, LineCounter, parseDocument } from "yaml";

/** A parsed YAML file, or the problems that stopped it, each `file:line:column: message`. */
export interface ParsedYaml {
    readonly document?: Document.Parsed;
    readonly lineCounter: LineCounter;
    readonly problems: readonly string[];
}

/**
 * Parses one YAML file's text.
 *
 * @param shown How the file is named in messages, e.g. `Pulumi.dev.yaml` or `apps/chat/app.yaml`.
 * @param text The file's content.
 */
export function parseYaml(shown: string, text: string): ParsedYaml {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false });
    const problems = document.errors.map((e) => {
        const where = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return `${shown}:${where.line}:${where.col}: not valid YAML: ${e.message.split("\n")[0]}`;
    });
    return problems.length > 0 ? { lineCounter, problems } : { document, lineCounter, problems };
}

/** Where a node starts, as `file:line:column`. */
export function position(shown: string, parsed: ParsedYaml, offset: number | undefined): string {
    if (offset === undefined) return shown;
    const { line, col } = parsed.lineCounter.linePos(offset);
    return `${shown}:${line}:${col}`;
}

/**
 * The plain value of a YAML file, or undefined after recording its syntax problems.
 *
 * @param shown How the file is named in messages.
 * @param text The file's content.
 * @param problems Where syntax errors go.
 */
export function yamlValue(shown: string, text: string, problems: string[]): unknown {
    const parsed = parseYaml(shown, text);
    problems.push(...parsed.problems);
    return parsed.document?.toJS();
}
