/**
 * AWS commercial, GovCloud and China regions, with the number of Availability Zones an account can
 * put subnets in (AZ IDs listed in the AWS Regions and Availability Zones guide,
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html,
 * and the region list at https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html;
 * as of 2026-11). Where an old zone is closed to new subnets (us-west-1's usw1-az2, ap-northeast-1's
 * apne1-az3) it is not counted, so the number is the least a new account sees.
 *
 * The loader uses it to refuse a region that does not exist and an `azCount` the region cannot
 * give, before anything is registered; the Network component still checks the zones the account
 * really has at deploy time. A region launched later is added here (one line).
 */
export const REGION_ZONE_COUNTS: Readonly<Record<string, number>> = {
    "us-east-1": 6,
    "us-east-2": 3,
    "us-west-1": 2,
    "us-west-2": 4,
    "af-south-1": 3,
    "ap-east-1": 3,
    "ap-east-2": 3,
    "ap-south-1": 3,
    "ap-south-2": 3,
    "ap-southeast-1": 3,
    "ap-southeast-2": 3,
    "ap-southeast-3": 3,
    "ap-southeast-4": 3,
    "ap-southeast-5": 3,
    "ap-southeast-6": 3,
    "ap-southeast-7": 3,
    "ap-northeast-1": 3,
    "ap-northeast-2": 4,
    "ap-northeast-3": 3,
    "ca-central-1": 3,
    "ca-west-1": 3,
    "eu-central-1": 3,
    "eu-central-2": 3,
    "eu-west-1": 3,
    "eu-west-2": 3,
    "eu-west-3": 3,
    "eu-south-1": 3,
    "eu-south-2": 3,
    "eu-north-1": 3,
    "il-central-1": 3,
    "me-south-1": 3,
    "me-central-1": 3,
    "mx-central-1": 3,
    "sa-east-1": 3,
    "us-gov-east-1": 3,
    "us-gov-west-1": 3,
    "cn-north-1": 3,
    "cn-northwest-1": 3,
};
