/**
 * The layering rules of src/ (docs/architecture.md), checked by `npm run lint`:
 * no import cycle between files, and no two top-level folders of src/ that import
 * each other (that rule is scripts/check-layers.mjs, over this tool's output). The
 * cycles that exist today are recorded in .dependency-cruiser-known-violations.json
 * and scripts/check-layers.mjs and are being removed (issue 16); any new one fails.
 */
module.exports = {
  forbidden: [
    {
      name: "no-file-cycles",
      severity: "error",
      comment: "Two files of src/ that import each other, directly or through others.",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|test|scripts)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
