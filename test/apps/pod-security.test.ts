import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { podSpec } from "../../components/apps/checks";
import { RDS_CA_MOUNT_DIR, RDS_CA_PATH } from "../../components/apps/contract";
import {
    ARGOCD_NAMESPACE,
    DATABASE_BOOTSTRAP_NAMESPACE,
    FARGATE_LOGGING_NAMESPACE,
    KUBE_SYSTEM_NAMESPACE,
    POD_SECURITY_LEVEL,
    POD_SECURITY_VERSION,
    RDS_CA_BUNDLE_KEY,
    RDS_CA_CONFIGMAP,
    appNamespace,
    managedNamespaceLabels,
} from "../../components/naming";
import { REPO_ROOT } from "../../scripts/offline/stack-config";
import { STACKS, input, ofType, plan, stackApps, stackConfig } from "../support";
import { built } from "./overlays";

/** Volume types Pod Security restricted admits. https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted */
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const podSecurityLabels = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith("pod-security.kubernetes.io/")));

/** The final stage of a Dockerfile: its base image, USER (uid, gid), EXPOSEd ports, and every line. */
interface ImageFacts {
    readonly file: string;
    readonly from: string;
    readonly user?: { readonly uid: number; readonly gid: number };
    readonly exposes: number[];
    readonly lines: string[];
}
function imageFacts(app: string, image: string): ImageFacts {
    const file = path.join("apps", app, "images", image, "Dockerfile");
    const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n").map((l) => l.trim());
    const final = lines.slice(lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));
    const from = final[0].split(/\s+/)[1];
    const users = final.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    const user = users.length > 0 ? users[users.length - 1].match(/^(\d+):(\d+)$/) : null;
    const exposes = final.filter((l) => /^EXPOSE\s/i.test(l)).flatMap((l) => l.split(/\s+/).slice(1).map((p) => parseInt(p, 10)));
    return { file, from, user: user ? { uid: Number(user[1]), gid: Number(user[2]) } : undefined, exposes, lines };
}

/** Every container of a pod, init containers first. */
const containersOf = (pod: any): any[] => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
/** Whether a container reads the platform's `database` Secret. */
const usesDatabase = (c: any): boolean =>
    (c.envFrom ?? []).some((e: any) => e.secretRef?.name === "database") || (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.name === "database");

describe("Pod Security restricted", () => {
    describe("namespaces", () => {
        it("every managed namespace enforces, audits and warns restricted, each mode pinned to one version (not latest)", () => {
            assert.equal(POD_SECURITY_LEVEL, "restricted");
            assert.match(POD_SECURITY_VERSION, /^v1\.\d+$/);
            assert.deepEqual(managedNamespaceLabels(), {
                "app.kubernetes.io/managed-by": "pulumi",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": POD_SECURITY_VERSION,
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": POD_SECURITY_VERSION,
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": POD_SECURITY_VERSION,
            });
        });

        it("pins a version no stack's cluster is older than (its checks exist there)", () => {
            const minor = (v: string) => Number(/^v?1\.(\d+)$/.exec(v)?.[1] ?? NaN);
            for (const stack of STACKS) {
                const version = stackConfig(stack).cluster.version;
                assert.ok(minor(POD_SECURITY_VERSION) <= minor(version), `${stack}: kubernetesVersion ${version} is older than the pinned ${POD_SECURITY_VERSION}`);
            }
        });

        for (const stack of STACKS) {
            it(`${stack}: the planned namespaces of the apps, the database bootstrap and Argo CD carry the labels; kube-system stays EKS's`, async () => {
                const namespaces = ofType(await plan(stack), "kubernetes:core/v1:Namespace");
                const byName = new Map(namespaces.map((n) => [input(n, "metadata.name") as string, n]));
                const workloads = [ARGOCD_NAMESPACE, DATABASE_BOOTSTRAP_NAMESPACE, ...stackApps(stack).map((a) => appNamespace(a.descriptor.name))];
                assert.deepEqual([...byName.keys()].sort(), [...workloads, FARGATE_LOGGING_NAMESPACE].sort());
                assert.ok(!byName.has(KUBE_SYSTEM_NAMESPACE));
                for (const name of workloads) {
                    const labels = input(byName.get(name)!, "metadata.labels");
                    assert.deepEqual(podSecurityLabels(labels), podSecurityLabels(managedNamespaceLabels()), name);
                    assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi", name);
                }
                // Fargate logging's namespace runs no pods: its labels stay what EKS documents.
                assert.deepEqual(podSecurityLabels(input(byName.get(FARGATE_LOGGING_NAMESPACE)!, "metadata.labels")), {});
            });
        }
    });

    describe("the shipped apps' pods", () => {
        for (const stack of STACKS) {
            it(`${stack}: every pod runs as a fixed non-root uid/gid with RuntimeDefault seccomp; every container without privilege escalation, capabilities or a writable root`, () => {
                let pods = 0;
                for (const spec of stackApps(stack)) {
                    const app = spec.descriptor.name;
                    for (const m of built(app, stack)) {
                        const pod = podSpec(m);
                        if (!pod) continue;
                        pods++;
                        const at = `${app}/${stack} ${m.kind}/${m.metadata.name}`;
                        const psc = pod.securityContext ?? {};
                        assert.equal(psc.runAsNonRoot, true, at);
                        assert.ok(Number.isInteger(psc.runAsUser) && psc.runAsUser > 0, `${at}: runAsUser ${psc.runAsUser}`);
                        assert.ok(Number.isInteger(psc.runAsGroup) && psc.runAsGroup > 0, `${at}: runAsGroup ${psc.runAsGroup}`);
                        assert.deepEqual(psc.seccompProfile, { type: "RuntimeDefault" }, at);
                        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) assert.notEqual(pod[field], true, `${at}: ${field}`);
                        for (const v of pod.volumes ?? []) {
                            const type = Object.keys(v).find((k) => k !== "name")!;
                            assert.ok(RESTRICTED_VOLUME_TYPES.includes(type), `${at}: volume ${v.name} is ${type}`);
                        }
                        for (const c of containersOf(pod)) {
                            const where = `${at} container ${c.name}`;
                            const sc = c.securityContext ?? {};
                            assert.equal(sc.allowPrivilegeEscalation, false, where);
                            assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, where);
                            assert.equal(sc.readOnlyRootFilesystem, true, where);
                            // Nothing in the container loosens the pod's settings.
                            for (const [field, loose] of [["runAsNonRoot", false], ["runAsUser", 0], ["runAsGroup", 0], ["privileged", true]] as const) {
                                assert.notEqual(sc[field], loose, `${where}: ${field}`);
                            }
                            assert.ok(sc.seccompProfile === undefined || sc.seccompProfile.type === "RuntimeDefault", where);
                            // A non-root process cannot bind below 1024 (NET_BIND_SERVICE is dropped).
                            for (const p of c.ports ?? []) {
                                assert.ok(p.containerPort >= 1024 && p.hostPort === undefined, `${where}: port ${p.containerPort}`);
                            }
                        }
                    }
                }
                assert.ok(pods > 0, `no pod in ${stack}`);
            });

            it(`${stack}: every container runs as its image's USER and ports, with a writable emptyDir at /tmp, and an app's volume with its app.yaml uid/gid`, () => {
                for (const spec of stackApps(stack)) {
                    const app = spec.descriptor.name;
                    for (const m of built(app, stack)) {
                        const pod = podSpec(m);
                        if (!pod) continue;
                        const at = `${app}/${stack} ${m.kind}/${m.metadata.name}`;
                        const emptyDirs = new Set((pod.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name));
                        for (const c of containersOf(pod)) {
                            const where = `${at} container ${c.name}`;
                            const [, image] = /^[^/]+\/([^:]+):/.exec(c.image) ?? assert.fail(`${where}: image ${c.image}`);
                            const facts = imageFacts(app, image);
                            const user = facts.user ?? assert.fail(`${facts.file}: no numeric USER <uid>:<gid> in its final stage`);
                            const sc = c.securityContext ?? {};
                            assert.deepEqual(
                                { uid: sc.runAsUser ?? pod.securityContext.runAsUser, gid: sc.runAsGroup ?? pod.securityContext.runAsGroup },
                                user,
                                `${where}: the pod's ids are not ${facts.file}'s USER`,
                            );
                            for (const p of c.ports ?? []) assert.ok(facts.exposes.includes(p.containerPort), `${where}: port ${p.containerPort} is not EXPOSEd by ${facts.file}`);
                            const tmp = (c.volumeMounts ?? []).find((v: any) => v.mountPath === "/tmp");
                            assert.ok(tmp && emptyDirs.has(tmp.name) && tmp.readOnly !== true, `${where}: no writable emptyDir at /tmp`);
                        }
                        const volume = spec.descriptor.volume;
                        if (volume && (pod.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === "data")) {
                            const psc = pod.securityContext;
                            assert.deepEqual([psc.runAsUser, psc.runAsGroup, psc.fsGroup], [volume.uid, volume.gid, volume.gid], `${at}: not the volume's uid/gid`);
                        }
                    }
                }
                // The check above covers the apps with a volume: at least one of them mounts it.
                assert.ok(
                    stackApps(stack).some((s) => s.descriptor.volume && built(s.descriptor.name, stack).some((m) => podSpec(m)?.volumes?.some((v: any) => v.persistentVolumeClaim?.claimName === "data"))),
                    `no app of ${stack} mounts a volume`,
                );
            });

            it(`${stack}: every container that reads the database Secret mounts the rds-ca ConfigMap read-only at ${RDS_CA_MOUNT_DIR}; Node.js ones point NODE_EXTRA_CA_CERTS at it`, () => {
                let clients = 0;
                for (const spec of stackApps(stack)) {
                    const app = spec.descriptor.name;
                    for (const m of built(app, stack)) {
                        const pod = podSpec(m);
                        if (!pod) continue;
                        const rdsCaVolumes = (pod.volumes ?? []).filter((v: any) => v.configMap?.name === RDS_CA_CONFIGMAP);
                        // The platform gives rds-ca only to apps with database: true.
                        if (!spec.descriptor.database) assert.deepEqual(rdsCaVolumes, [], `${app}: mounts ${RDS_CA_CONFIGMAP} without database: true`);
                        for (const c of containersOf(pod).filter(usesDatabase)) {
                            clients++;
                            const where = `${app}/${stack} ${m.kind}/${m.metadata.name} container ${c.name}`;
                            assert.ok(spec.descriptor.database, `${where}: reads the database Secret without database: true`);
                            const mount = (c.volumeMounts ?? []).find((v: any) => v.mountPath === RDS_CA_MOUNT_DIR) ?? assert.fail(`${where}: nothing mounted at ${RDS_CA_MOUNT_DIR}`);
                            assert.equal(mount.readOnly, true, where);
                            assert.equal(mount.subPath, undefined, `${where}: a subPath mount never sees the ConfigMap's updates`);
                            const volume = rdsCaVolumes.find((v: any) => v.name === mount.name) ?? assert.fail(`${where}: ${RDS_CA_MOUNT_DIR} is not the ${RDS_CA_CONFIGMAP} ConfigMap`);
                            // All keys, or the bundle's under its own name: the file is RDS_CA_PATH.
                            const items = volume.configMap.items;
                            assert.ok(items === undefined || items.some((i: any) => i.key === RDS_CA_BUNDLE_KEY && i.path === RDS_CA_BUNDLE_KEY), where);
                            const [, image] = /^[^/]+\/([^:]+):/.exec(c.image)!;
                            if (/^node:/.test(imageFacts(app, image).from)) {
                                assert.deepEqual((c.env ?? []).filter((e: any) => e.name === "NODE_EXTRA_CA_CERTS"), [{ name: "NODE_EXTRA_CA_CERTS", value: RDS_CA_PATH }], where);
                            }
                        }
                    }
                }
                assert.ok(clients > 0, `no container of ${stack} reads the database Secret`);
            });
        }

        it("no image downloads anything unchecked at build time, nor names the RDS CA bundle itself (the manifests and the database Secret do)", () => {
            const dockerfiles = fs.readdirSync(path.join(REPO_ROOT, "apps"), { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => {
                const images = path.join(REPO_ROOT, "apps", d.name, "images");
                return fs.existsSync(images) ? fs.readdirSync(images).map((image) => imageFacts(d.name, image)) : [];
            });
            assert.ok(dockerfiles.length > 0);
            for (const f of dockerfiles) {
                for (const line of f.lines) {
                    assert.doesNotMatch(line, /^ADD\s.*\bhttps?:\/\//i, `${f.file}: ${line}`);
                    assert.doesNotMatch(line, /^ENV\s+(PGSSLROOTCERT|PGSSLMODE|NODE_EXTRA_CA_CERTS)\b/i, `${f.file}: ${line}`);
                }
            }
        });

        it("every server config an image ships (nginx's listen) uses ports the image EXPOSEs, none below 1024", () => {
            let listens = 0;
            for (const app of fs.readdirSync(path.join(REPO_ROOT, "apps"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
                const images = path.join(REPO_ROOT, "apps", app, "images");
                for (const image of fs.existsSync(images) ? fs.readdirSync(images) : []) {
                    for (const file of fs.readdirSync(path.join(images, image)).filter((f) => f.endsWith(".conf"))) {
                        const conf = fs.readFileSync(path.join(images, image, file), "utf8");
                        for (const [, port] of conf.matchAll(/^\s*listen\s+(?:\[::\]:)?(\d+)/gm)) {
                            listens++;
                            assert.ok(Number(port) >= 1024, `apps/${app}/images/${image}/${file}: listen ${port}`);
                            assert.ok(imageFacts(app, image).exposes.includes(Number(port)), `apps/${app}/images/${image}/${file}: listen ${port} is not EXPOSEd`);
                        }
                    }
                }
            }
            assert.ok(listens > 0, "no image ships a server config: the check checks nothing");
        });
    });
});
