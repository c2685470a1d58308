import type { PolicyDocument } from "../cluster/policies";
import policy from "./aws-load-balancer-controller-v3.5.0.policy.json";

/** The controller version whose official IAM policy this is; the chart pins the same app version. */
export const LOAD_BALANCER_CONTROLLER_POLICY_VERSION = "v3.5.0";

/**
 * Permissions of the AWS Load Balancer Controller: the official `docs/install/iam_policy.json` of
 * the pinned release, kept verbatim as data (a stale copy lacks actions newer controllers call, e.g.
 * elasticloadbalancing:DescribeListenerAttributes from v2.9, and fails with 403s).
 */
export function loadBalancerControllerPolicy(): PolicyDocument {
    return structuredClone(policy) as PolicyDocument;
}
