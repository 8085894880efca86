// Loads the gateway's TypeScript sources into Node by bundling them with esbuild
// into .wrangler/<folder>/ (Node cannot import the TypeScript sources directly, and
// the tools must not run a copy): src/config/offline.ts — the gateway's own schemas
// and checks — for the config CLI, scripts/contract/check.ts for the contract check.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Bundles `entry` (relative to the repository) and imports it. */
export async function loadBundled(entry, folder) {
  const outDir = path.join(root, ".wrangler", folder);
  mkdirSync(outDir, { recursive: true });
  // One file per process: two runs at once never import a half-written bundle.
  const outfile = path.join(outDir, `${path.basename(entry, ".ts")}-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "warning",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** The offline module: checkOffline, diffDocuments, describeSummary, isEmptySummary. */
export function loadOffline() {
  return loadBundled("src/config/offline.ts", "config-cli");
}
