// Turns what one end-to-end phase left behind (the sender's notes, the HubSpot fake's
// calls, the gateway's D1 rows, the local queue broker's batch lines) into figures.
// Pure: no I/O here.
import { percentile } from "../lib/load-sender.mjs";

const windowMs = 10_000;

function quantiles(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1),
  };
}

/** The most items of an ascending list of times that fall in any `span` ms (a sliding window). */
function mostInWindow(times, span) {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= span) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function countBy(items, key) {
  const out = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Batches the local queue broker reported, per queue: how many, how full, how long, how busy. */
export function summarizeQueues(batches, spanMs) {
  const byQueue = new Map();
  for (const b of batches) byQueue.set(b.queue, [...(byQueue.get(b.queue) ?? []), b]);
  return [...byQueue].map(([queue, list]) => {
    const busyMs = list.reduce((sum, b) => sum + b.ms, 0);
    const messages = list.reduce((sum, b) => sum + b.total, 0);
    return {
      queue,
      batches: list.length,
      messages,
      retried: list.reduce((sum, b) => sum + (b.total - b.acked), 0),
      meanSize: messages / list.length,
      fullBatches: list.filter((b) => b.total >= 100).length,
      ms: quantiles(list.map((b) => b.ms)),
      busyShare: spanMs > 0 ? busyMs / spanMs : undefined,
    };
  });
}

/**
 * One phase's figures. `sent`: the sender's results; `fake`: readFakeCalls();
 * `events`: D1 events rows by id; `attempts`: D1 attempts rows; `queueBatches`: the
 * broker's batch lines during the phase; `rateLimit`: the fake's limit.
 */
export function analyzePhase({ name, sent, sendStartedAt, sendEndedAt, drainedAt, lagMs, fake, events, attempts, queueBatches, rateLimit, cpu }) {
  const accepted = sent.filter((r) => r.status === 202);
  const emails = new Set(sent.map((r) => r.email));
  const eventIds = new Set(accepted.map((r) => r.eventId).filter(Boolean));
  const delivered = accepted.filter((r) => fake.deliveredAt.has(r.email));
  const deliveredTimes = delivered.map((r) => fake.deliveredAt.get(r.email)).sort((a, b) => a - b);
  const latency = quantiles(delivered.map((r) => fake.deliveredAt.get(r.email) - r.sentAt));

  // Where the time went, per lead, from the gateway's own timestamps (D1 events).
  const stage = (fn) =>
    quantiles(
      delivered.map((r) => {
        const row = events.get(r.eventId);
        return row ? fn(r, row, fake.deliveredAt.get(r.email)) : Number.NaN;
      }),
    );
  const stages = {
    toAccept: stage((r, row) => row.received_at - r.sentAt),
    toD1: stage((_r, row) => row.stored_at - row.received_at),
    toRouted: stage((_r, row) => (row.decided_at ?? Number.NaN) - row.stored_at),
    toHubspot: stage((_r, row, at) => at - (row.decided_at ?? Number.NaN)),
  };

  // The phase's HubSpot calls: those carrying any of its leads.
  const calls = fake.calls.filter((c) => c.emails.some((e) => emails.has(e)));
  const through = calls.filter((c) => !c.limited);
  const leadsPerCall = quantiles(through.map((c) => c.emails.length));
  const first = deliveredTimes[0];
  const last = deliveredTimes.at(-1);
  const spanMs = last - first;
  const afterSends = deliveredTimes.filter((t) => t > sendEndedAt).length;
  const phaseAttempts = attempts.filter((a) => eventIds.has(a.event_id));
  const sendSeconds = (sendEndedAt - sendStartedAt) / 1000;

  return {
    name,
    sent: sent.length,
    accepted: accepted.length,
    answers: countBy(sent, (r) => (r.status === undefined ? `error: ${r.error}` : String(r.status))),
    sendSeconds,
    acceptedPerSecond: sendSeconds > 0 ? accepted.length / sendSeconds : undefined,
    lagMs,
    delivered: delivered.length,
    /** Leads HubSpot got more than once (at-least-once delivery repeating a call). */
    duplicates: (() => {
      const carried = through.flatMap((c) => c.emails).filter((e) => emails.has(e));
      return carried.length - new Set(carried).size;
    })(),
    eventStatuses: countBy(
      [...eventIds].map((id) => events.get(id)),
      (row) => row?.status ?? "not in D1",
    ),
    latency,
    stages,
    rate: {
      /** Delivered leads per second, from the first lead delivered to the last. */
      firstToLast: delivered.length > 1 && spanMs > 0 ? delivered.length / (spanMs / 1000) : undefined,
      /** From the first webhook sent to the last lead delivered: what a sender sees. */
      sentToLast: delivered.length > 0 ? delivered.length / ((last - sendStartedAt) / 1000) : undefined,
      /** The busiest 10 s (HubSpot's window); only when delivery lasted that long. */
      peak10s: spanMs >= windowMs ? mostInWindow(deliveredTimes, windowMs) / (windowMs / 1000) : undefined,
      /** Leads delivered after the last send was answered, per second: the backlog draining with no ingest competing. */
      drain: afterSends > 0 && last > sendEndedAt ? afterSends / ((last - sendEndedAt) / 1000) : undefined,
      afterSends,
      spanMs,
    },
    calls: {
      total: calls.length,
      through: through.length,
      limited: calls.length - through.length,
      leadsPerCall: { ...leadsPerCall, mean: through.length ? through.reduce((s, c) => s + c.emails.length, 0) / through.length : undefined },
      mostIn10s: mostInWindow(
        through.map((c) => c.at),
        windowMs,
      ),
      limit: rateLimit.requests,
    },
    gateway429Attempts: phaseAttempts.filter((a) => a.http_status === 429).length,
    gatewayAttempts: countBy(phaseAttempts, (a) => `${a.outcome}${a.http_status ? ` ${a.http_status}` : ""}`),
    queues: summarizeQueues(queueBatches, (drainedAt ?? Date.now()) - sendStartedAt),
    cpu,
  };
}

/**
 * What held the delivery rate down, from a burst phase's figures: the HubSpot limit
 * (calls near 190 per 10 s; then leads per call decide the rate), ingest (delivery
 * kept pace with the accepted rate), small batches, or the gateway between the two.
 */
export function limitingFactor(phase) {
  const { calls, rate } = phase;
  const mean = calls.leadsPerCall.mean ?? 0;
  if (calls.limited > 0 || calls.mostIn10s >= 0.9 * calls.limit) {
    return (
      `the HubSpot limit: up to ${calls.mostIn10s} calls let through in 10 s (limit ${calls.limit}), ${calls.limited} answered 429, ` +
      `carrying ${mean.toFixed(1)} leads per call on average (100 possible)`
    );
  }
  if (rate.firstToLast !== undefined && phase.acceptedPerSecond !== undefined && rate.firstToLast >= 0.8 * phase.acceptedPerSecond) {
    return `ingest: delivery kept pace with the ${Math.round(phase.acceptedPerSecond)} webhooks/s accepted (${mean.toFixed(1)} leads per call, ${calls.mostIn10s} of ${calls.limit} calls per 10 s used)`;
  }
  if (mean < 50) return `small batches: ${mean.toFixed(1)} leads per HubSpot call on average, at most ${calls.mostIn10s} calls in 10 s (limit ${calls.limit})`;
  return `the gateway between ingest and HubSpot (routing, the deliveries consumer): ${mean.toFixed(1)} leads per call, at most ${calls.mostIn10s} of ${calls.limit} calls per 10 s used`;
}
