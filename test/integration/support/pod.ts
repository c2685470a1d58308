/**
 * A container's environment as the kubelet would give it, read from an app's manifests: `envFrom`
 * the ConfigMaps and Secrets the test passes (what the platform renders for them), then `env`
 * (which wins), as https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
 * describes. Paths under the mount point of a ConfigMap volume are moved to the local folder
 * standing for that ConfigMap, so a Secret that names /etc/ssl/rds/global-bundle.pem (the `rds-ca`
 * ConfigMap's mount) names the test CA's copy instead.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

/** Parsed YAML: the manifests are checked elsewhere (test/apps), here they are only read. */
type Json = any;

/** A container of a workload in a manifest file (with its pod spec), found by the workload's kind and name. */
export function manifestContainer(file: string, kind: string, name: string, container: string): { pod: Json; container: Json } {
    const objects = parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS());
    const object = objects.find((o) => o?.kind === kind && o?.metadata?.name === name);
    if (!object) throw new Error(`${file}: no ${kind} ${name}`);
    const pod = kind === "CronJob" ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec;
    const found = (pod.containers ?? []).find((c: Json) => c.name === container);
    if (!found) throw new Error(`${file}: ${kind} ${name} has no container ${container}`);
    return { pod, container: found };
}

export interface PodSources {
    /** Data of the ConfigMaps by name. */
    readonly configMaps?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** Data of the Secrets by name. */
    readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** Local folders holding the files of ConfigMaps the pod mounts as volumes, by ConfigMap name. */
    readonly mountedConfigMaps?: Readonly<Record<string, string>>;
}

/** The container's environment (only what the manifests give it; the test adds PATH and the like). */
export function containerEnv({ pod, container }: { pod: Json; container: Json }, sources: PodSources): Record<string, string> {
    const env: Record<string, string> = {};
    const source = (kind: "configMaps" | "secrets", name: string): Readonly<Record<string, string>> => {
        const data = sources[kind]?.[name];
        if (!data) throw new Error(`container ${container.name} reads ${kind === "secrets" ? "Secret" : "ConfigMap"} ${name}, which the test does not provide`);
        return data;
    };
    for (const from of container.envFrom ?? []) {
        if (from.configMapRef) Object.assign(env, source("configMaps", from.configMapRef.name));
        if (from.secretRef) Object.assign(env, source("secrets", from.secretRef.name));
    }
    for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = String(e.value);
        else if (e.valueFrom?.secretKeyRef) env[e.name] = source("secrets", e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
        else if (e.valueFrom?.configMapKeyRef) env[e.name] = source("configMaps", e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
        else throw new Error(`container ${container.name}: env ${e.name} has a source the test does not implement`);
    }
    const local = localPaths({ pod, container }, sources);
    for (const [name, value] of Object.entries(env)) env[name] = local(value);
    return env;
}

/**
 * Moves the paths under the container's ConfigMap mounts to the local folders standing for them,
 * in a value (plain, or percent-encoded as in DATABASE_URL).
 */
export function localPaths({ pod, container }: { pod: Json; container: Json }, sources: PodSources): (value: string) => string {
    const mounts: [string, string][] = [];
    for (const m of container.volumeMounts ?? []) {
        const configMap = (pod.volumes ?? []).find((v: Json) => v.name === m.name)?.configMap?.name;
        const local = configMap && sources.mountedConfigMaps?.[configMap];
        if (local) mounts.push([m.mountPath.replace(/\/+$/, ""), path.resolve(local)]);
    }
    mounts.sort((a, b) => b[0].length - a[0].length); // the deepest mount takes a path first
    return (value) => {
        for (const [mountPath, local] of mounts) {
            if (value === mountPath) return local;
            value = value.split(`${mountPath}/`).join(`${local}/`).split(encodeURIComponent(`${mountPath}/`)).join(encodeURIComponent(`${local}/`));
        }
        return value;
    };
}

/** The container's command (`command`, then `args`), its paths under ConfigMap mounts moved as {@link localPaths} does. */
export function containerCommand(workload: { pod: Json; container: Json }, sources: PodSources): string[] {
    const command = [...(workload.container.command ?? []), ...(workload.container.args ?? [])] as string[];
    if (command.length === 0) throw new Error(`container ${workload.container.name} has no command: the image's would run, which the test cannot read`);
    return command.map(localPaths(workload, sources));
}

/** A finished process: its exit status (or signal) and output, which assertions show as they are. */
export interface Finished {
    readonly status: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs a container's command on this machine with exactly `env` (nothing of the test's own
 * environment leaks in but what the caller passes, PATH for one). Never rejects on a non-zero
 * exit: the caller asserts on it and shows the output.
 */
export function runCommand(command: readonly string[], opts: { env: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number }): Promise<Finished> {
    return new Promise((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { env: opts.env, cwd: opts.cwd, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (status, signal) => {
            clearTimeout(timer);
            resolve({ status, signal, stdout, stderr });
        });
        // A process that exits without reading its input closes the pipe: that is its business.
        child.stdin?.on("error", () => {}).end(opts.input);
    });
}

/**
 * A ConfigMap of a kustomization's configMapGenerator as files in `dir` (each `files` entry, `key=path`
 * or `path`, under its key), as the pod that mounts it sees them. The generated name's hash suffix
 * does not matter here: the manifests refer to the generator's name.
 * https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/configmapgenerator/
 */
export function generatedConfigMap(kustomizationDir: string, name: string, dir: string): string {
    const kustomization = parseAllDocuments(fs.readFileSync(path.join(kustomizationDir, "kustomization.yaml"), "utf8"))[0].toJS();
    const generator = (kustomization.configMapGenerator ?? []).find((g: Json) => g.name === name);
    if (!generator) throw new Error(`${kustomizationDir}/kustomization.yaml generates no ConfigMap ${name}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of generator.files ?? []) {
        const [key, file] = String(entry).includes("=") ? String(entry).split("=", 2) : [path.basename(String(entry)), String(entry)];
        fs.copyFileSync(path.join(kustomizationDir, file), path.join(dir, key));
    }
    return dir;
}
