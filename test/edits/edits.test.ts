import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { CONFIG_SCHEMA } from "../../components/config/schema";
import type { PlanResult, RecordedResource } from "../../scripts/offline/engine";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, plan } from "../support";
import { changedPaths, diffPlans, matches, summarize } from "./diff";
import { REPLACEMENTS, STATEFUL_TYPES, ruleOf } from "./replacements";
import { EDIT_ROWS, type EditRow } from "./rows";
import type { RowOutcome } from "./run-rows";

/** The rows' plans, in a child process started as the suite loads (see run-rows.ts). */
function startRows(): Promise<RowOutcome[]> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "test", "edits", "run-rows.ts")], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        // Below the suite's priority: the rows use the CPU the suite leaves idle instead of slowing it.
        if (child.pid) os.setPriority(child.pid, 10);
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`test/edits/run-rows.ts exited ${code}: ${err}`))));
    });
}
const rows = startRows();
rows.catch(() => undefined); // reported by the tests that await it

const title = (row: EditRow) => `${row.key}: ${row.edit} (${row.stack})`;

/** A recorded resource for the pure tests of diffPlans. */
function res(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return { type, name, urn: `urn:pulumi:s::p::${type}::${name}`, custom: true, inputs, dependencies: [], protect: false, retainOnDelete: false, ...extra };
}
const planOf = (...resources: RecordedResource[]): Pick<PlanResult, "resources"> => ({ resources });

describe("edits: what a config edit does to a running stack", () => {
    describe("the replacement table", () => {
        it("knows every resource type the shipped stacks register, each with the page that marks its replace-forcing inputs", async () => {
            for (const stack of STACKS) {
                for (const r of (await plan(stack)).resources) {
                    const rule = ruleOf(r.type);
                    assert.match(rule.doc, /^https:\/\//, `${r.type}: doc`);
                }
            }
        });

        it("fails on a resource type it does not know", () => {
            assert.throws(() => ruleOf("aws:s3/bucket:Bucket"), /no row for resource type aws:s3\/bucket:Bucket/);
            assert.throws(() => diffPlans(planOf(), planOf(res("aws:s3/bucket:Bucket", "b", {}))), /replacements\.ts/);
        });

        it("guards the data and its keys: the Aurora cluster, the EFS file system, ECR repositories, KMS keys", () => {
            assert.deepEqual([...STATEFUL_TYPES].sort(), ["aws:ecr/repository:Repository", "aws:efs/fileSystem:FileSystem", "aws:kms/key:Key", "aws:rds/cluster:Cluster"]);
            for (const type of STATEFUL_TYPES) assert.ok(REPLACEMENTS[type], type);
        });
    });

    describe("diffPlans", () => {
        const LG = "aws:cloudwatch/logGroup:LogGroup";
        const KEY = "aws:kms/key:Key";
        const FS = "aws:efs/fileSystem:FileSystem";

        it("finds the changed input paths, and whether a path is at, below or above a pattern", () => {
            assert.deepEqual(changedPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] }, d: true }), ["b.c.1", "d"]);
            assert.ok(matches("spec.template", "spec.template.spec.containers.0.image"));
            assert.ok(matches("spec.template", "spec"));
            assert.ok(matches("accessEntries.*.principalArn", "accessEntries.admin.principalArn"));
            assert.ok(!matches("spec.template", "spec.selector"));
        });

        it("says created, deleted, unchanged, updated in place (which inputs) and replaced (which input forces it)", () => {
            const before = planOf(res(LG, "keep", { retentionInDays: 7 }), res(LG, "gone", {}), res(LG, "retained", { retentionInDays: 7 }), res(LG, "renamed", { name: "/a" }));
            const after = planOf(res(LG, "keep", { retentionInDays: 7 }), res(LG, "new", {}), res(LG, "retained", { retentionInDays: 30 }), res(LG, "renamed", { name: "/b" }));
            const byName = Object.fromEntries(diffPlans(before, after).map((d) => [d.name, d]));
            assert.equal(byName.keep.change, "unchanged");
            assert.equal(byName.gone.change, "deleted");
            assert.equal(byName.new.change, "created");
            assert.equal(byName.retained.change, "updated");
            assert.deepEqual(byName.retained.inputs, ["retentionInDays"]);
            assert.equal(byName.renamed.change, "replaced");
            assert.deepEqual(byName.renamed.reasons, ["name"]);
        });

        it("replaces what takes a replace-forcing input from a replaced resource, and what a replaced provider manages", () => {
            const key = (spec: string) => res(KEY, "key", { customerMasterKeySpec: spec }, { id: "1234abcd-key" });
            const fs = res(FS, "fs", { kmsKeyId: "arn:aws:kms:r:1:key/1234abcd-key" }, { id: "fs-1", dependencies: [key("A").urn] });
            const d = diffPlans(planOf(key("SYMMETRIC_DEFAULT"), fs), planOf(key("RSA_2048"), fs));
            assert.deepEqual(
                d.map((x) => [x.name, x.change]),
                [
                    ["fs", "replaced"],
                    ["key", "replaced"],
                ],
            );
            const provider = (kubeconfig: unknown) => res("pulumi:providers:kubernetes", "k8s", { kubeconfig: JSON.stringify(kubeconfig) }, { id: "p" });
            const ns = res("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "a" } }, { provider: provider({}).urn });
            const moved = diffPlans(planOf(provider({ clusters: [{ server: "a" }] }), ns), planOf(provider({ clusters: [{ server: "b" }] }), ns));
            assert.deepEqual(moved.find((x) => x.name === "ns")!.reasons, ["its provider k8s"]);
            // Credentials are not the cluster: the provider updates in place.
            const creds = diffPlans(planOf(provider({ clusters: [{ server: "a" }], users: [1] }), ns), planOf(provider({ clusters: [{ server: "a" }], users: [2] }), ns));
            assert.deepEqual(Object.fromEntries(creds.map((x) => [x.name, x.change])), { k8s: "updated", ns: "unchanged" });
        });

        it("names the part of a remote component an input replaces; adding an entry replaces nothing", () => {
            const eks = (inputs: Record<string, unknown>) => ({ ...res("eks:index:Cluster", "eks", inputs), custom: false });
            const base = { name: "a", fargate: { subnetIds: ["s1"] }, accessEntries: { x: { principalArn: "r1" } } };
            const [renamed] = diffPlans(planOf(eks(base)), planOf(eks({ ...base, name: "b" })));
            assert.deepEqual([renamed.change, renamed.parts], ["replaced", ["EKS cluster"]]);
            const [zones] = diffPlans(planOf(eks(base)), planOf(eks({ ...base, fargate: { subnetIds: ["s1", "s2"] } })));
            assert.deepEqual(summarize([zones]).replaced, { "Fargate profile": 1 });
            const [added] = diffPlans(planOf(eks(base)), planOf(eks({ ...base, accessEntries: { ...base.accessEntries, y: { principalArn: "r2" } } })));
            assert.deepEqual([added.change, added.parts], ["updated", []]);
        });
    });

    describe("the rows", () => {
        let outcomes: RowOutcome[];
        before(async function () {
            // The child process started when the suite loaded; it is usually done by now.
            this.timeout(180_000);
            outcomes = await rows;
            assert.equal(outcomes.length, EDIT_ROWS.length);
        });

        it("every stack config key has a row, and every row's key is a schema key", () => {
            const keys = new Set(EDIT_ROWS.map((r) => r.key));
            assert.deepEqual(Object.keys(CONFIG_SCHEMA).filter((k) => !keys.has(k)), []);
            assert.deepEqual([...keys].filter((k) => !(k in CONFIG_SCHEMA)), []);
        });

        it("the issue's edits each have their row: azCount up and down, Aurora minor and major, adding, removing and configuring an app", () => {
            const edits = (key: string) => EDIT_ROWS.filter((r) => r.key === key).map((r) => r.edit);
            assert.ok(edits("azCount").length >= 2);
            assert.ok(edits("dbEngineVersion").some((e) => /minor/.test(e)) && edits("dbEngineVersion").some((e) => /major/.test(e)));
            assert.ok(edits("dbInstanceCount").length >= 1 && edits("dbMinCapacity").length >= 1 && edits("dbMaxCapacity").length >= 1);
            for (const e of ["app added", "app removed", "app settings changed"]) assert.ok(edits("apps").includes(e), e);
        });

        EDIT_ROWS.forEach((row, i) => {
            it(`does what the table says: ${title(row)}`, () => {
                const outcome = outcomes[i];
                assert.equal(outcome.broken, undefined, `${title(row)}: the state before the edit does not plan: ${outcome.broken}`);
                assert.equal(outcome.failed, undefined, `${title(row)}: the plans cannot be compared: ${outcome.failed}`);
                if ("refused" in row.expect) {
                    assert.ok(outcome.refused, `${title(row)}: expected the loader to refuse it, but it plans`);
                    assert.ok(outcome.refused.includes(row.expect.refused), `${title(row)}: refused with another message:\n${outcome.refused}`);
                    return;
                }
                assert.equal(outcome.refused, undefined, `${title(row)}: refused: ${outcome.refused}`);
                const { protected: _, ...expected } = row.expect;
                assert.deepEqual(summarize(outcome.diffs!), expected, `${title(row)}: the plans show another effect`);
            });
        });

        it("no edit replaces or deletes the Aurora cluster, the EFS file system, an ECR repository or a KMS key, unless the stack's protection refuses it (and the row says so)", () => {
            const problems: string[] = [];
            EDIT_ROWS.forEach((row, i) => {
                const { diffs, protectedBefore } = outcomes[i];
                if (!diffs) return; // refused by the loader, or broken (reported by the row's test)
                const gone = diffs.filter((d) => d.change === "replaced" || d.change === "deleted");
                const unprotected = gone.filter((d) => STATEFUL_TYPES.includes(d.type) && !protectedBefore!.includes(d.urn));
                if (unprotected.length) problems.push(`${title(row)}: ${unprotected.map((d) => `${d.change} ${d.name} (${d.type})`).join(", ")}, not protected`);
            });
            assert.deepEqual(problems, []);
        });

        it("a row says refused by protection exactly when the edit would replace or delete a protected resource", () => {
            const wrong = EDIT_ROWS.filter((row, i) => {
                const { diffs, protectedBefore } = outcomes[i];
                if (!diffs) return false;
                const blocked = diffs.some((d) => (d.change === "replaced" || d.change === "deleted") && protectedBefore!.includes(d.urn));
                return blocked !== ("protected" in row.expect && row.expect.protected === true);
            });
            assert.deepEqual(wrong.map(title), []);
        });
    });
});
