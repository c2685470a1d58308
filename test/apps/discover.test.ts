import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inspect } from "util";
import { stringify } from "yaml";
import { AppOverride, creatableSecrets, loadApps, missingSecretKeys, missingSecretWarnings } from "../../components/apps/discover";
import { ConfigError } from "../../components/errors";
import { SecretValue } from "../../components/secret-config";

type Files = Record<string, unknown>;

const roots: string[] = [];
after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

/** A repository with the given files under apps/ (objects are written as YAML). */
function repo(files: Files): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "apps-"));
    roots.push(root);
    for (const [file, content] of Object.entries(files)) {
        const full = path.join(root, "apps", file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, typeof content === "string" ? content : stringify(content));
    }
    return root;
}

const TAG = "3f9c2ab";
/** A declared Secret with two keys, as app.yaml writes it. */
const SLACK = { slack: { description: "Slack tokens", keys: ["bot-token", "app-token"] } };
/** An app with one image `web` and overlays for dev and prd. */
function webApp(app: string, descriptor: object = {}, overlay: object = { images: [{ name: `${app}/web`, newTag: TAG }] }): Files {
    return {
        [`${app}/app.yaml`]: { description: "Web app", images: ["web"], ...descriptor },
        [`${app}/overlays/dev/kustomization.yaml`]: { resources: ["../../base"], ...overlay },
        [`${app}/overlays/prd/kustomization.yaml`]: { resources: ["../../base"], ...overlay },
    };
}

function load(files: Files, stack = "dev", overrides: Record<string, AppOverride> = {}) {
    return loadApps(repo(files), stack, overrides, "platform:apps");
}

function problems(files: Files, stack = "dev", overrides: Record<string, AppOverride> = {}): string[] {
    try {
        load(files, stack, overrides);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return [...(e as ConfigError).problems];
    }
    assert.fail("expected a ConfigError");
}

describe("app discovery (apps/)", () => {
    it("finds every app folder, with its overlay path, pinned tags and settings", () => {
        const apps = load({
            ...webApp("web", { settings: { LEVEL: { description: "log level", default: "info" }, DOMAIN: { description: "d" } } }),
            ...webApp("admin"),
            "README.md": "not an app",
        }, "prd", { web: { settings: { DOMAIN: "example.com" } } });
        assert.deepEqual(apps.map((a) => a.descriptor.name), ["admin", "web"]);
        const web = apps[1];
        assert.equal(web.sourcePath, "apps/web/overlays/prd");
        assert.deepEqual(web.imageTags, { web: TAG });
        assert.deepEqual(web.settings, { LEVEL: "info", DOMAIN: "example.com" });
    });

    it("leaves out an app switched off by the stack, or whose app.yaml lists other stacks", () => {
        const files = { ...webApp("web"), ...webApp("tools", { stacks: ["dev"] }) };
        assert.deepEqual(load(files, "dev", { web: { enabled: false } }).map((a) => a.descriptor.name), ["tools"]);
        assert.deepEqual(load(files, "prd").map((a) => a.descriptor.name), ["web"]);
    });

    it("checks every physical name derived from the cluster and the app against its service's limits", () => {
        const image = "i".repeat(250);
        const files = { ...webApp("web", { images: [image] }, { images: [{ name: `web/${image}`, newTag: TAG }] }) };
        assert.doesNotThrow(() => loadApps(repo(files), "dev", {}, "platform:apps"), "without the cluster name only cluster-free names are checked");
        const found = (() => {
            try {
                loadApps(repo(files), "dev", {}, "platform:apps", "platform-dev");
            } catch (e) {
                return (e as ConfigError).problems;
            }
            return [];
        })();
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /^apps\/web\/app\.yaml: the ECR repository name of image "i{250}" "platform-dev\/web\/i{250}" derived from <project>-<stack>, app "web" and image "i{250}" must be /);
    });

    it("still validates an app the stack does not run", () => {
        assert.match(problems({ ...webApp("web", { databse: true }) }, "dev", { web: { enabled: false } }).join("\n"), /apps\/web\/app\.yaml: databse: unknown key/);
    });

    const bad: [string, Files, RegExp, string?, Record<string, AppOverride>?][] = [
        ["a folder without app.yaml", { "web/base/kustomization.yaml": {} }, /^apps\/web\/app\.yaml: missing; every folder under apps\/ is an app/],
        ["invalid YAML", { "web/app.yaml": "images: [web" }, /^apps\/web\/app\.yaml:1:\d+: not valid YAML/],
        ["an overlay that is not YAML", { ...webApp("web"), "web/overlays/dev/kustomization.yaml": "resources:\n  - ../../base\nimages: [{name: web/web, newTag: 3f9c2ab}\n" }, /^apps\/web\/overlays\/dev\/kustomization\.yaml:4:1: not valid YAML: /],
        ["a missing overlay for the stack", { "web/app.yaml": { description: "d", images: ["web"] } }, /^apps\/web\/overlays\/dev\/kustomization\.yaml: missing; the app runs in dev, so it needs an overlay/],
        ["a missing overlay for another stack app.yaml lists", { ...webApp("web", { stacks: ["dev", "prd", "stg"] }) }, /^apps\/web\/overlays\/stg\/kustomization\.yaml: missing; apps\/web\/app\.yaml lists stg in stacks/],
        ["an image the overlay does not tag", webApp("web", { images: ["web", "worker"] }), /^apps\/web\/overlays\/dev\/kustomization\.yaml: images: must pin a tag for web\/worker, an image of app\.yaml/],
        ["a tag that is not a commit hash", webApp("web", {}, { images: [{ name: "web/web", newTag: "latest" }] }), /images: web\/web: newTag must be the commit hash CI built, 7 to 40 hex digits \(got "latest"\)/],
        ["an overlay that renames the image", webApp("web", {}, { images: [{ name: "web/web", newName: "nginx", newTag: TAG }] }), /images: web\/web: remove newName; Argo CD maps the image/],
        ["an overlay image app.yaml does not declare", webApp("web", {}, { images: [{ name: "web/web", newTag: TAG }, { name: "web/api", newTag: TAG }] }), /images: "web\/api" is not an image of app\.yaml \(web\/web\)/],
        ["a stack override of an unknown app", webApp("web"), /^platform:apps\.api: no such app \(apps\/api\/app\.yaml does not exist\)/, "dev", { api: { enabled: false } }],
        ["an unknown setting", webApp("web"), /^platform:apps\.web\.settings\.DOMAIN: not a setting of apps\/web\/app\.yaml \(it declares none\)/, "dev", { web: { settings: { DOMAIN: "x" } } }],
        ["a required setting the stack leaves out", webApp("web", { settings: { DOMAIN: { description: "Search domain" } } }), /^platform:apps\.web\.settings\.DOMAIN: required \(Search domain\)/],
        ["enabling an app outside its stacks", webApp("web", { stacks: ["dev"] }), /^platform:apps\.web\.enabled: apps\/web\/app\.yaml runs the app only in dev; add prd/, "prd", { web: { enabled: true } }],
        [
            "a Secret value for a Secret app.yaml does not declare",
            webApp("web", { secrets: SLACK }),
            /^platform:apps\.web\.secrets\.slak: not a Secret of apps\/web\/app\.yaml \(slack\)$/,
            "dev",
            { web: { secrets: { slak: { token: new SecretValue("v") } } } },
        ],
        [
            "a Secret value for an app that declares none",
            webApp("web"),
            /^platform:apps\.web\.secrets\.slack: not a Secret of apps\/web\/app\.yaml \(it declares none\)$/,
            "dev",
            { web: { secrets: { slack: { token: new SecretValue("v") } } } },
        ],
        [
            "a Secret value for a key app.yaml does not declare",
            webApp("web", { secrets: SLACK }),
            /^platform:apps\.web\.secrets\.slack\.tokn: not a key of the Secret slack in apps\/web\/app\.yaml \(bot-token, app-token\)$/,
            "dev",
            { web: { secrets: { slack: { tokn: new SecretValue("v") } } } },
        ],
    ];
    for (const [what, files, message, stack, overrides] of bad) {
        it(`rejects ${what}, naming the file or key`, () => {
            const found = problems(files, stack, overrides);
            assert.ok(found.some((p) => message.test(p)), `expected ${message} in:\n${found.join("\n")}`);
        });
    }

    describe("Secret values from the stack's config", () => {
        const FAKE = "xoxb-FAKE-discover-canary";
        const withValues = (keys: Record<string, string>) => ({ web: { secrets: { slack: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, new SecretValue(v)])) } } });

        it("hands each declared key's value to the app, and creates a Secret only when every key has one", () => {
            const [complete] = load(webApp("web", { secrets: SLACK }), "dev", withValues({ "bot-token": FAKE, "app-token": "xapp-2" }));
            assert.deepEqual(Object.keys(complete.secrets), ["slack"]);
            assert.equal(complete.secrets.slack["bot-token"].reveal(), FAKE);
            assert.deepEqual(missingSecretKeys(complete), []);
            assert.deepEqual(Object.keys(creatableSecrets(complete)), ["slack"]);
            assert.deepEqual(missingSecretWarnings(complete, "platform:apps", "dev"), []);

            const [partial] = load(webApp("web", { secrets: SLACK }), "dev", withValues({ "bot-token": FAKE }));
            assert.deepEqual(missingSecretKeys(partial), [{ secret: "slack", key: "app-token" }]);
            assert.deepEqual(creatableSecrets(partial), {}, "a Secret missing a key is not created at all");
        });

        it("warns (not fails) for every key without a value, naming its path and the exact command, never a value", () => {
            const [none] = load(webApp("web", { secrets: SLACK }), "prd");
            assert.deepEqual(missingSecretWarnings(none, "platform:apps", "prd"), ["bot-token", "app-token"].map((key) =>
                `platform:apps.web.secrets.slack.${key}: no value in stack prd, so the Secret slack of apps/web/app.yaml is not created and pods that use it do not start; ` +
                `set it with pulumi config set --secret --path 'platform:apps.web.secrets.slack.${key}' <value> --stack prd`,
            ));
            const [partial] = load(webApp("web", { secrets: SLACK }), "dev", withValues({ "bot-token": FAKE }));
            const warnings = missingSecretWarnings(partial, "acme:apps", "dev");
            assert.equal(warnings.length, 1);
            assert.match(warnings[0], /^acme:apps\.web\.secrets\.slack\.app-token: no value in stack dev.*--path 'acme:apps\.web\.secrets\.slack\.app-token' <value> --stack dev$/);
            assert.ok(!warnings[0].includes(FAKE));
        });

        it("shows no value when a spec is printed or serialised", () => {
            const [spec] = load(webApp("web", { secrets: SLACK }), "dev", withValues({ "bot-token": FAKE, "app-token": FAKE }));
            assert.ok(!JSON.stringify(spec).includes(FAKE));
            assert.ok(!inspect(spec, { depth: null }).includes(FAKE));
            assert.ok(!`${spec.secrets.slack["bot-token"]}`.includes(FAKE));
        });
    });

    it("reports the problems of every app together", () => {
        const found = problems({ ...webApp("web", { databse: true }), ...webApp("api", {}, { images: [] }) });
        assert.equal(found.length, 2, found.join("\n"));
    });
});
