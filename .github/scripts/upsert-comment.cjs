// Creates or updates the pull request comment that starts with `marker`, so each check keeps one
// comment that re-runs update. Called from actions/github-script:
//   await require('./.github/scripts/upsert-comment.cjs')({ github, context, marker, title, file })
const fs = require("fs");

/** GitHub refuses comments over 65536 characters. */
const MAX_BODY = 65000;

/** The comment's text: a title, and the file's content in a collapsible code block. */
function commentBody(marker, title, text) {
    const fence = "```";
    const room = MAX_BODY - marker.length - title.length - 200;
    const shown = text.length > room ? `${text.slice(0, room)}\n... (cut: ${text.length - room} more characters in the job log)` : text;
    const content = text.trim() === "" ? "_No changes._" : `<details><summary>Details</summary>\n\n${fence}diff\n${shown}\n${fence}\n</details>`;
    return `${marker}\n### ${title}\n\n${content}\n`;
}

module.exports = async function upsertComment({ github, context, marker, title, file }) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `(${file} was not written: see the job log)`;
    const body = commentBody(marker, title, text);
    const target = { owner: context.repo.owner, repo: context.repo.repo, issue_number: context.issue.number };
    const comments = await github.paginate(github.rest.issues.listComments, target);
    const existing = comments.find((c) => typeof c.body === "string" && c.body.startsWith(marker));
    if (existing) {
        await github.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
    } else {
        await github.rest.issues.createComment({ ...target, body });
    }
};
module.exports.commentBody = commentBody;
