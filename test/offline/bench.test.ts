import { strict as assert } from "assert";
import { benchCommands, formatTable, median, parseBenchArgs, summarize } from "../../scripts/bench";

describe("npm run bench", () => {
    it("takes the median of an odd and an even number of runs, in any order, and refuses none", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.equal(median([7]), 7);
        assert.throws(() => median([]), /the median of no values/);
    });

    it("summarizes runs as median, fastest and slowest in hundredths of a second, with the failures", () => {
        assert.deepEqual(summarize({ name: "npm test", seconds: [41.234, 39.996, 45.5], failed: 1 }), { name: "npm test", runs: 3, median: 41.23, min: 40, max: 45.5, failed: 1 });
        assert.equal(summarize({ name: "x", seconds: [1] }).failed, 0);
    });

    it("prints an aligned table headed by the machine's cores", () => {
        const table = formatTable(
            [
                { name: "npm run plan -- dev", runs: 5, median: 3.1, min: 2.95, max: 4.2, failed: 0 },
                { name: "npm test", runs: 5, median: 38.07, min: 36.5, max: 41, failed: 0 },
            ],
            2,
        );
        assert.equal(
            table,
            [
                "2 cores",
                "command              runs   median      min      max  failed",
                "npm run plan -- dev     5   3.10 s   2.95 s   4.20 s       0",
                "npm test                5  38.07 s  36.50 s  41.00 s       0",
            ].join("\n"),
        );
    });

    it("reads --runs N and --json, and names a bad argument with the expected form", () => {
        assert.deepEqual(parseBenchArgs([]), { runs: 5, json: false });
        assert.deepEqual(parseBenchArgs(["--runs", "3", "--json"]), { runs: 3, json: true });
        for (const [argv, problem] of [
            [["--runs"], /--runs needs a whole number from 1 to 100, not nothing/],
            [["--runs", "0"], /not "0"/],
            [["--runs", "2.5"], /not "2\.5"/],
            [["--runs", "101"], /not "101"/],
            [["--fast"], /unknown argument "--fast"/],
            [["dev"], /unknown argument "dev"/],
        ] as const) {
            const parsed = parseBenchArgs(argv);
            assert.equal(typeof parsed, "string", argv.join(" "));
            assert.match(parsed as string, problem);
            assert.match(parsed as string, /usage: npm run bench \[-- --runs N\] \[--json\]/);
        }
    });

    it("times each stack's plan as the README runs it, then the suite", () => {
        assert.deepEqual(
            benchCommands(["dev", "prd"]).map((c) => [c.name, c.command, ...c.args]),
            [
                ["npm run plan -- dev", "npm", "run", "--silent", "plan", "--", "dev"],
                ["npm run plan -- prd", "npm", "run", "--silent", "plan", "--", "prd"],
                ["npm test", "npm", "test", "--silent"],
            ],
        );
    });
});
