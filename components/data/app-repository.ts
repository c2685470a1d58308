import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { repositoryName } from "../naming";
import { lifecyclePolicy } from "./ecr";

export interface AppRepositoryArgs {
    /** The app's name. Required. */
    readonly app: string;
    /** The image's name within the app, e.g. `web` or `api`. Required. */
    readonly image: string;
    /**
     * First component of the repository name: the stack's root name (naming.ts `rootName`), so stacks
     * sharing an account never collide and renaming the cluster keeps the repository. Required.
     */
    readonly prefix: string;
    /** Images to keep (stack config `ecrKeepImages`). Required. */
    readonly keepImages: number;
    /** Protect the repository from deletion; unprotected ones are deleted with their images. Required. */
    readonly protect: boolean;
}

/**
 * The ECR repository of one app image: immutable tags (a tag is a commit hash, never moved), scan on
 * push, KMS encryption, and a lifecycle policy that expires untagged images and keeps the newest N.
 */
export class AppRepository extends pulumi.ComponentResource {
    public readonly repositoryName: string;
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;

    constructor(name: string, args: AppRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before anything is registered.
        const fullName = repositoryName(args.prefix, args.app, args.image);
        super("platform:data:AppRepository", name, {}, opts);
        this.repositoryName = fullName;
        const repository = new aws.ecr.Repository(
            `${name}-repo`,
            {
                name: this.repositoryName,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: !args.protect,
                tags: { app: args.app, image: args.image },
            },
            { parent: this, protect: args.protect },
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            { repository: repository.name, policy: JSON.stringify(lifecyclePolicy(args.keepImages)) },
            { parent: this },
        );
        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryArn = repository.arn;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl });
    }
}
