import { strict as assert } from "assert";
import { AppDescriptor, appPolicy, parseDescriptor } from "../../components/apps/descriptor";

const FILE = "apps/demo/app.yaml";

/** A descriptor using every key. */
const FULL = {
    description: "Demo app",
    images: ["web", "worker"],
    database: true,
    volume: { uid: 10001, gid: 10001 },
    settings: { DOMAIN: { description: "Search domain" }, LOG_LEVEL: { description: "Log level", default: "info" } },
    secrets: { slack: { description: "Slack tokens", keys: ["bot-token", "app_token"] } },
    stacks: ["dev", "prd"],
    permissions: [
        { Sid: "Search", Action: ["es:ESHttpGet"], Resource: "arn:{{partition}}:es:{{region}}:{{account}}:domain/{{DOMAIN}}/*" },
        { Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "Demo/{{cluster}}" } } },
    ],
};

function parse(doc: unknown, app = "demo"): { descriptor?: AppDescriptor; problems: string[] } {
    const problems: string[] = [];
    const descriptor = parseDescriptor(FILE, app, doc, problems);
    return { descriptor, problems };
}

describe("app descriptor (app.yaml)", () => {
    it("accepts every key and normalises IAM's string-or-list forms to lists", () => {
        const { descriptor, problems } = parse(FULL);
        assert.deepEqual(problems, []);
        assert.equal(descriptor!.name, "demo");
        assert.deepEqual(descriptor!.images, ["web", "worker"]);
        assert.deepEqual(descriptor!.volume, { uid: 10001, gid: 10001 });
        assert.deepEqual(descriptor!.permissions[1], {
            Effect: "Allow",
            Action: ["cloudwatch:PutMetricData"],
            Resource: ["*"],
            Condition: { StringEquals: { "cloudwatch:namespace": "Demo/{{cluster}}" } },
        });
        assert.deepEqual(descriptor!.settings.LOG_LEVEL, { description: "Log level", default: "info" });
        assert.deepEqual(descriptor!.secrets, { slack: { description: "Slack tokens", keys: ["bot-token", "app_token"] } });
    });

    it("defaults to no database, volume, permissions, settings or secrets, in every stack", () => {
        const { descriptor, problems } = parse({ description: "Minimal", images: ["app"] });
        assert.deepEqual(problems, []);
        assert.deepEqual(
            { ...descriptor },
            { name: "demo", description: "Minimal", images: ["app"], database: false, permissions: [], settings: {}, secrets: {} },
        );
    });

    const bad: [string, unknown, RegExp, string?][] = [
        ["an unknown key", { ...FULL, databse: true }, /apps\/demo\/app\.yaml: databse: unknown key; the keys are description, images/],
        ["a missing description", { images: ["web"] }, /: description: required/],
        ["no images", { description: "x", images: [] }, /: images: required, a list of image names/],
        ["a bad image name", { ...FULL, images: ["Web"] }, /: images: "Web" is not an image name/],
        ["an image listed twice", { ...FULL, images: ["web", "web"] }, /: images: "web" is listed twice/],
        ["a non-boolean database", { ...FULL, database: "yes" }, /: database: must be true or false \(got "yes"\)/],
        ["a root uid", { ...FULL, volume: { uid: 0, gid: 10001 } }, /: volume\.uid: required, an integer from 1 to 4294967295 \(got 0\)/],
        ["an unknown volume key", { ...FULL, volume: { uid: 1, gid: 1, size: "5Gi" } }, /: volume\.size: unknown key/],
        ["a lower-case setting name", { ...FULL, settings: { domain: { description: "d" } } }, /: settings\.domain: a setting name is upper case/],
        ["a setting the platform sets", { ...FULL, settings: { AWS_REGION: { description: "d" } } }, /: settings\.AWS_REGION: reserved/],
        ["a numeric setting default", { ...FULL, settings: { PORT: { description: "d", default: 8080 } } }, /: settings\.PORT\.default: must be a string; quote it/],
        ["a bad Secret name", { ...FULL, secrets: { Slack_Token: { description: "d", keys: ["k"] } } }, /^apps\/demo\/app\.yaml: secrets\.Slack_Token: not a Secret name \(lower-case letters, digits and '-'/],
        // A '.' would split the config path <project>:apps.<app>.secrets.<name>.<key>.
        ["a Secret name with a dot", { ...FULL, secrets: { "slack.tokens": { description: "d", keys: ["k"] } } }, /: secrets\.slack\.tokens: not a Secret name/],
        ["a Secret name over 63 characters", { ...FULL, secrets: { ["s".repeat(64)]: { description: "d", keys: ["k"] } } }, /: secrets\.s{64}: not a Secret name .*at most 63 characters/],
        ["the platform's database Secret", { ...FULL, secrets: { database: { description: "d", keys: ["k"] } } }, /: secrets\.database: reserved, the platform's own Secret/],
        [
            "a Secret in the former hand-made form",
            { ...FULL, secrets: { slack: "Create it with kubectl create secret" } },
            /^apps\/demo\/app\.yaml: secrets\.slack: must be \{description: <text>, keys: \[<key>, \.\.\.\]\} \(got "Create it with kubectl create secret"\); the platform creates the Secret/,
        ],
        ["a Secret without keys", { ...FULL, secrets: { slack: { description: "d" } } }, /: secrets\.slack\.keys: required, a non-empty list of the keys it holds/],
        ["a Secret with an empty key list", { ...FULL, secrets: { slack: { description: "d", keys: [] } } }, /: secrets\.slack\.keys: required/],
        ["a Secret without a description", { ...FULL, secrets: { slack: { keys: ["k"] } } }, /: secrets\.slack\.description: required/],
        ["a Secret key with a dot", { ...FULL, secrets: { slack: { description: "d", keys: ["bot.token"] } } }, /: secrets\.slack\.keys: "bot\.token" is not a Secret key \(letters, digits, '-' and '_'/],
        ["a Secret key listed twice", { ...FULL, secrets: { slack: { description: "d", keys: ["k", "k"] } } }, /: secrets\.slack\.keys: "k" is listed twice/],
        ["a value in app.yaml", { ...FULL, secrets: { slack: { description: "d", keys: ["k"], values: { k: "v" } } } }, /: secrets\.slack\.values: unknown key; the keys are description, keys \(values never go in app\.yaml/],
        ["an empty stacks list", { ...FULL, stacks: [] }, /: stacks: must be a non-empty list of stack names/],
        ["a wildcard action", { ...FULL, permissions: [{ Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }] }, /: permissions\[0\]\.Action: "\*" is a wildcard; list the actions the app calls/],
        ["a service wildcard action", { ...FULL, permissions: [{ Action: ["s3:Get*"], Resource: "arn:aws:s3:::b/*" }] }, /: permissions\[0\]\.Action: "s3:Get\*" is a wildcard/],
        ["a * resource without a condition", { ...FULL, permissions: [{ Action: "cloudwatch:PutMetricData", Resource: "*" }] }, /: permissions\[0\]\.Resource: "\*" needs a Condition that narrows it/],
        ["NotAction", { ...FULL, permissions: [{ NotAction: "iam:*", Resource: "*" }] }, /: permissions\[0\]\.NotAction: unknown key; .*NotAction, NotResource and Principal are not allowed/],
        ["an unknown placeholder", { ...FULL, permissions: [{ Action: "s3:GetObject", Resource: "arn:aws:s3:::{{BUCKET}}/*" }] }, /: permissions\[0\]: \{\{BUCKET\}\} is not a setting of this app/],
        ["a resource that is not an ARN", { ...FULL, permissions: [{ Action: "s3:GetObject", Resource: "my-bucket" }] }, /: permissions\[0\]\.Resource: "my-bucket" must be an ARN/],
        ["an unknown Effect", { ...FULL, permissions: [{ Effect: "allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] }, /: permissions\[0\]\.Effect: must be Allow or Deny/],
        ["a folder name with capitals", FULL, /: the folder name "Demo" is not an app name/, "Demo"],
        ["a reserved app name", FULL, /: the app name "postgres" is reserved/, "postgres"],
        ["a folder name over 30 characters", FULL, /is not an app name.*at most 30 characters/, "a".repeat(31)],
    ];
    for (const [what, doc, message, app] of bad) {
        it(`rejects ${what}, naming the file and key`, () => {
            const { descriptor, problems } = parse(doc, app);
            assert.equal(descriptor, undefined);
            assert.ok(problems.some((p) => message.test(p)), `expected ${message} in:\n${problems.join("\n")}`);
        });
    }

    it("reports every problem at once", () => {
        const { problems } = parse({ description: "", images: "web", databse: true, permissions: [{ Action: "*", Resource: "*" }] });
        assert.ok(problems.length >= 4, problems.join("\n"));
    });

    it("fills placeholders in resources and condition values, never in actions", () => {
        const { descriptor } = parse(FULL);
        const policy = appPolicy(descriptor!.permissions, { partition: "aws", region: "ap-northeast-1", account: "123456789012", cluster: "platform-dev", DOMAIN: "logs", LOG_LEVEL: "info" });
        assert.deepEqual(policy, {
            Version: "2012-10-17",
            Statement: [
                { Sid: "Search", Effect: "Allow", Action: ["es:ESHttpGet"], Resource: ["arn:aws:es:ap-northeast-1:123456789012:domain/logs/*"] },
                { Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"], Condition: { StringEquals: { "cloudwatch:namespace": "Demo/platform-dev" } } },
            ],
        });
        assert.throws(() => appPolicy(descriptor!.permissions, { partition: "aws" }), /no value for \{\{region\}\}/);
    });
});
