#!/usr/bin/env node
/**
 * `npm test`: the type-check and the test suite side by side, then the type-check's report; exits
 * non-zero when either fails. tsc is one process on one core and mocha leaves part of the other
 * idle (it waits on its child processes and files), so on two cores the pair takes little more
 * than the suite alone instead of the sum of both. Arguments go to mocha (`npm test -- --grep x`).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const done = (child) => new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const tsc = spawn(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
let report = "";
tsc.stdout.on("data", (d) => (report += d));
tsc.stderr.on("data", (d) => (report += d));
const typecheck = done(tsc);

const mocha = spawn(bin("mocha"), process.argv.slice(2), { cwd: root, stdio: "inherit" });
const [suite, types] = [await done(mocha), await typecheck];
process.stdout.write(types === 0 ? "type-check: no errors\n" : `type-check failed (tsc --noEmit -p tsconfig.json):\n${report}`);
process.exit(suite !== 0 || types !== 0 ? 1 : 0);
