// Mocha's spec reporter, closing with the plain "N passed, N failed" line CI tools read.
const Mocha = require("mocha");

class SpecWithTotals extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once("end", () => {
            const { passes, failures, pending } = runner.stats;
            process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
        });
    }
}

module.exports = SpecWithTotals;
