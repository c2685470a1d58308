import { strict as assert } from "assert";
import { IrsaRole } from "../../components/iam/irsa-role";
import { irsaTrustPolicy } from "../../components/iam/irsa";
import { loadBalancerControllerPolicy } from "../../components/iam/load-balancer-controller";
import { runProgram } from "../../scripts/offline/engine";
import { readStackConfig } from "../../scripts/offline/stack-config";
import { upstreamFile } from "../../scripts/refresh-upstream";
import { input, named, readReference } from "../support";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-1.amazonaws.com/id/ABC";
const ISSUER = "oidc.eks.ap-northeast-1.amazonaws.com/id/ABC";


describe("IRSA", () => {
    it("trusts exactly one service account, for STS tokens only", () => {
        const policy = irsaTrustPolicy(PROVIDER, `https://${ISSUER}`, "kube-system", "aws-load-balancer-controller");
        assert.deepEqual(policy.Statement, [
            {
                Effect: "Allow",
                Principal: { Federated: PROVIDER },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:aws-load-balancer-controller",
                        [`${ISSUER}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ]);
        assert.doesNotMatch(JSON.stringify(policy.Statement[0].Condition), /[*?]/);
    });

    it("refuses wildcards and non-Kubernetes names", () => {
        assert.throws(() => irsaTrustPolicy(PROVIDER, ISSUER, "app-*", "bot"), /namespace "app-\*" is not a Kubernetes name \(wildcards are never allowed\)/);
        assert.throws(() => irsaTrustPolicy(PROVIDER, ISSUER, "app-bot", "Bot_SA"), /serviceAccount "Bot_SA"/);
    });

    it("builds a role with that trust and the given permissions", async () => {
        const result = await runProgram(
            async () => {
                const role = new IrsaRole("bot", {
                    oidcProviderArn: PROVIDER,
                    oidcIssuer: ISSUER,
                    namespace: "app-slack-bot",
                    serviceAccount: "slack-bot",
                    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] }),
                });
                return { arn: role.roleArn };
            },
            { config: readStackConfig("dev"), region: "ap-northeast-1" },
        );
        const role = named(result, "bot-role");
        const trust = JSON.parse(input(role, "assumeRolePolicy"));
        assert.equal(trust.Statement[0].Condition.StringEquals[`${ISSUER}:sub`], "system:serviceaccount:app-slack-bot:slack-bot");
        assert.equal(input(role, "description"), "IRSA: app-slack-bot/slack-bot");
        const inline = named(result, "bot-policy");
        assert.equal(input(inline, "role"), role.id);
        assert.equal(JSON.parse(input(inline, "policy")).Statement[0].Action, "s3:GetObject");
        assert.equal(result.outputs.arn, `arn:aws:iam::123456789012:role/${role.id}`);
    });
});

describe("Load Balancer Controller permissions", () => {
    it("equal the official IAM policy of the pinned controller: no action missing, none added", () => {
        const official = readReference(upstreamFile("loadBalancerControllerPolicy"));
        assert.deepEqual(loadBalancerControllerPolicy(), official);
        const actions = (doc: any) => new Set(doc.Statement.flatMap((s: any) => [s.Action].flat()));
        assert.deepEqual(actions(loadBalancerControllerPolicy()), actions(official));
        assert.ok(actions(official).has("elasticloadbalancing:DescribeListenerAttributes"));
    });

    it("cannot be changed by a caller", () => {
        const copy = loadBalancerControllerPolicy() as any;
        copy.Statement.pop();
        assert.equal(loadBalancerControllerPolicy().Statement.length, copy.Statement.length + 1);
    });
});
