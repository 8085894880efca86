// Starts what the browser tests look at, the way `npm start` does, but isolated:
// the CRM fakes on ephemeral ports, D1 migrations and `wrangler dev` on a temporary
// --persist-to directory and a free port, with the tokens passed as --var.
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadFakes } from "../../../scripts/fakes.mjs";
import { freePort } from "../../../scripts/lib/free-port.mjs";
import { startWranglerDev, waitForHttp, wrangler } from "../../../scripts/wrangler-env.mjs";

/**
 * @returns {Promise<{ base: string, tokens: { admin: string, read: string }, fakes: Record<string, { origin: string, url: string, credentials: Record<string, string> }>, log: () => string, stop: () => Promise<void> }>}
 */
export async function startGateway() {
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-browser-"));
  // The gateway refuses tokens under 32 characters (src/admin/token-policy.ts).
  const tokens = { admin: `admin-${randomBytes(24).toString("base64url")}`, read: `read-${randomBytes(24).toString("base64url")}` };
  const { startFakes } = await loadFakes();
  const fakes = await startFakes();
  let gateway;
  const logFile = path.join(dir, "wrangler.log");
  const stop = async () => {
    gateway?.stop();
    await fakes.stop();
    // workerd may still hold files for a moment after the signal.
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const persistTo = path.join(dir, "state");
    wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { quiet: true });
    const port = await freePort();
    gateway = startWranglerDev({
      port,
      persistTo,
      vars: {
        ADMIN_TOKEN: tokens.admin,
        ADMIN_READ_TOKEN: tokens.read,
        CONFIG_KEY: "browser-test-config-key-0123456789abcdef",
        ALLOW_HTTP_DESTINATIONS: "true",
        // The overview's verification-failure count must not wait for the 10 s window.
        VERIFY_FAILURE_FLUSH_MS: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = createWriteStream(logFile);
    gateway.child.stdout.pipe(out);
    gateway.child.stderr.pipe(out);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, 120_000);
    return { base, tokens, fakes: fakes.fakes, log: () => readFileSync(logFile, "utf8"), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
