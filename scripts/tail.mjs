// `npm run tail`: Switchboard's JSON logs, one readable line per record, filtered.
// From stdin (`npm run dev 2>&1 | npm run tail -- --slow 500`) or, given a worker
// name, from `wrangler tail <worker> --format json` (production; needs
// CLOUDFLARE_API_TOKEN or a `wrangler login`). See docs/logging.md.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs, recordFilter, usage } from "./tail/filter.mjs";
import { formatRecord } from "./tail/format.mjs";
import { createRecordReader } from "./tail/records.mjs";
import { root, wranglerEnv } from "./wrangler-env.mjs";

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${error.message}\n\n${usage}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage);
  process.exit(0);
}

const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
const keep = recordFilter(options);
const reader = createRecordReader();

/** @type {import("node:stream").Readable} */
let input = process.stdin;
let child;
if (options.worker) {
  if (!process.env.CLOUDFLARE_API_TOKEN) {
    console.error("note: CLOUDFLARE_API_TOKEN is not set; wrangler tail will use a `wrangler login` session if there is one.");
  }
  // Not the no-network env of local runs: tailing needs Cloudflare's API.
  const { WRANGLER_SEND_METRICS, WRANGLER_HIDE_BANNER, WRANGLER_LOG_PATH } = wranglerEnv;
  child = spawn(path.join(root, "node_modules", ".bin", "wrangler"), ["tail", options.worker, "--format", "json"], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS, WRANGLER_HIDE_BANNER, WRANGLER_LOG_PATH },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.on("exit", (code) => process.exit(code ?? 0));
  input = child.stdout;
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
}

// A closed pipe (`| head`) ends the tail quietly.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

for await (const line of createInterface({ input, crlfDelay: Infinity })) {
  for (const record of reader.push(line)) {
    if (!keep(record)) continue;
    process.stdout.write(`${options.json ? JSON.stringify(record) : formatRecord(record, { color, slowMs: options.slow ?? 1000 })}\n`);
  }
}
