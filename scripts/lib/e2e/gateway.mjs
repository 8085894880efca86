// The gateway as a real process: `wrangler dev` on 127.0.0.1 with its own persist
// directory, started, stopped and restarted by process group (wrangler leaves its
// workerd processes behind otherwise). Its output goes to a log file, which the
// suite reads afterwards (the sweeper's lines) and keeps for post-mortems.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { startWranglerDev, waitForHttp, wrangler } from "../../wrangler-env.mjs";
import { freePort } from "../free-port.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh persist directory with the D1 migrations applied, as `npm run dev` does for its own. */
export function freshState(persistTo) {
  rmSync(persistTo, { recursive: true, force: true });
  mkdirSync(persistTo, { recursive: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { quiet: true });
}

/**
 * @param {{ port: number, persistTo: string, vars: Record<string,string>, logFile: string }} options
 */
export function gatewayProcess({ port, persistTo, vars, logFile }) {
  const base = `http://127.0.0.1:${port}`;
  let current;
  let starts = 0;

  async function start() {
    starts += 1;
    const fd = openSync(logFile, "a");
    writeSync(fd, `\n===== e2e: wrangler dev start #${starts} at ${new Date().toISOString()} =====\n`);
    // --test-scheduled: the suite plays the cron (the sweeper) through /__scheduled.
    // A free inspector port: wrangler's default (9229) may be taken by another
    // wrangler dev on the machine, and workerd then exits at start.
    const inspectorPort = await freePort();
    const gateway = startWranglerDev({
      port,
      persistTo,
      vars,
      stdio: ["ignore", fd, fd],
      args: ["--test-scheduled", "--inspector-port", String(inspectorPort)],
    });
    closeSync(fd);
    current = gateway;
    const exited = new Promise((resolve) => gateway.child.once("exit", (code, signal) => resolve({ code, signal })));
    gateway.exited = exited;
    const early = exited.then(({ code, signal }) => {
      throw new Error(`wrangler dev exited during startup (code ${code}, signal ${signal}); see ${logFile}`);
    });
    await Promise.race([waitForHttp(`${base}/healthz`, 120_000), early]);
    early.catch(() => {});
  }

  /** Ends the whole process group, SIGKILL if it lingers; resolves when it is gone. */
  async function stop() {
    const gateway = current;
    current = undefined;
    if (!gateway) return;
    const pgid = gateway.child.pid;
    gateway.stop();
    const deadline = Date.now() + 10_000;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      while (groupAlive(pgid)) await sleep(100);
    }
  }

  /** Synchronous last resort for process exit handlers: no awaiting there. */
  function killNow() {
    if (!current) return;
    try {
      process.kill(-current.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Runs the Worker's `scheduled` handler (the sweeper and retention), as the every-minute cron would. */
  async function cron() {
    const response = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    if (!response.ok) throw new Error(`/__scheduled answered ${response.status}: ${await response.text()}`);
  }

  // pid: wrangler's, which leads its process group (the soak reads the group's memory).
  return {
    base,
    start,
    stop,
    killNow,
    cron,
    get starts() {
      return starts;
    },
    get pid() {
      return current?.child.pid;
    },
  };
}
