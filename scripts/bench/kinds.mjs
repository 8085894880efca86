// The Workers one bench run compares, in the order they run. Every one is run each
// way (Miniflare API, wrangler dev) with the same signed requests.
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { root } from "../wrangler-env.mjs";
import { sourceId } from "./webhook.mjs";

const here = path.join(root, "scripts", "bench");

/** Folders of the bench's own Workers; wrangler leaves a .wrangler cache in each. */
export const benchWorkerDirs = [path.join(here, "bare-worker"), path.join(here, "bare-log-worker")];

/**
 * `gatewayConfig` is the wrangler.toml of the gateway code being measured;
 * `logControl` adds the bare Worker with one log line per request.
 */
export function benchKinds({ gatewayConfig, logControl }) {
  const kinds = [{ id: "bare", label: "bare Hono", config: path.join(benchWorkerDirs[0], "wrangler.toml"), path: "/", readyPath: "/", expectedStatus: 200 }];
  if (logControl) {
    kinds.push({
      id: "bare-log",
      label: "bare Hono + 1 log line",
      config: path.join(benchWorkerDirs[1], "wrangler.toml"),
      path: "/",
      readyPath: "/",
      expectedStatus: 200,
    });
  }
  const gateway = {
    config: gatewayConfig,
    path: `/in/${sourceId}`,
    readyPath: "/healthz",
    expectedStatus: 202,
    // Only the gateway needs state: the D1 schema and the source in KV.
    seed: true,
  };
  // The Worker alone, like the bare one: what the ratio targets are measured on.
  // Locally, a Worker with [assets] gets the platform's asset router and an RPC proxy
  // in front of it, two JavaScript Workers that run in the same workerd on every
  // request; on Cloudflare they run outside the Worker and are not its CPU time.
  kinds.push({ ...gateway, id: "ingest", label: "POST /in/:sourceId", withoutAssets: true });
  // The same bundle as `npm start` runs it, asset router included.
  kinds.push({ ...gateway, id: "ingest-assets", label: "POST /in/:sourceId + asset router", bundle: "ingest" });
  return kinds;
}

/** A ratio means nothing if the Workers ran with different runtime behaviour. */
export function assertSameCompatibilityDate(kinds) {
  const dates = new Map(kinds.map((kind) => [kind.id, unstable_readConfig({ config: kind.config }).compatibility_date]));
  if (new Set(dates.values()).size > 1) {
    throw new Error(`compatibility_date differs between the bench's Workers (${JSON.stringify(Object.fromEntries(dates))}); align them.`);
  }
}
