// Bundles a Worker the way `wrangler deploy` would, without an account: the Miniflare
// API runs these bundles (it does not compile TypeScript), and the minified one is
// the size a deploy uploads.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { wrangler } from "../wrangler-env.mjs";

/**
 * Returns the bundled entry module's path and wrangler's own "Total Upload" line.
 * `outdir` must be absolute (wrangler resolves a relative one against the config).
 */
export function bundleWorker({ config, outdir, minify }) {
  const args = ["deploy", "--dry-run", "--config", config, "--outdir", outdir];
  if (minify) args.push("--minify");
  const output = wrangler(args, { quiet: true });
  const upload = /Total Upload:\s*(.+)$/m.exec(output)?.[1]?.trim();
  return { file: path.join(outdir, "index.js"), upload };
}

/** Size of a bundle and of its gzip (what Cloudflare's upload limit counts). */
export function bundleSize(file) {
  return { bytes: statSync(file).size, gzipBytes: gzipSync(readFileSync(file), { level: 9 }).byteLength };
}
