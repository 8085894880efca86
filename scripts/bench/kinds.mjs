// The Workers one bench run compares, in the order they run. Every one gets the same
// signed requests, in every way it is run (scripts/bench/targets.mjs).
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { root } from "../wrangler-env.mjs";
import { benchSecret, sourceId } from "./webhook.mjs";

const here = path.join(root, "scripts", "bench");

/** Folders of the bench's own Workers; wrangler leaves a .wrangler cache in each. */
export const benchWorkerDirs = [path.join(here, "bare-worker"), path.join(here, "naive-worker")];

/** The triggers of migrations/0009 that count events and deliveries into `metric_counts`. */
const metricTriggers = ["metric_events_insert", "metric_events_status", "metric_deliveries_insert", "metric_deliveries_status", "metric_webhook_to_crm"];

/**
 * `gatewayConfig` is the wrangler.toml of the gateway code being measured. With
 * `withTriggerControl`, the gateway also runs a second time with the metric triggers
 * dropped after the migrations, to show what they cost at ingest.
 */
export function benchKinds({ gatewayConfig, withTriggerControl }) {
  /** @type {Record<string, any>[]} Kinds differ in which options they set. */
  const kinds = [
    // The least a Hono Worker can do on the same runtime: read the body, answer 200.
    { id: "bare", label: "bare Hono", config: path.join(benchWorkerDirs[0], "wrangler.toml"), path: "/", readyPath: "/", expectedStatus: 200 },
    // The obvious per-request ingest: Durable Object call, D1 insert, queue send.
    {
      id: "naive",
      label: "naive per-request path",
      config: path.join(benchWorkerDirs[1], "wrangler.toml"),
      path: `/in/${sourceId}`,
      readyPath: "/",
      expectedStatus: 202,
      vars: { SIGNING_SECRET: benchSecret() },
    },
  ];
  const gateway = {
    config: gatewayConfig,
    path: `/in/${sourceId}`,
    readyPath: "/healthz",
    expectedStatus: 202,
    // Only the gateway needs state: the D1 schema and the source in KV.
    seed: true,
    // Locally, a Worker with [assets] gets the platform's asset router and an RPC proxy
    // in front of it, two JavaScript Workers that run in the same workerd on every
    // request; on Cloudflare they run outside the Worker and are not its CPU time.
    // So the gateway runs as the bare Worker does: alone.
    withoutAssets: true,
  };
  kinds.push({ ...gateway, id: "ingest", label: "gateway POST /in/:sourceId" });
  if (withTriggerControl) {
    kinds.push({
      ...gateway,
      id: "ingest-no-triggers",
      label: "gateway without metric triggers",
      bundle: "ingest",
      afterSeed: metricTriggers.map((name) => `DROP TRIGGER IF EXISTS ${name}`),
    });
  }
  return kinds;
}

/** A ratio means nothing if the Workers ran with different runtime behaviour. */
export function assertSameCompatibilityDate(kinds) {
  const dates = new Map(kinds.map((kind) => [kind.id, unstable_readConfig({ config: kind.config }).compatibility_date]));
  if (new Set(dates.values()).size > 1) {
    throw new Error(`compatibility_date differs between the bench's Workers (${JSON.stringify(Object.fromEntries(dates))}); align them.`);
  }
}
