/** Which AWS account and region a stack deploys to, and with which credentials. */
import { REGION_ZONE_COUNTS } from "../network/regions";
import type { AwsConfig } from "./types";
import { ConfigValues, closest } from "./values";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const ACCOUNT_ID = /^\d{12}$/;
export const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** Reads and checks `region`, `awsProfile`, `assumeRoleArn` and `allowedAccountIds`. */
export function awsConfig(v: ConfigValues): AwsConfig {
    const region = v.str("region");
    if (region !== undefined && !REGION.test(region)) {
        v.problem("region", `must be an AWS region such as ap-northeast-1 (got ${JSON.stringify(region)})`);
    } else if (region !== undefined && !(region in REGION_ZONE_COUNTS)) {
        const guess = closest(region, Object.keys(REGION_ZONE_COUNTS));
        v.problem("region", `${JSON.stringify(region)} is not an AWS region${guess ? `; did you mean ${guess}?` : ""} (a region launched recently goes into components/network/regions.ts)`);
    }
    const profile = v.str("awsProfile");
    if (profile && !/^[^\s[\]]+$/.test(profile)) {
        v.problem("awsProfile", `must be a profile name without spaces or brackets (got ${JSON.stringify(profile)})`);
    }
    const assumeRoleArn = v.str("assumeRoleArn");
    const roleAccount = assumeRoleArn ? ROLE_ARN.exec(assumeRoleArn)?.[2] : undefined;
    if (assumeRoleArn && !roleAccount) {
        v.problem("assumeRoleArn", `must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name> (got ${JSON.stringify(assumeRoleArn)})`);
    }
    v.checkList("allowedAccountIds", (id) => ACCOUNT_ID.test(id), "a 12-digit AWS account id");
    const allowed = v.list("allowedAccountIds");
    if (roleAccount && allowed.length > 0 && !allowed.includes(roleAccount)) {
        // The provider would assume the role and then refuse its account: fail here, with both keys.
        v.problem("assumeRoleArn", `${assumeRoleArn} is in account ${roleAccount}, which ${v.key("allowedAccountIds")} (${allowed.join(", ")}) does not allow`);
    }
    return { region: region!, profile: profile || undefined, assumeRoleArn: assumeRoleArn || undefined, allowedAccountIds: allowed };
}
