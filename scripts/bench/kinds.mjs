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
  const kinds = [
    { id: "bare", label: "bare Hono", config: path.join(benchWorkerDirs[0], "wrangler.toml"), path: "/", readyPath: "/", expectedStatus: 200 },
  ];
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
  kinds.push({
    id: "ingest",
    label: "POST /in/:sourceId",
    config: gatewayConfig,
    path: `/in/${sourceId}`,
    readyPath: "/healthz",
    expectedStatus: 202,
    // Only the gateway needs state: the D1 schema and the source in KV.
    seed: true,
  });
  return kinds;
}

/** A ratio means nothing if the Workers ran with different runtime behaviour. */
export function assertSameCompatibilityDate(kinds) {
  const dates = new Map(kinds.map((kind) => [kind.id, unstable_readConfig({ config: kind.config }).compatibility_date]));
  if (new Set(dates.values()).size > 1) {
    throw new Error(`compatibility_date differs between the bench's Workers (${JSON.stringify(Object.fromEntries(dates))}); align them.`);
  }
}
