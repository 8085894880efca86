// What one bench run does, from the environment. Four switches, all optional:
//   BENCH_SECONDS (10)        seconds of load per case; also the e2e latency phase
//   BENCH_CONNECTIONS (2,16)  connection counts of the ingest cases (goals are at 16)
//   BENCH_PARTS (ingest,inspector,miniflare,e2e)  which parts run
//   BENCH_DOC (1)             0: print the figures, leave docs/benchmarks.md alone
// Everything else is fixed here, so a run is described by its command line. Every loop
// the bench drives is bounded by these numbers, so a run always ends by itself.
function boundedNumber(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got '${raw}'.`);
  }
  return value;
}

function list(name, fallback) {
  return (process.env[name] || fallback)
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The switches a user sets; `commandLine()` in scripts/bench.mjs repeats the ones set. */
export const switchNames = ["BENCH_SECONDS", "BENCH_CONNECTIONS", "BENCH_PARTS", "BENCH_DOC"];

/**
 * The parts: "ingest" is the headline (wrangler dev with its DevTools inspector proxy
 * off), "inspector" the same Workers with the proxy on (wrangler dev as `npm run dev`
 * runs it), "miniflare" the same Workers through the Miniflare API, "e2e" webhook →
 * HubSpot fake (scripts/bench/e2e.mjs) under wrangler dev with the proxy off (and
 * through the Miniflare API when "miniflare" runs too).
 */
const partNames = ["ingest", "inspector", "miniflare", "e2e"];
const parts = list("BENCH_PARTS", partNames.join(","));
for (const part of parts) {
  if (!partNames.includes(part)) throw new Error(`BENCH_PARTS lists ${partNames.map((p) => `'${p}'`).join(", ")}, got '${part}'.`);
}
if (parts.length === 0) throw new Error("BENCH_PARTS left no part of the bench to run.");

/** The way each ingest part runs its Workers (scripts/bench/targets.mjs). */
const partModes = { ingest: "wrangler-dev", inspector: "wrangler-dev-inspector", miniflare: "miniflare" };

const connections = list("BENCH_CONNECTIONS", "2,16").map((raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`BENCH_CONNECTIONS lists whole numbers from 1 to 256, got '${raw}'.`);
  return n;
});

const seconds = boundedNumber("BENCH_SECONDS", 10, 1, 120);

export const settings = {
  /** Seconds of load per case (each target at each connection count). */
  seconds,
  /**
   * Each case's seconds are cut into this many slices, and the Workers of a comparison
   * take turns slice by slice: noise from other work on the machine then falls on
   * all sides of a ratio instead of on whichever ran while it lasted. At least one
   * second per slice: in shorter ones, connection set-up would weigh in.
   */
  rounds: Math.max(1, Math.min(5, Math.floor(seconds))),
  /** Seconds of load before the measured cases, so JIT and caches are warm for every target. */
  warmupSeconds: 2,
  connections,
  /** The ingest ways this run measures, headline first. */
  modes: parts.filter((part) => part in partModes).map((part) => partModes[part]),
  /** How long the durability check waits for accepted events to reach D1 before failing. */
  flushTimeoutMs: 60_000,
  /** How long it then waits for the routing consumer (a warning, not a failure, if exceeded). */
  routedTimeoutMs: 15_000,
  /** A case fails when more than this share of its responses is not the expected status. */
  maxUnexpectedShare: 0.01,
  /** Write docs/benchmarks.md (BENCH_DOC=0: a trial run that only prints). */
  writeDoc: process.env.BENCH_DOC !== "0",
  /** The parts of the bench this run does (a run without "ingest" does not write the doc). */
  parts,
  /** End to end: webhook accepted → the HubSpot fake received the lead (scripts/bench/e2e.mjs). */
  e2e: {
    /** The ways it runs: the headline's, and the Miniflare API's when that part runs. */
    modes: parts.includes("miniflare") ? ["wrangler-dev", "miniflare"] : ["wrangler-dev"],
    /** Latency phase: leads per second, paced (open loop), for this many seconds. */
    rate: 50,
    seconds,
    /** Delivery-rate phase: this many leads, sent as fast as ingest takes them over `connections`. */
    burst: 5000,
    connections: 16,
    /** Leads sent (and waited for) before the phases, so caches, JIT and Durable Objects are warm. */
    warmup: 20,
    /** Longest wait, after a phase's last send, for its leads to be delivered (or settle otherwise). */
    drainTimeoutMs: 300_000,
    /** Longest a single sending phase may take, whatever the gateway's pace. */
    sendTimeoutMs: 600_000,
    /** The HubSpot fake's limit: HubSpot's private-app burst limit. */
    hubspotLimit: { requests: 190, perMs: 10_000 },
  },
};

/** Issue 3's targets for the end-to-end part (locally). */
export const e2eTargets = { p50Ms: 1500, leadsPerSecond: 500 };

/**
 * The goals at 16 connections, for the headline way (wrangler dev, inspector proxy
 * off): the gateway's req/s over the bare Worker's, and over the naive per-request path's.
 */
export const targets = { bare: 0.5, naive: 2 };
