// The e2e suites' one assertion: a check's list of problems must be empty; when it is
// not, the failure shows the first 25 and how many there were.
import assert from "node:assert/strict";

export function assertNone(problems, what) {
  if (problems.length === 0) return;
  const shown = problems
    .slice(0, 25)
    .map((p) => `  - ${p}`)
    .join("\n");
  assert.fail(`${problems.length} ${what}:\n${shown}${problems.length > 25 ? `\n  … and ${problems.length - 25} more` : ""}`);
}
