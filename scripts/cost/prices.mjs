// Cloudflare's published Workers Paid prices for the units scripts/cost/usage-meter.ts
// counts, beyond each plan's monthly allowance (the $5 a month Workers Paid base and
// the included units are left out: at millions of leads they are noise). Read on the
// date below from the pricing pages named per row; docs/benchmarks.md shows the table.
export const pricesReadOn = "2026-12-06";

const page = {
  workers: "https://developers.cloudflare.com/workers/platform/pricing/",
  durableObjects: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  d1: "https://developers.cloudflare.com/d1/platform/pricing/",
  queues: "https://developers.cloudflare.com/queues/platform/pricing/",
  kv: "https://developers.cloudflare.com/kv/platform/pricing/",
  r2: "https://developers.cloudflare.com/r2/pricing/",
};

/** Dollars per million units: [key, label, $ per million, pricing page]. */
export const prices = /** @type {[string, string, number, string][]} */ ([
  ["workerRequests", "Worker requests (HTTP, queue batches, cron)", 0.3, page.workers],
  ["cpuMs", "Worker CPU time (ms)", 0.02, page.workers],
  ["doRequests", "Durable Object requests (RPC calls, alarms)", 0.15, page.durableObjects],
  ["doRowsRead", "Durable Object SQLite rows read", 0.001, page.durableObjects],
  ["doRowsWritten", "Durable Object SQLite rows written", 1.0, page.durableObjects],
  ["d1RowsRead", "D1 rows read", 0.001, page.d1],
  ["d1RowsWritten", "D1 rows written", 1.0, page.d1],
  ["queueOps", "Queue operations (64 KB written, read or deleted)", 0.4, page.queues],
  ["kvReads", "KV reads", 0.5, page.kv],
  ["kvWrites", "KV writes", 5.0, page.kv],
  ["r2ClassA", "R2 Class A operations", 4.5, page.r2],
  ["r2ClassB", "R2 Class B operations", 0.36, page.r2],
]).map(([key, label, perMillion, source]) => ({ key, label, perMillion, source }));

const sum = (record) => Object.values(record).reduce((a, b) => a + b, 0);

/**
 * Billed units per lead of one run ({ leads, usage, workerdCpuSeconds }). CPU is
 * workerd's whole process time over the run: an upper bound, since it includes the
 * local D1, queue broker and Durable Object storage that Cloudflare does not bill as
 * Worker CPU.
 */
export function perLead(run) {
  const u = run.usage;
  const n = run.leads;
  return {
    workerRequests: u.workerRequests / n,
    cpuMs: (run.workerdCpuSeconds * 1000) / n,
    doRequests: (sum(u.doRequests) + sum(u.doAlarms)) / n,
    doRowsRead: u.doRowsRead / n,
    doRowsWritten: u.doRowsWritten / n,
    d1RowsRead: u.d1RowsRead / n,
    d1RowsWritten: u.d1RowsWritten / n,
    queueOps: (u.queueWrites + u.queueReads + u.queueDeletes) / n,
    kvReads: u.kvReads / n,
    kvWrites: u.kvWrites / n,
    r2ClassA: u.r2ClassA / n,
    r2ClassB: u.r2ClassB / n,
  };
}

/** Dollars per million leads: per unit kind and in total. */
export function priceOf(units) {
  const byItem = Object.fromEntries(prices.map((p) => [p.key, (units[p.key] ?? 0) * p.perMillion]));
  return { byItem, total: sum(byItem) };
}

const fmt = (n, digits = 2) => (n === 0 ? "0" : n < 0.01 && digits <= 2 ? n.toPrecision(2) : n.toFixed(digits));

/** The "Cost per lead" section of docs/benchmarks.md for these runs. */
export function costMarkdown(runs, { date, leads }) {
  const rows = prices.map((p) => {
    const cells = runs.flatMap((run) => {
      const units = perLead(run)[p.key] ?? 0;
      return [fmt(units), `$${fmt(units * p.perMillion)}`];
    });
    return `| ${p.label} | $${p.perMillion.toFixed(p.perMillion < 0.01 ? 3 : 2)} | ${cells.join(" | ")} |`;
  });
  const totals = runs.map((run) => `**$${priceOf(perLead(run)).total.toFixed(2)}**`);
  return [
    "## Cost per lead",
    "",
    `Measured ${date} with \`npm run cost\` (${leads} leads per run after a warm-up, the Miniflare API, scripts/cost/run.mjs): every`,
    "billed unit counted by a metering wrapper around the bindings (scripts/cost/usage-meter.ts; D1 rows are D1's own",
    "`meta.rows_read`/`rows_written`, so indexes and triggers count). Prices: Cloudflare Workers Paid, read",
    `${pricesReadOn}, per million units beyond the plan's allowance.`,
    "",
    `| unit | $ per million | ${runs.map((r) => `${r.name}: per lead | ${r.name}: $ per million leads`).join(" | ")} |`,
    `|---|---|${runs.map(() => "---|---|").join("")}`,
    ...rows,
    `| **total** | | ${totals.map((t) => `| ${t}`).join(" | ")} |`,
    "",
    ...runs.flatMap((run) => [
      `D1 rows written per lead, ${run.name}, by statement (the start of its SQL; each index entry and trigger row counts):`,
      "",
      "| statement | rows written | rows read | statements |",
      "|---|--:|--:|--:|",
      ...Object.entries(run.usage.d1ByStatement)
        .filter(([, v]) => v.rowsWritten > 0)
        .sort((a, b) => b[1].rowsWritten - a[1].rowsWritten)
        .map(
          ([key, v]) =>
            `| \`${key.split(" :: ")[1] ?? key}…\` | ${fmt(v.rowsWritten / run.leads)} | ${fmt(v.rowsRead / run.leads)} | ${fmt(v.queries / run.leads)} |`,
        ),
      "",
    ]),
  ].join("\n");
}
