// Shared by the dev tooling: how to run wrangler here (no account, no network).
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "node_modules", ".bin", "wrangler");

/** Environment for every wrangler run: no telemetry, no update checks, no cf.json fetch. */
export const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_LOG_PATH: path.join(root, ".wrangler", "logs"),
};

/** Runs wrangler to completion; throws with its output when it fails. */
export function wrangler(args, { quiet = false } = {}) {
  const result = spawnSync(bin, args, { cwd: root, env: wranglerEnv, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
  if (!quiet) process.stdout.write(result.stdout);
  return result.stdout;
}

/**
 * Starts `wrangler dev` in its own process group, so that stopping it also stops the
 * two workerd processes it starts (killing only wrangler leaves them running).
 * `env` adds environment variables for wrangler.
 * @param {{ port?: number, vars?: Record<string, string>, persistTo?: string, config?: string,
 *   stdio?: import("node:child_process").StdioOptions, args?: string[], env?: Record<string, string> }} [options]
 */
export function startWranglerDev({ port, vars = {}, persistTo, config, stdio = "inherit", args: extra = [], env = {} } = {}) {
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
  // Further flags, e.g. --test-scheduled: the e2e suite runs the sweeper cron through
  // /__scheduled, since local dev never fires crons by itself.
  args.push(...extra);
  // Another Worker than the gateway (the bench's bare baseline has its own config).
  if (config) args.push("--config", config);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  if (persistTo) args.push("--persist-to", persistTo);
  const child = spawn(bin, args, { cwd: root, env: { ...wranglerEnv, ...env }, stdio, detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  return { child, stop };
}

/** Resolves once `url` answers, or rejects after `timeoutMs`. */
export async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Local dev never fires cron triggers, so the sweeper (which re-sends work a reload
 * or restart of wrangler dev dropped), retention and the alert rules would never
 * run. With `--test-scheduled`, this calls the Worker's scheduled handler through
 * /__scheduled every `intervalMs` instead. Returns a function that stops it.
 */
export function runCronLocally(base, intervalMs = 60_000) {
  const timer = setInterval(() => {
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
