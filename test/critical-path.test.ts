import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PlanResult, RecordedResource } from "../scripts/offline/engine";
import { REPO_ROOT } from "../scripts/offline/stack-config";
import { createSeconds, criticalPath, dependencyGraph, loadCreateTimes, renderCriticalPath, waitsFor } from "../scripts/critical-path";
import { ofType, plan, STACKS } from "./support";

const times = loadCreateTimes();

/** A resource of a synthetic plan. */
function res(name: string, type: string, deps: string[] = [], parent?: string, custom = true): RecordedResource {
    return { type, name, urn: `urn:${name}`, custom, parent: parent && `urn:${parent}`, inputs: {}, dependencies: deps.map((d) => `urn:${d}`), protect: false, retainOnDelete: false };
}
const synthetic = (resources: RecordedResource[]): PlanResult => ({ project: "platform", stack: "t", resources, warnings: [], outputs: {} });

describe("critical path of a cold pulumi up", () => {
    it("keeps a basis and a public source for every create time that is more than an API call", () => {
        assert.ok(times.default.seconds > 0 && times.default.basis.length > 20);
        for (const [type, t] of Object.entries(times.types)) {
            assert.ok(t.seconds > 0 && Number.isInteger(t.seconds), type);
            assert.ok(t.basis.length > 20, `${type}: say where the figure comes from`);
            assert.match(t.source ?? "", /^https:\/\//, `${type}: a public source`);
        }
    });

    it("takes the longest chain, waits for all of a component by waiting for it, and breaks ties by name", () => {
        const eks = "eks:index:Cluster";
        const p = synthetic([
            res("net", "platform:network:Network", [], undefined, false),
            res("vpc", "aws:ec2/vpc:Vpc", [], "net"),
            res("nat", "aws:ec2/natGateway:NatGateway", ["vpc"], "net"),
            res("cluster", eks, ["vpc"]),
            res("job", "kubernetes:batch/v1:Job", ["cluster", "net"]),
        ]);
        const graph = dependencyGraph(p);
        assert.deepEqual([...graph.get("urn:job")!.deps].sort(), ["urn:cluster", "urn:nat", "urn:vpc"], "waiting for the component is waiting for its children");
        assert.equal(graph.has("urn:net"), false);
        assert.ok(waitsFor(graph, "urn:job", "urn:vpc") && !waitsFor(graph, "urn:cluster", "urn:nat"));
        const result = criticalPath(p, times);
        assert.deepEqual(result.steps.map((s) => s.name), ["vpc", "cluster", "job"]);
        assert.equal(result.seconds, createSeconds("aws:ec2/vpc:Vpc", times) + createSeconds(eks, times) + createSeconds("kubernetes:batch/v1:Job", times));
        assert.throws(() => criticalPath(synthetic([res("a", "x", ["b"]), res("b", "x", ["a"])]), times), /dependency cycle/);
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let result: PlanResult;
            before(async () => {
                result = await plan(stack);
            });
            const urn = (name: string) => result.resources.find((r) => r.name === name)!.urn;

            it("creates the control plane from its subnets, role and key, never waiting for a NAT gateway or route", () => {
                const graph = dependencyGraph(result);
                const egress = [...ofType(result, "aws:ec2/natGateway:NatGateway"), ...ofType(result, "aws:ec2/eip:Eip"), ...ofType(result, "aws:ec2/route:Route")];
                assert.ok(egress.length >= 3);
                for (const r of egress) assert.ok(!waitsFor(graph, urn("cluster-eks"), r.urn), `cluster-eks waits for ${r.name}`);
                const subnet = ofType(result, "aws:ec2/subnet:Subnet").find((r) => r.name === "network-private-az1")!;
                for (const target of [subnet.urn, urn("cluster-pod-execution"), urn("cluster-secrets")]) assert.ok(waitsFor(graph, urn("cluster-eks"), target), target);
            });

            it("makes everything that pulls an image wait for every egress route, so a destroy removes it before the routes and gateways", () => {
                const graph = dependencyGraph(result);
                const routes = ofType(result, "aws:ec2/route:Route").filter((r) => r.name.startsWith("network-private-"));
                const gateways = ofType(result, "aws:ec2/natGateway:NatGateway");
                const pulling = [...ofType(result, "kubernetes:helm.sh/v3:Release"), ...ofType(result, "kubernetes:batch/v1:Job"), ...ofType(result, "aws:eks/addon:Addon")];
                assert.ok(pulling.length >= 5);
                // Pulumi deletes a resource's dependents before it: what waits for a route is gone before the route is.
                for (const r of pulling) for (const e of [...routes, ...gateways]) assert.ok(waitsFor(graph, r.urn, e.urn), `${r.name} does not wait for ${e.name}`);
            });

            it("states the critical path the README shows, through the control plane and no gateway, shorter than if the cluster waited for the routes", () => {
                const chain = criticalPath(result, times);
                assert.equal(chain.steps.at(-1)!.doneAt, chain.seconds);
                assert.ok(chain.steps.some((s) => s.name === "cluster-eks"));
                assert.ok(!chain.steps.some((s) => /natGateway|route:Route|eip:Eip/.test(s.type)), chain.steps.map((s) => s.name).join(" → "));
                // The same plan with the control plane waiting for the routes, as before: the gateways' time comes on top.
                const routes = ofType(result, "aws:ec2/route:Route").filter((r) => r.name.startsWith("network-private-")).map((r) => r.urn);
                const waiting = { ...result, resources: result.resources.map((r) => (r.name === "cluster-eks" ? { ...r, dependencies: [...r.dependencies, ...routes] } : r)) };
                const before = criticalPath(waiting, times);
                assert.ok(before.seconds - chain.seconds >= createSeconds("aws:ec2/natGateway:NatGateway", times), `${before.seconds} s before, ${chain.seconds} s now`);
                const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
                const block = readme.slice(readme.indexOf("<!-- critical-path:start -->"), readme.indexOf("<!-- critical-path:end -->"));
                assert.ok(block.includes(renderCriticalPath(stack, chain, times)), `README's critical path of ${stack} is stale: npx tsx scripts/critical-path.ts ${stack}`);
            });
        });
    }
});
