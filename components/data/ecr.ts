/**
 * ECR decisions as plain data: repository names and lifecycle policies.
 */

/**
 * ECR repository names: lower-case components separated by `/`, each letters and digits joined by
 * single `.`, `_` or `-`; 2 to 256 characters. https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
 */
const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const COMPONENT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Untagged images (superseded pushes, failed builds) are expired after this many days. */
export const UNTAGGED_EXPIRY_DAYS = 3;

/** Bounds of `ecrKeepImages`. */
export const KEEP_IMAGES_RANGE = { min: 1, max: 1000 } as const;

/**
 * The repository of one app image: `<prefix>/<app>/<image>`. The prefix (the cluster name) keeps
 * two stacks apart when they share an account. Depends on nothing else, so it never changes when
 * other apps come and go.
 * @throws Error naming the app and image when the result is not a valid ECR name.
 */
export function repositoryName(prefix: string, app: string, image: string): string {
    for (const [what, value] of [["app", app], ["image", image]] as const) {
        if (!COMPONENT.test(value)) {
            throw new Error(
                `${what} ${JSON.stringify(value)}: ECR names need lower-case letters and digits, joined by single '.', '_' or '-'`,
            );
        }
    }
    const name = `${prefix.toLowerCase().replace(/_/g, "-")}/${app}/${image}`;
    if (!REPOSITORY_NAME.test(name)) {
        throw new Error(`repository ${JSON.stringify(name)} (app ${app}, image ${image}): not a valid ECR name (2-256 characters)`);
    }
    return name;
}

/** Lifecycle policy: untagged images expire first; of the rest the newest `keep` stay. */
export function lifecyclePolicy(keep: number) {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${UNTAGGED_EXPIRY_DAYS} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_EXPIRY_DAYS },
                action: { type: "expire" },
            },
            {
                // A rule with tagStatus "any" must have the highest priority number (ECR lifecycle rules).
                rulePriority: 2,
                description: `Keep the newest ${keep} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    };
}
