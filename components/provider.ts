import type * as aws from "@pulumi/aws";
import type { PlatformConfig } from "./config/load";

/**
 * Arguments of the one AWS provider every component uses. It is explicit rather than the default
 * provider so that each stack's account, region and credentials come from its own stack file
 * (`region`, `awsProfile`, `assumeRoleArn`, `allowedAccountIds`) and nothing depends on the
 * environment of whoever runs `pulumi up`.
 */
export function awsProviderArgs(config: PlatformConfig): aws.ProviderArgs {
    const { region, profile, assumeRoleArn, allowedAccountIds } = config.aws;
    return {
        region,
        profile,
        assumeRoles: assumeRoleArn
            ? [{ roleArn: assumeRoleArn, sessionName: `pulumi-${config.project}-${config.stack}` }]
            : undefined,
        allowedAccountIds: allowedAccountIds.length > 0 ? [...allowedAccountIds] : undefined,
        defaultTags: { tags: { ...config.tags } },
    };
}
