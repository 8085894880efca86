// Loads src/config/offline.ts — the gateway's own schemas and checks — into Node by
// bundling it with esbuild into .wrangler/config-cli/ (Node cannot import the
// TypeScript sources directly, and the CLI must not validate with a copy).
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The offline module: checkOffline, diffDocuments, describeSummary, isEmptySummary. */
export async function loadOffline() {
  const outDir = path.join(root, ".wrangler", "config-cli");
  mkdirSync(outDir, { recursive: true });
  // One file per process: two CLI runs at once never import a half-written bundle.
  const outfile = path.join(outDir, `offline-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(root, "src", "config", "offline.ts")],
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
