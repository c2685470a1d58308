import { strict as assert } from "assert";
import { loadConfig } from "../../components/config/load";
import { readStackFile, stackFileProblems } from "../../components/config/stack-file";
import { ConfigError } from "../../components/errors";
import { parseYaml } from "../../components/yaml-file";
import { REPO_ROOT, readStackConfig } from "../../scripts/offline/stack-config";
import { STACKS } from "../support";

const problems = (text: string) => stackFileProblems({ shown: "Pulumi.x.yaml", text }, "platform");

describe("stack files as YAML", () => {
    it("the shipped stack files are clean", () => {
        for (const stack of STACKS) {
            const file = readStackFile(REPO_ROOT, stack);
            assert.ok(file, stack);
            assert.deepEqual(stackFileProblems(file, "platform"), [], stack);
        }
    });

    it("names the file, line and column of a syntax error", () => {
        assert.deepEqual(problems("config:\n  platform:region: ap-northeast-1\n  platform:azCount: [2\n"), [
            "Pulumi.x.yaml:4:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
        ]);
        assert.match(parseYaml("apps/x/app.yaml", 'description: "unterminated\n').problems[0], /^apps\/x\/app\.yaml:2:1: not valid YAML: Missing closing "quote/);
    });

    it("refuses an unquoted number where a string is meant, with the value it would become and the fix", () => {
        assert.deepEqual(problems("config:\n  platform:dbEngineVersion: 16.10\n"), [
            'Pulumi.x.yaml:2:29: platform:dbEngineVersion: 16.10 is a number in YAML, which reaches the program as "16.1"; it takes a string, so quote it: "16.10"',
        ]);
        assert.deepEqual(problems("config:\n  platform:kubernetesVersion: 1.34\n"), [
            'Pulumi.x.yaml:2:31: platform:kubernetesVersion: 1.34 is a number in YAML; it takes a string, so quote it: "1.34"',
        ]);
        // A leading zero is lost: 012345678901 is the integer 12345678901 in YAML.
        assert.match(problems("config:\n  platform:allowedAccountIds:\n    - 012345678901\n")[0], /^Pulumi\.x\.yaml:3:7: platform:allowedAccountIds item: 012345678901 is a number in YAML, which reaches the program as "12345678901"/);
        assert.match(problems("config:\n  clusterName: true\n")[0], /platform:clusterName: true is a boolean in YAML/);
        // Quoted, and keys of other types, are as meant.
        assert.deepEqual(problems('config:\n  platform:dbEngineVersion: "16.10"\n  platform:azCount: 3\n  platform:efsBackups: true\n'), []);
    });

    it("refuses a key with no value instead of passing the string null", () => {
        assert.deepEqual(problems("config:\n  platform:gitRevision:\n  platform:region: ap-northeast-1\n"), [
            "Pulumi.x.yaml:2:3: platform:gitRevision: has no value; give it one or remove the line",
        ]);
    });

    it("never quotes a secure value", () => {
        assert.deepEqual(problems("config:\n  platform:gitSshPrivateKey:\n    secure: AAABAHc2\n"), []);
    });

    it("reports the file's problems together with the values' in one error", () => {
        const dev = readStackConfig("dev");
        const text = "config:\n  platform:dbEngineVersion: 16.10\n";
        assert.throws(
            () => loadConfig({ ...dev.values, "platform:dbEngineVersion": "16.1", "platfrom:azCount": "3" }, "platform", "dev", { shown: "Pulumi.dev.yaml", text }),
            (err: unknown) =>
                err instanceof ConfigError &&
                err.problems.length === 3 &&
                err.problems[0].startsWith("Pulumi.dev.yaml:2:29: platform:dbEngineVersion: 16.10 is a number") &&
                err.problems[1].startsWith("platfrom:azCount: unknown namespace") &&
                // What 16.1 would have meant: an engine too old to pause.
                err.problems[2].startsWith('platform:dbMinCapacity: "0" (auto-pause) needs engine'),
        );
    });
});
