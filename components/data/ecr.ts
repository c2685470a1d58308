/**
 * ECR decisions as plain data: lifecycle policies. Repository names are composed and checked in
 * components/naming.ts (repositoryName, appNames).
 */

/** Untagged images (superseded pushes, failed builds) are expired after this many days. */
export const UNTAGGED_EXPIRY_DAYS = 3;

/** Bounds of `ecrKeepImages`. */
export const KEEP_IMAGES_RANGE = { min: 1, max: 1000 } as const;

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
