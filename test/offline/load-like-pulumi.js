// Loads index.ts the way the Pulumi CLI's nodejs runtime does: its ts-node (project's or vendored)
// with the project's TypeScript, type-checking on, then requires the program.
const path = require("path");
const root = process.argv[2];
const tsutils = require(path.join(root, "node_modules/@pulumi/pulumi/tsutils.js"));
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const tsn = require(tsnodeRequire.startsWith("/") ? tsnodeRequire : require.resolve(tsnodeRequire, { paths: [root] }));
tsn.register({ compiler: require.resolve(typescriptRequire, { paths: [root] }), transpileOnly: false, project: path.join(root, "tsconfig.json"), compilerOptions: {} });
const program = require(path.join(root, "index.ts"));
// Pulumi calls a function export and publishes what it resolves to as the stack outputs.
console.log(typeof program, tsnodeRequire.includes("vendor") ? "vendored ts-node" : "project ts-node");
