// What one bench run does, from the environment. Every loop the bench drives is
// bounded by these numbers, so a run always ends by itself.
function boundedNumber(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got '${raw}'.`);
  }
  return value;
}

const modes = (process.env.BENCH_MODES ?? "miniflare,wrangler-dev")
  .split(",")
  .map((m) => m.trim())
  .filter(Boolean);
for (const mode of modes) {
  if (mode !== "miniflare" && mode !== "wrangler-dev") {
    throw new Error(`BENCH_MODES lists 'miniflare' and/or 'wrangler-dev', got '${mode}'.`);
  }
}

const seconds = boundedNumber("BENCH_SECONDS", 10, 1, 120);

/**
 * Which parts run: "ingest" (ingest vs bare Hono, scripts/bench/cases.mjs) and "e2e"
 * (webhook → HubSpot fake, scripts/bench/e2e.mjs). BENCH_E2E=0 drops "e2e".
 */
const partNames = ["ingest", "e2e"];
const parts = (process.env.BENCH_PARTS ?? partNames.join(","))
  .split(",")
  .map((p) => p.trim())
  .filter(Boolean);
for (const part of parts) {
  if (!partNames.includes(part)) throw new Error(`BENCH_PARTS lists ${partNames.map((p) => `'${p}'`).join(" and/or ")}, got '${part}'.`);
}
if (process.env.BENCH_E2E === "0" && parts.includes("e2e")) parts.splice(parts.indexOf("e2e"), 1);
if (parts.length === 0) throw new Error("nothing to run: BENCH_PARTS / BENCH_E2E=0 left no part of the bench.");

export const settings = {
  /** Seconds of load per case (each target at each connection count). */
  seconds,
  /**
   * Each case's seconds are cut into this many slices, and the Workers of a comparison
   * take turns slice by slice: noise from other work on the machine then falls on
   * both sides of a ratio instead of on whichever ran while it lasted. At least one
   * second per slice: in shorter ones, connection set-up would weigh in.
   */
  rounds: Math.min(boundedNumber("BENCH_ROUNDS", 5, 1, 20), Math.floor(seconds)),
  /** Seconds of load before the measured cases, so JIT and caches are warm for both targets. */
  warmupSeconds: boundedNumber("BENCH_WARMUP_SECONDS", 2, 0, 30),
  connections: [2, 16],
  modes,
  /** How long the durability check waits for accepted events to reach D1 before failing. */
  flushTimeoutMs: boundedNumber("BENCH_FLUSH_TIMEOUT_SECONDS", 60, 1, 600) * 1000,
  /** How long it then waits for the routing consumer (a warning, not a failure, if exceeded). */
  routedTimeoutMs: 15_000,
  /** A case fails when more than this share of its responses is not the expected status. */
  maxUnexpectedShare: 0.01,
  /**
   * Also run the bare Worker with one log line per request, to show what logging
   * costs (under wrangler dev, most of the gap to bare). BENCH_LOG_CONTROL=0 skips it.
   */
  logControl: process.env.BENCH_LOG_CONTROL !== "0",
  /** Keep the run's temporary directory (state, bundles, wrangler logs) for a post-mortem. */
  keepState: process.env.BENCH_KEEP === "1",
  /** Where docs/benchmarks.md goes; BENCH_DOC=0 skips writing it (for trial runs). */
  writeDoc: process.env.BENCH_DOC !== "0",
  /** The parts of the bench this run does (a run without "ingest" does not write the doc). */
  parts,
  /** End to end: webhook accepted → the HubSpot fake received the lead (scripts/bench/e2e.mjs). */
  e2e: {
    /** Latency phase: leads per second, paced (open loop), for this many seconds. */
    rate: boundedNumber("BENCH_E2E_RATE", 50, 1, 1000),
    seconds: boundedNumber("BENCH_E2E_SECONDS", 10, 1, 120),
    /** Delivery-rate phase: this many leads, sent as fast as ingest takes them over `connections`. */
    burst: boundedNumber("BENCH_E2E_BURST", 5000, 100, 50_000),
    connections: boundedNumber("BENCH_E2E_CONNECTIONS", 16, 1, 256),
    /** Leads sent (and waited for) before the phases, so caches, JIT and Durable Objects are warm. */
    warmup: boundedNumber("BENCH_E2E_WARMUP", 20, 0, 1000),
    /** Longest wait, after a phase's last send, for its leads to be delivered (or settle otherwise). */
    drainTimeoutMs: boundedNumber("BENCH_E2E_TIMEOUT_SECONDS", 300, 10, 1800) * 1000,
    /** Longest a single sending phase may take, whatever the gateway's pace. */
    sendTimeoutMs: 600_000,
    /**
     * Diagnostic, Miniflare API only: the deliveries queue's max_batch_size instead of
     * wrangler.toml's (unset: as configured). The report says when it was set.
     */
    deliveryBatchSize: process.env.BENCH_E2E_DELIVERY_BATCH_SIZE ? boundedNumber("BENCH_E2E_DELIVERY_BATCH_SIZE", 100, 1, 100) : undefined,
    /** The HubSpot fake's limit: HubSpot's private-app burst limit. */
    hubspotLimit: { requests: 190, perMs: 10_000 },
  },
};

/** Issue 3's targets for the end-to-end part (locally). */
export const e2eTargets = { p50Ms: 1500, leadsPerSecond: 500 };

/** The ratios the design asks for at 16 connections (ingest req/s over bare req/s). */
export const targets = { miniflare: 0.35, "wrangler-dev": 0.7 };
