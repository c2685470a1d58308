import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_SCHEMA, KeySpec } from "../../components/config/schema";
import { EDITS_END, EDITS_START, TABLE_END, TABLE_START, projectDeclaration, renderConfigTable, renderEditsTable } from "../../scripts/config-docs";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS } from "../support";

describe("config documentation", () => {
    it("Pulumi.yaml declares every key with the schema's type, description and default, and no other", () => {
        const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
        assert.equal(project.name, "platform");
        assert.deepEqual(Object.keys(project.config), Object.keys(CONFIG_SCHEMA));
        for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [string, KeySpec][]) {
            assert.deepEqual(project.config[key], projectDeclaration(spec), key);
        }
    });

    it("the README's config table matches the schema", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const start = readme.indexOf(TABLE_START);
        const end = readme.indexOf(TABLE_END);
        assert.ok(start >= 0 && end > start, `README.md needs ${TABLE_START} ... ${TABLE_END}`);
        const table = readme.slice(start + TABLE_START.length, end).trim();
        assert.equal(table, renderConfigTable(), `README config table is stale; it should read:\n${renderConfigTable()}`);
    });

    it("the README's table of edits is the one test/edits/rows.ts holds (each row proven by test/edits/edits.test.ts)", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const start = readme.indexOf(EDITS_START);
        const end = readme.indexOf(EDITS_END);
        assert.ok(start >= 0 && end > start, `README.md needs ${EDITS_START} ... ${EDITS_END}`);
        const table = readme.slice(start + EDITS_START.length, end).trim();
        assert.equal(table, renderEditsTable(), `README table of edits is stale: print it with npm run config-docs -- --edits; it should read:\n${renderEditsTable()}`);
    });

    it("the stack files only set keys the schema knows", () => {
        for (const stack of STACKS) {
            const file = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
            for (const key of Object.keys(file.config)) {
                assert.ok(key.startsWith("platform:") && key.slice("platform:".length) in CONFIG_SCHEMA, `${stack}: ${key}`);
            }
        }
    });
});
