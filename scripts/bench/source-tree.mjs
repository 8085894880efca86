// Which gateway code the bench measures. By default the working tree, as a developer
// has it. BENCH_REF=<commit> measures a commit instead, extracted with `git archive`
// into the run directory: a fixed snapshot that edits made elsewhere in src/ during
// the run can neither break nor reload (wrangler dev watches its sources).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { root } from "../wrangler-env.mjs";

function git(args) {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * Returns the directory holding the gateway's wrangler.toml, src/ and migrations/, and
 * a line that says what code that is. A snapshot lives under `runDir`, inside the
 * project, so its imports still resolve to the project's node_modules.
 */
export function gatewayTree(runDir) {
  const ref = process.env.BENCH_REF;
  if (!ref) {
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
  const commit = git(["rev-parse", "--verify", `${ref}^{commit}`]);
  const dir = path.join(runDir, "tree");
  mkdirSync(dir, { recursive: true });
  const tar = path.join(runDir, "tree.tar");
  git(["archive", "--format=tar", "-o", tar, commit]);
  const untar = spawnSync("tar", ["-xf", tar, "-C", dir], { encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`tar -xf ${tar} failed: ${untar.stderr}`);
  // Static assets that `npm install` generates into public/ (git-ignored, so not in the
  // archive) are needed by [assets] in wrangler.toml; the snapshot's own files win.
  const assets = path.join(root, "public");
  if (existsSync(assets)) cpSync(assets, path.join(dir, "public"), { recursive: true, force: false });
  return { dir, description: `commit ${commit.slice(0, 7)} (BENCH_REF=${ref})` };
}
