// The end-to-end part's tables, for stdout and docs/benchmarks.md. Formatting only.
import { hubspotRate } from "./e2e-config.mjs";
import { modeLabels } from "./report.mjs";
import { e2eTargets } from "./settings.mjs";

const int = (n) => (n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));
const one = (n) => (n === undefined ? "–" : n.toFixed(1));
const pct = (n) => (n === undefined ? "–" : `${Math.round(n * 100)}%`);
const msPair = (q) => `${int(q.p50)} / ${int(q.p99)}`;

function resultRows(results) {
  return results.flatMap((r) =>
    r.phases.map((p) => [
      modeLabels[r.mode],
      p.name,
      `${int(p.accepted)} / ${int(p.sent)}`,
      int(p.acceptedPerSecond),
      int(p.delivered),
      int(p.latency.p50),
      int(p.latency.p90),
      int(p.latency.p99),
      int(p.latency.max),
      int(p.rate.firstToLast),
      int(p.rate.peak10s),
      int(p.rate.drain),
      `${int(p.calls.through)} (+${int(p.calls.limited)} × 429)`,
      one(p.calls.leadsPerCall.mean),
      `${int(p.calls.mostIn10s)} / ${p.calls.limit}`,
      (p.cpu.targetSeconds / p.cpu.wallSeconds).toFixed(2),
    ]),
  );
}
const resultHeader = [
  "way",
  "phase",
  "accepted / sent",
  "accepted/s",
  "delivered",
  "p50 ms",
  "p90 ms",
  "p99 ms",
  "max ms",
  "delivered/s first→last",
  "delivered/s best 10 s",
  "delivered/s after sends",
  "HubSpot calls",
  "leads/call",
  "most calls in 10 s / limit",
  "gateway CPU cores",
];

function stageRows(results) {
  return results.flatMap((r) =>
    r.phases.map((p) => [
      modeLabels[r.mode],
      p.name,
      msPair(p.stages.toAccept),
      msPair(p.stages.toD1),
      msPair(p.stages.toRouted),
      msPair(p.stages.toHubspot),
      msPair(p.latency),
    ]),
  );
}
const stageHeader = [
  "way",
  "phase",
  "sent → accepted",
  "accepted → in D1 (inbox flush)",
  "in D1 → routed (routing queue)",
  "routed → HubSpot got it (deliveries queue, limiter, call)",
  "total",
];

function queueRows(results) {
  return results.flatMap((r) =>
    r.phases.flatMap((p) =>
      p.queues.map((q) => [
        modeLabels[r.mode],
        p.name,
        q.queue,
        int(q.batches),
        one(q.meanSize),
        `${int(q.fullBatches)}`,
        int(q.retried),
        `${int(q.ms.p50)} / ${int(q.ms.p99)}`,
        pct(q.busyShare),
      ]),
    ),
  );
}
const queueHeader = ["way", "phase", "queue", "batches", "messages/batch", "full (100)", "retried", "batch ms p50 / p99", "busy"];

function settingsLines(results) {
  return results.map((r) => {
    const queues = r.gateway.queues.map((q) => `${q.queue} max_batch_size ${q.maxBatchSize}, max_batch_timeout ${q.maxBatchTimeout} s`).join("; ");
    return `${modeLabels[r.mode]}: INBOX_FLUSH_DELAY_MS ${r.gateway.flushDelayMs ?? "unset"}; ${queues}`;
  });
}

function verdictLines(results) {
  return results.flatMap((r) =>
    r.verdicts.map((v) => `${modeLabels[r.mode]}: ${v.what} ${int(v.value)} ${v.unit} (target ${v.target}${v.note ?? ""}) — ${v.met ? "met" : "NOT met"}`),
  );
}

function factorLines(results) {
  return results.flatMap((r) => {
    const burst = r.phases.find((p) => p.name === "burst");
    return burst?.limitingFactor ? [`${modeLabels[r.mode]}, burst: delivery rate held by ${burst.limitingFactor}`] : [];
  });
}

function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(header, rows) {
  const align = header.map((_, i) => (i < 2 || header[i] === "queue" ? ":--" : "--:"));
  return [header, align, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** Printed on stdout after the end-to-end part. */
export function renderE2eText(results, { failed = false } = {}) {
  return [
    "",
    "End to end (webhook sent → HubSpot fake got the lead; ms, leads/s):",
    ...settingsLines(results),
    textTable(resultHeader, resultRows(results)),
    "",
    "Where the time went (p50 / p99 ms per stage, from the gateway's D1 timestamps):",
    textTable(stageHeader, stageRows(results)),
    "",
    "Local queue consumer batches:",
    textTable(queueHeader, queueRows(results)),
    "",
    ...(failed ? ["(no verdict on the end-to-end targets: the run failed)"] : verdictLines(results)),
    ...factorLines(results),
    "",
  ].join("\n");
}

/** The "End to end" section of docs/benchmarks.md. */
export function renderE2eMarkdown(results, e2e) {
  const limit = e2e.hubspotLimit;
  const perCallCeiling = (limit.requests / (limit.perMs / 1000)) * 100;
  return `## End to end: webhook → HubSpot

Targets (issue 3, locally): p50 under ${e2eTargets.p50Ms / 1000} s from webhook sent to CRM call, and over
${e2eTargets.leadsPerSecond} leads/s delivered into a HubSpot that allows ${limit.requests} calls per ${limit.perMs / 1000} s (at 100
leads per batch call that limit allows up to ${perCallCeiling.toLocaleString("en-US")} leads/s).

${verdictLines(results)
  .map((l) => `- ${l}`)
  .join("\n")}
${factorLines(results)
  .map((l) => `- ${l}`)
  .join("\n")}

How: a second gateway (fresh state, same code) with the bench source plus a mapping
(\`email: form_response.hidden.email\`, …) so every lead carries its own email, and
one route, \`{ when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }] }\`.
The destination is the HubSpot contract fake (\`test/fakes/hubspot.ts\`, served by
the bench's Node process on 127.0.0.1), answering 429 (\`TEN_SECONDLY_ROLLING\`, no Retry-After, as HubSpot does) beyond
${limit.requests} calls in a rolling ${limit.perMs / 1000} s; the destination's own \`rate\` is set to
${hubspotRate.perSecond}/s with burst ${hubspotRate.burst}. The deliveries consumer groups its batch
by destination and sends HubSpot one batch upsert per up to 100 leads, one limiter
token per call. \`ALLOW_HTTP_DESTINATIONS=true\` (the fake is plain http). Settings
that shape the time, as this run used them:

${settingsLines(results)
  .map((l) => `- ${l}`)
  .join("\n")}

Phases, one after the other, each waited out until every accepted event of the
source settled (nothing \`queued\` or \`delivering\` in D1):

- warm-up: ${e2e.warmup} leads, not reported.
- latency: ${e2e.rate} leads/s, paced (open loop), for ${e2e.seconds} s. Per lead: the time the fake
  received the call that carried its email minus the time the bench sent the
  webhook (one clock: the fake runs in the bench's process).
- burst: ${e2e.burst.toLocaleString("en-US")} leads over ${e2e.connections} keep-alive connections, each sending its next lead as
  soon as the last was answered. Delivered leads per second from the first lead
  delivered to the last (the verdict), in the busiest 10 s (when delivery lasted
  that long), and after the last webhook was answered (the backlog draining with no
  ingest competing for the cores). Delivery cannot outrun ingest for long: compare
  with "accepted/s" (ingest, routing and delivery share one workerd and the
  machine's two cores).

A lead counts as delivered at the first call let through that carried it. The
fake logs every call but not its answer: which calls got 429 comes from replaying
its rolling window over the logged call times (cross-checked with the 429 attempts
the gateway recorded in D1).

${markdownTable(resultHeader, resultRows(results))}

Where the time went, p50 / p99 ms per stage for the delivered leads, from the
gateway's own timestamps (\`events.received_at\`, \`stored_at\`, \`decided_at\`) and
the fake's:

${markdownTable(stageHeader, stageRows(results))}

The local queue broker's consumer batches, from its \`QUEUE <queue> <acked>/<total>
(<ms>)\` lines: how full they were, how long the consumer took, how many messages
it handed back ("retried": the limiter had no token, back after the wait; or the
batch failed, back after the retry backoff), and the share of the phase (first
send to all settled) the queue spent inside a batch. The local broker gives a
queue's consumer one batch at a time; Cloudflare runs more consumer invocations of
a queue at once as a backlog builds.

${markdownTable(queueHeader, queueRows(results))}
`;
}
