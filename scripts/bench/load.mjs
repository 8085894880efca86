// Drives one slice of load with autocannon and merges slices into the figures the
// report shows. Targets are 127.0.0.1 only; the duration bounds every slice.
import autocannon from "autocannon";
import { percentile } from "../lib/load-sender.mjs";
import { signedRequest } from "./webhook.mjs";

/**
 * Runs `connections` keep-alive connections against `baseUrl + path` for `seconds`.
 * `onAccepted(id)` gets the event id of every 202 (for the durability check).
 */
export async function runLoad({ baseUrl, path, connections, seconds, onAccepted }) {
  const url = new URL(baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`the bench only loads 127.0.0.1, not ${url.hostname}`);
  const instance = autocannon({
    url: url.origin,
    connections,
    pipelining: 1,
    duration: seconds,
    // A webhook sender waits for each answer; no request should take this long.
    timeout: 30,
    requests: [signedRequest(path, onAccepted)],
  });
  // autocannon's own percentiles are whole milliseconds (its histogram stores
  // integers), too coarse for sub-millisecond answers: keep every latency instead.
  const latencies = [];
  instance.on("response", (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  const result = await instance;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count]));
  return {
    seconds: result.duration,
    latencies,
    statuses,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    endedAt: Date.now(),
  };
}

/** One case's figures from its slices: req/s over their summed time, exact p50/p99. */
export function mergeSlices(slices) {
  const statuses = {};
  for (const slice of slices) {
    for (const [code, n] of Object.entries(slice.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  }
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const responses = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const total = (field) => slices.reduce((sum, s) => sum + s[field], 0);
  return {
    seconds,
    responses,
    rps: seconds > 0 ? responses / seconds : 0,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    statuses,
    non2xx: total("non2xx"),
    errors: total("errors"),
    timeouts: total("timeouts"),
  };
}
