// Which gateway code the bench measures: the working tree, as a developer has it.
// wrangler dev watches its sources, so an edit to src/ during a run reloads the
// Worker; the bench warns when it sees a reload (scripts/bench/cases.mjs).
import { spawnSync } from "node:child_process";
import { root } from "../wrangler-env.mjs";

function git(args) {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** The directory holding the gateway's wrangler.toml, src/ and migrations/, and a line that says what code that is. */
export function gatewayTree() {
  let description = "working tree";
  try {
    const head = git(["rev-parse", "--short", "HEAD"]);
    const dirty = git(["status", "--porcelain", "--", "src", "migrations", "wrangler.toml", "package.json"]) !== "";
    description = `working tree at ${head}${dirty ? " with uncommitted changes to src/, migrations/, wrangler.toml or package.json" : ""}`;
  } catch {
    // not a git checkout: the description stays generic
  }
  return { dir: root, description };
}
