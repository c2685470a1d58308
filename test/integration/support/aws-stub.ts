/**
 * A stand-in for the AWS CLI on PATH: it records every call (one JSON array of arguments per line)
 * and answers only the one call the script under test makes, failing like the CLI (exit 252,
 * message on stderr) on anything else, so a script that starts calling something new fails loudly.
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html
 */
import * as fs from "fs";
import * as path from "path";

export interface AwsStub {
    /** The folder to put first on PATH. */
    readonly bin: string;
    /** The calls made since it was written or last reset, each its arguments. */
    calls(): string[][];
    /** Forgets the calls made so far. */
    reset(): void;
}

/**
 * Writes the stub into `dir/bin/aws`.
 * @param dir a temporary folder of the test's. Required.
 * @param call the arguments of the call it answers: all of them (`exact`, the default) or its first ones. Required.
 * @param stdout what it prints for that call. Defaults to nothing.
 * @param exact whether `call` must be the whole argument list. Defaults to true.
 */
export function writeAwsStub(dir: string, call: readonly string[], stdout = "", exact = true): AwsStub {
    const bin = path.join(dir, "bin");
    const log = path.join(dir, "aws-calls.jsonl");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(log, "");
    fs.writeFileSync(
        path.join(bin, "aws"),
        `#!${process.execPath}
const args = process.argv.slice(2);
const call = ${JSON.stringify(call)};
require("fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
const answered = call.every((a, i) => args[i] === a) && (!${exact} || args.length === call.length);
if (!answered) { console.error("stub aws: unexpected call: aws " + args.join(" ")); process.exit(252); }
process.stdout.write(${JSON.stringify(stdout)});
`,
        { mode: 0o755 },
    );
    return {
        bin,
        calls: () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]),
        reset: () => fs.writeFileSync(log, ""),
    };
}
