// A Worker run through the Miniflare API directly: one workerd, no wrangler proxy, no
// per-request log line from wrangler. The bindings come from the Worker's own
// wrangler.toml (unstable_getMiniflareWorkerOptions); the code is the bundle
// `wrangler deploy --dry-run` made, since Miniflare does not compile TypeScript.
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { onCleanup } from "./cleanup.mjs";
import { workerdChildrenOf } from "./processes.mjs";
import { seedMiniflare } from "./seed.mjs";

/**
 * Starts `scriptPath` with the bindings of `config` and state under `persistRoot`.
 * With `seed`, the migrations next to `config` and the bench config (`stored`, the
 * ingest bench's by default) are put in place before it takes load. `vars` override
 * the config's [vars]; `log` is a Miniflare Log (its local queue broker reports each
 * consumer batch there); `withoutAssets` leaves the config's [assets] out.
 */
/**
 * @param {{ name: string, config: string, scriptPath: string, persistRoot: string, seed?: boolean, stored?: any,
 *   vars?: Record<string, string>, log?: unknown, inspectorPort?: number, withoutAssets?: boolean, afterSeed?: string[] }} options
 */
export async function startMiniflareTarget({
  name,
  config,
  scriptPath,
  persistRoot,
  seed,
  stored,
  vars = {},
  log,
  inspectorPort,
  withoutAssets = false,
  afterSeed = [],
}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // Without [assets], Miniflare routes requests straight to the Worker instead of
  // through its asset router and RPC proxy Workers.
  if (withoutAssets) delete workerOptions.assets;
  const before = new Set(workerdChildrenOf(process.pid));
  const errorLines = [];
  // The gateway logs one JSON line per event; its error lines (a failed flush, a
  // failed accept) and workerd's own errors are kept to be reported, the rest counted.
  let logLines = 0;
  const scanner = () => {
    let pending = "";
    return (chunk) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        logLines += 1;
        if (line.includes('"level":"error"') || (/\berror\b/.test(line) && !line.startsWith("{"))) errorLines.push(line);
      }
    };
  };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    logRequests: false,
    // `npm run bench:profile` attaches a CPU profiler through it.
    ...(inspectorPort ? { inspectorPort } : {}),
    // On disk, like wrangler dev: the Durable Object's accept must wait for a real write.
    defaultPersistRoot: persistRoot,
    // workerd still writes every log line (a real cost of the gateway); we read them here.
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", scanner());
      stderr.on("data", scanner());
    },
    ...(log ? { log } : {}),
    workers: [
      {
        ...workerOptions,
        bindings: { ...workerOptions.bindings, ...vars },
        name,
        modules: true,
        scriptPath,
      },
    ],
  });
  let pids = [];
  // On a signal: kill our workerd before the state directory is removed under it.
  const killNow = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const stop = onCleanup(`miniflare ${name}`, () => mf.dispose(), killNow);
  try {
    const url = await mf.ready;
    pids = workerdChildrenOf(process.pid).filter((pid) => !before.has(pid));
    if (seed) await seedMiniflare(mf, path.join(path.dirname(config), "migrations"), stored, afterSeed);
    return {
      baseUrl: url.origin,
      pids: () => pids,
      cpuPids: () => pids,
      db: seed ? await mf.getD1Database("DB") : undefined,
      logLines: () => logLines,
      errorLines: () => errorLines,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
