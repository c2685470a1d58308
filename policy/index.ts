/**
 * The platform's policy pack: `pulumi preview --policy-pack policy --policy-pack-config policy/<stack>.json`.
 * The policies live in policies.ts, where tests run them without starting the pack's server.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("platform", { policies: POLICIES });
