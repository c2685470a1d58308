import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { AppRepository } from "../../components/data/app-repository";
import { AppVolume } from "../../components/data/app-volume";
import { PlanResult, runProgram } from "../../scripts/offline/engine";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { input, ofType } from "../support";

const FS_ID = "fs-0123456789abcdef0";

/** Creates the per-app building blocks for each app, as the GitOps layer will. */
function blocks(apps: string[], protect = false): Promise<PlanResult> {
    return runProgram(
        async () => {
            const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
            for (const [i, app] of apps.entries()) {
                new AppVolume(`${app}-volume`, { app, uid: 1000 + i, gid: 1000 + i, fileSystemId: FS_ID, storageClassName: "efs", k8sProvider });
                new AppRepository(`${app}-web`, { app, image: "web", prefix: "platform-dev", keepImages: 10, protect });
            }
            return {};
        },
        { config: readStackConfig("dev"), region: "ap-northeast-1" },
    );
}

describe("per-app building blocks", () => {
    it("give an app its access point, a retained volume and the claim `data` bound to it", async () => {
        const result = await blocks(["wiki"]);
        const [ap] = ofType(result, "aws:efs/accessPoint:AccessPoint");
        assert.equal(input(ap, "fileSystemId"), FS_ID);
        assert.deepEqual(input(ap, "posixUser"), { uid: 1000, gid: 1000 });
        assert.deepEqual(input(ap, "rootDirectory"), { path: "/apps/wiki", creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "0750" } });
        const [pv] = ofType(result, "kubernetes:core/v1:PersistentVolume");
        assert.equal(input(pv, "metadata.name"), "app-wiki-data");
        assert.deepEqual(input(pv, "spec.csi"), { driver: "efs.csi.aws.com", volumeHandle: `${FS_ID}::${ap.id}` });
        assert.match(input(pv, "spec.csi.volumeHandle"), /^fs-[0-9a-f]+::fsap-[0-9a-f]+$/);
        assert.deepEqual(input(pv, "spec.accessModes"), ["ReadWriteMany"]);
        assert.equal(input(pv, "spec.persistentVolumeReclaimPolicy"), "Retain");
        assert.equal(input(pv, "spec.storageClassName"), "efs");
        assert.deepEqual(input(pv, "spec.claimRef"), { namespace: "app-wiki", name: "data" });
        const [pvc] = ofType(result, "kubernetes:core/v1:PersistentVolumeClaim");
        assert.deepEqual(input(pvc, "metadata"), { name: "data", namespace: "app-wiki", labels: { app: "wiki" } });
        assert.equal(input(pvc, "spec.volumeName"), "app-wiki-data");
        assert.deepEqual(input(pvc, "spec.accessModes"), ["ReadWriteMany"]);
    });

    it("give an app image an immutable, scanned, encrypted repository with a lifecycle policy", async () => {
        for (const protect of [false, true]) {
            const result = await blocks(["shop"], protect);
            const [repo] = ofType(result, "aws:ecr/repository:Repository");
            assert.equal(input(repo, "name"), "platform-dev/shop/web");
            assert.equal(input(repo, "imageTagMutability"), "IMMUTABLE");
            assert.deepEqual(input(repo, "imageScanningConfiguration"), { scanOnPush: true });
            assert.deepEqual(input(repo, "encryptionConfigurations"), [{ encryptionType: "KMS" }]);
            assert.equal(input(repo, "forceDelete"), !protect);
            assert.equal(repo.protect, protect);
            const [policy] = ofType(result, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
            assert.equal(input(policy, "repository"), "platform-dev/shop/web");
            assert.equal(JSON.parse(input(policy, "policy")).rules[1].selection.countNumber, 10);
        }
    });

    it("adding an app adds only its own resources and changes no other", async () => {
        const one = await blocks(["shop"]);
        const two = await blocks(["shop", "wiki"]);
        const byUrn = (r: PlanResult) => new Map(r.resources.map((x) => [x.urn, x]));
        const before = byUrn(one);
        const after = byUrn(two);
        for (const [urn, resource] of before) {
            assert.deepEqual(after.get(urn), resource, `${urn} changed`);
        }
        const added = [...after.keys()].filter((urn) => !before.has(urn));
        assert.ok(added.length >= 7);
        assert.ok(added.every((urn) => /::wiki-(volume|web)/.test(urn)), added.join("\n"));
    });

    it("rejects an invalid repository name or uid with a message naming the app", async () => {
        await assert.rejects(blocks(["Shop"]), /app "Shop": ECR names need lower-case letters/);
        await assert.rejects(
            runProgram(
                async () => {
                    new AppVolume("x", { app: "x", uid: 0, gid: 0, fileSystemId: FS_ID, storageClassName: "efs", k8sProvider: new k8s.Provider("k8s", { kubeconfig: "{}" }) });
                    return {};
                },
                { config: readStackConfig("dev"), region: "ap-northeast-1" },
            ),
            /app x: volume uid must be an integer from 1/,
        );
    });
});
