// Starts one Worker one way. Every target answers the same small interface:
// baseUrl, pids() (its workerd), cpuPids() (all it runs), db (D1, the gateway only),
// errorLines(), reloads(), stop().
import { mkdirSync } from "node:fs";
import path from "node:path";
import { startMiniflareTarget } from "./miniflare-target.mjs";
import { startWranglerTarget } from "./wrangler-target.mjs";

/**
 * `bundles[kind.bundle ?? kind.id]` is the bundle the Miniflare API runs; wrangler dev
 * bundles itself. A kind may bring its own KV config (`stored`), `vars` and, for the
 * Miniflare API, a `log` (scripts/bench/e2e.mjs does, to deliver to a CRM fake).
 * `withoutAssets` runs the Worker without its [assets] (scripts/bench/kinds.mjs says why);
 * `afterSeed` are SQL statements run on D1 after the migrations.
 * Ways (`mode`): "miniflare" (the Miniflare API), "wrangler-dev" (its DevTools
 * inspector proxy off: the headline), "wrangler-dev-inspector" (as `npm run dev` runs).
 */
export async function startTarget({ mode, kind, runDir, bundles }) {
  const name = `${mode}-${kind.id}`;
  const state = path.join(runDir, name);
  mkdirSync(state, { recursive: true });
  if (mode === "miniflare") {
    const target = await startMiniflareTarget({
      name: kind.seed ? "switchboard" : `switchboard-bench-${kind.id}`,
      config: kind.config,
      scriptPath: bundles[kind.bundle ?? kind.id],
      persistRoot: state,
      seed: kind.seed === true,
      stored: kind.stored,
      vars: kind.vars,
      log: kind.log,
      withoutAssets: kind.withoutAssets === true,
      afterSeed: kind.afterSeed,
    });
    return { ...target, reloads: () => [] };
  }
  return startWranglerTarget({
    name,
    config: kind.config,
    persistTo: state,
    logFile: path.join(runDir, `${name}.log`),
    seed: kind.seed === true,
    readyPath: kind.readyPath,
    stored: kind.stored,
    vars: kind.vars,
    withoutAssets: kind.withoutAssets === true,
    afterSeed: kind.afterSeed,
    // wrangler skips its DevTools inspector proxy when VSCODE_INSPECTOR_OPTIONS is set
    // (it takes that for a VS Code debug terminal); no flag of wrangler dev 4.86 does.
    inspector: mode === "wrangler-dev-inspector",
  });
}
