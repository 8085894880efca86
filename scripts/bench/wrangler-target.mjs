// A Worker run the way developers run it: `wrangler dev`, which puts a proxy workerd
// (that logs every request) in front of the Worker's workerd. Started in its own
// process group through scripts/wrangler-env.mjs, stopped as a group.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort } from "../lib/free-port.mjs";
import { startWranglerDev, waitForHttp } from "../wrangler-env.mjs";
import { onCleanup } from "./cleanup.mjs";
import { explorerD1 } from "./explorer-d1.mjs";
import { processesInGroup, workerdInGroup } from "./processes.mjs";
import { seedWrangler } from "./seed.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const graceMs = 10_000;
/**
 * Shorter on a signal: the load generator's connections may still be open (its event
 * loop is blocked in the handler), and wrangler dev waits for them before it exits.
 */
const signalGraceMs = 3_000;

function killGroup(pgid) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // gone between the check and the kill
  }
}

/** SIGTERM to the group (stop()), then SIGKILL to whatever of it is left after a grace period. */
async function stopGroup(pgid, stop) {
  stop();
  for (let waited = 0; waited < graceMs && processesInGroup(pgid).length > 0; waited += 100) await sleep(100);
  if (processesInGroup(pgid).length > 0) killGroup(pgid);
}

/** The same, blocking: for a signal handler, which cannot wait for promises. */
function stopGroupSync(pgid, stop) {
  stop();
  for (let waited = 0; waited < signalGraceMs && processesInGroup(pgid).length > 0; waited += 100) sleepSync(100);
  if (processesInGroup(pgid).length > 0) killGroup(pgid);
}

/**
 * `config` with its `[assets]` table cut out, written next to it (its relative paths
 * stay right) as `wrangler.bench-<name>.toml`; returns the file and its removal.
 */
function configWithoutAssets(config, name) {
  const lines = readFileSync(config, "utf8").split("\n");
  const kept = [];
  let inAssets = false;
  for (const line of lines) {
    const table = /^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$/.exec(line);
    if (table) inAssets = table[1].trim() === "assets";
    if (!inAssets) kept.push(line);
  }
  const file = path.join(path.dirname(config), `wrangler.bench-${name}.toml`);
  writeFileSync(file, kept.join("\n"));
  return { file, remove: () => rmSync(file, { force: true }) };
}

/**
 * Starts `wrangler dev --config <config> --persist-to <persistTo>`; with `seed`, the D1
 * migrations and the bench config (`stored`, the ingest bench's by default) are
 * written there first, as `npm run dev` would. `vars` become `--var` flags.
 * `withoutAssets` runs a copy of the config without its `[assets]` table; `afterSeed`
 * are SQL statements run on D1 after the migrations. `inspector: false` keeps
 * wrangler's DevTools inspector proxy out (scripts/bench/targets.mjs says how).
 */
export async function startWranglerTarget({
  name,
  config: givenConfig,
  persistTo,
  logFile,
  seed,
  readyPath,
  stored,
  vars = {},
  withoutAssets = false,
  afterSeed = [],
  inspector = true,
}) {
  const derived = withoutAssets ? configWithoutAssets(givenConfig, name) : undefined;
  if (derived) onCleanup(`config ${derived.file}`, derived.remove, derived.remove);
  const config = derived?.file ?? givenConfig;
  if (seed) seedWrangler(persistTo, config, stored, afterSeed);
  const port = await freePort();
  const log = openSync(logFile, "w");
  const env = inspector ? {} : { VSCODE_INSPECTOR_OPTIONS: "{}" };
  const { child, stop } = startWranglerDev({ port, config, persistTo, vars, env, stdio: ["ignore", log, log] });
  closeSync(log);
  const stopDev = onCleanup(
    `wrangler dev ${name}`,
    () => stopGroup(child.pid, stop),
    () => stopGroupSync(child.pid, stop),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}${readyPath}`, 90_000);
    return {
      baseUrl,
      pids: () => workerdInGroup(child.pid),
      /** wrangler, its workerd pair and esbuild: all of wrangler dev's CPU counts. */
      cpuPids: () => processesInGroup(child.pid),
      db: seed ? await explorerD1(baseUrl, "DB") : undefined,
      /** The gateway's error log lines (a failed flush, a failed accept). */
      errorLines: () =>
        readFileSync(logFile, "utf8")
          .split("\n")
          .filter((l) => l.includes('"level":"error"')),
      /** Lines wrangler printed that mean it rebuilt mid-run (someone edited src/). */
      reloads: () =>
        readFileSync(logFile, "utf8")
          .split("\n")
          .filter((l) => /reload|detected changes|updated and ready/i.test(l)),
      /** Everything wrangler printed so far (the e2e bench reads its queue batch lines). */
      logText: () => readFileSync(logFile, "utf8"),
      stop: stopDev,
    };
  } catch (error) {
    await stopDev();
    process.stderr.write(`wrangler dev ${name} did not start; its log ends:\n${readFileSync(logFile, "utf8").slice(-3000)}\n`);
    throw error;
  }
}
