// Turns the measured cases into the tables printed on stdout and the text of
// docs/benchmarks.md. Pure formatting: no measuring here.
import { targets } from "./settings.mjs";

export const modeLabels = {
  "wrangler-dev": "wrangler dev, inspector proxy off",
  "wrangler-dev-inspector": "wrangler dev, inspector proxy on",
  miniflare: "Miniflare API",
};
/** The way the goals are measured in. */
const headline = "wrangler-dev";

const int = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => (n === undefined ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const mib = (n) => n.toFixed(0);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const seconds = (n) => (n === undefined ? "not within the timeout" : `${(n / 1000).toFixed(2)} s`);

/** `kind` req/s ÷ `base` req/s for the same way of running and connection count. */
export function ratioFor(cases, mode, connections, kind = "ingest", base = "bare") {
  const find = (id) => cases.find((c) => c.mode === mode && c.kind === id && c.connections === connections);
  const under = find(base);
  const other = find(kind);
  return under && other && under.rps > 0 ? other.rps / under.rps : undefined;
}

/** Whether the gateway met each goal (over bare, over naive) at 16 connections in the headline way. */
export function verdicts(cases) {
  return Object.entries(targets)
    .map(([base, target]) => ({ mode: headline, base, target, ratio: ratioFor(cases, headline, 16, "ingest", base) }))
    .filter((v) => v.ratio !== undefined)
    .map((v) => ({ ...v, met: v.ratio >= v.target }));
}

function loadRows(cases) {
  return cases.map((c) => {
    const ratio = c.kind === "bare" ? undefined : ratioFor(cases, c.mode, c.connections, c.kind);
    const expected = c.statuses[c.expectedStatus] ?? 0;
    return [
      modeLabels[c.mode],
      String(c.connections),
      c.label,
      int(c.rps),
      ms(c.p50),
      ms(c.p99),
      `${int(expected)} × ${c.expectedStatus}`,
      int(c.non2xx),
      int(c.errors + c.timeouts),
      (c.cpu.targetSeconds / c.cpu.wallSeconds).toFixed(2),
      c.responses > 0 ? int((c.cpu.targetSeconds / c.responses) * 1e6) : "–",
      (c.cpu.waitSeconds / c.cpu.wallSeconds).toFixed(2),
      (c.cpu.loadSeconds / c.cpu.wallSeconds).toFixed(2),
      `${mib(c.memory.totalMiB)} (${c.memory.each.length} proc)`,
      ratio === undefined ? "" : ratio.toFixed(2),
      c.kind.startsWith("ingest") ? (ratioFor(cases, c.mode, c.connections, c.kind, "naive")?.toFixed(2) ?? "") : "",
    ];
  });
}
const loadHeader = [
  "way",
  "conns",
  "target",
  "req/s",
  "p50 ms",
  "p99 ms",
  "expected status",
  "non-2xx",
  "errors",
  "CPU cores",
  "CPU µs/req",
  "run-queue wait",
  "load gen CPU",
  "workerd RSS MiB",
  "req/s ÷ bare",
  "req/s ÷ naive",
];

function durabilityRows(durability) {
  return durability.map((d) => [
    modeLabels[d.mode],
    d.label,
    `${d.connections} conns, ${d.slices} slices`,
    int(d.accepted),
    int(d.rowsAtLoadEnd),
    int(d.rows),
    int(d.missing),
    seconds(d.allInD1Ms),
    seconds(d.allRoutedMs),
  ]);
}
const durabilityHeader = [
  "way",
  "target",
  "phase",
  "202s so far",
  "rows in D1 at last slice's end",
  "rows in D1",
  "202s missing from D1",
  "all in D1 after (slowest slice)",
  "all routed after (slowest slice)",
];

/** Extra CPU per request of each non-bare target over the bare one, per way and connection count. */
function costLines(cases) {
  const lines = [];
  for (const c of cases) {
    if (c.kind === "bare" || c.responses === 0) continue;
    const bare = cases.find((b) => b.kind === "bare" && b.mode === c.mode && b.connections === c.connections);
    if (!bare || bare.responses === 0) continue;
    const perRequest = (x) => (x.cpu.targetSeconds / x.responses) * 1e6;
    lines.push(
      `${modeLabels[c.mode]}, ${c.connections} connections, ${c.label}: +${int(perRequest(c) - perRequest(bare))} µs ` +
        `(${int(perRequest(c))} against ${int(perRequest(bare))})`,
    );
  }
  return lines;
}

function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(header, rows) {
  const align = header.map((_, i) => (i < 3 ? ":--" : "--:"));
  return [header, align, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const baseLabels = { bare: "gateway/bare", naive: "gateway/naive" };

/** The goals, then each way's ratios at 16 connections, then what the metric triggers cost. */
function verdictLines(cases) {
  const lines = verdicts(cases).map(
    (v) => `${modeLabels[v.mode]}, 16 connections: ${baseLabels[v.base]} = ${v.ratio.toFixed(2)} (goal ≥ ${v.target}) — ${v.met ? "met" : "NOT met"}`,
  );
  for (const mode of Object.keys(modeLabels)) {
    const ratios = Object.entries(baseLabels)
      .map(([base, label]) => [label, ratioFor(cases, mode, 16, "ingest", base)])
      .filter(([, ratio]) => ratio !== undefined);
    if (mode !== headline && ratios.length > 0)
      lines.push(`${modeLabels[mode]}, 16 connections (a note): ${ratios.map(([l, r]) => `${l} = ${Number(r).toFixed(2)}`).join(", ")}`);
  }
  for (const c of cases.filter((x) => x.kind === "ingest-no-triggers")) {
    const ratio = ratioFor(cases, c.mode, c.connections, "ingest", "ingest-no-triggers");
    if (ratio !== undefined) {
      lines.push(
        `${modeLabels[c.mode]}, ${c.connections} connections: the gateway with the metric triggers runs at ${ratio.toFixed(2)} of its req/s without them`,
      );
    }
  }
  return lines;
}

function bundleLines(sizes) {
  return Object.entries(sizes).map(([name, s]) => `${name}: ${kib(s.bytes)} minified, ${kib(s.gzipBytes)} gzipped (wrangler: ${s.upload ?? "n/a"})`);
}

/** What is printed on stdout at the end of a run. */
export function renderText({ cases, durability, sizes, binaries, failed = false }) {
  return [
    "",
    textTable(loadHeader, loadRows(cases)),
    "",
    durability.length ? textTable(durabilityHeader, durabilityRows(durability)) : "(no durability check: no ingest case ran)",
    "",
    ...(failed ? ["(no verdict on the targets: the run failed)"] : verdictLines(cases)),
    "",
    ...bundleLines(sizes),
    `workerd binary: ${[...binaries].join(", ")}`,
    "",
  ].join("\n");
}

/** docs/benchmarks.md, whole. */
export function renderMarkdown({
  date,
  machine,
  loadAverages,
  command,
  code,
  settings,
  bodyBytes,
  cases,
  durability,
  sizes,
  binaries,
  warnings,
  e2eSection = "",
}) {
  const verdictList = verdictLines(cases).map((l) => `- ${l}`);
  return `# Benchmarks

Written by \`npm run bench\` (scripts/bench.mjs); rerun it to refresh this page.

- Date: ${date}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB, ${machine.kernel}
- 1-minute load average: ${loadAverages.before.toFixed(2)} when the run started, ${loadAverages.after.toFixed(2)} when it ended
- Node ${machine.node}; workerd ${machine.workerd}; miniflare ${machine.miniflare}; wrangler ${machine.wrangler}; hono ${machine.hono}; autocannon ${machine.autocannon}
- workerd binary of every target: \`${[...binaries].join("`, `")}\`
- Command: \`${command}\`
- Gateway code measured: ${code}
- Load: autocannon in the bench's Node process, keep-alive, one request at a time per connection, 127.0.0.1 only; ${settings.seconds} s per case, as ${settings.rounds} slices of ${(settings.seconds / settings.rounds).toFixed(1)} s that the Workers of one way take in turns (order rotating each round), after a ${settings.warmupSeconds} s warm-up each at ${Math.max(...settings.connections)} connections.

## Ingest: the gateway against a bare Worker and the naive per-request path

Every ingest request is a new, signed webhook: a \`provider: "hmac"\` source
(sha256 hex over \`{id}.{timestamp}.{body}\` in \`x-signature\`, timestamp checked, the
signed delivery id in \`x-webhook-id\` for dedup), a unique JSON lead of about ${bodyBytes} bytes per
request, rate limit far above the load. Every target gets the very same signed
requests, so the load generator does the same work for each:

- "bare Hono" (\`scripts/bench/bare-worker\`) reads the body and answers \`{ ok: true }\`
  (left unread, a POST body makes workerd close the connection after each response,
  and the baseline would measure TCP connects).
- "naive per-request path" (\`scripts/bench/naive-worker\`) is a webhook receiver
  written the obvious way: per webhook it verifies the same HMAC signature, calls a
  Durable Object (one per source, a token bucket), inserts the event into D1 and
  sends its id to a queue, then answers 202.
- "gateway POST /in/:sourceId" is the gateway, run as the others are: without its
  \`[assets]\`, whose local asset router and RPC proxy (two JavaScript Workers in the
  same workerd, on every request) run outside the Worker on Cloudflare.
- "gateway without metric triggers" (headline way only) is the same gateway with the
  \`metric_counts\` triggers of migrations/0009 dropped after the migrations: the
  difference is what counting costs at ingest.

The headline way is wrangler dev with its DevTools inspector proxy off (see "How to
read this"); the other ways, when run, are notes.

${markdownTable(loadHeader, loadRows(cases))}

Goals (the headline way, 16 connections: the gateway's req/s over the bare Worker's,
and over the naive path's), then the other ways and the triggers' cost:

${verdictList.join("\n")}

## Durability of the 202s

After every slice of gateway load the bench polls D1 \`events\` for the bench
source until every event id answered with 202 so far (warm-up included) is a row,
then until the routing queue's consumer has taken them all (status past
\`queued\`); only then does the next slice start. Times are from the end of the
slice; the table shows the slowest slice. Rows can outnumber the 202s by the
requests still in flight when a slice stopped (the gateway stored them, the load
generator no longer read the answer).

${durability.length ? markdownTable(durabilityHeader, durabilityRows(durability)) : "No ingest case ran."}

${
  e2eSection
    ? `${e2eSection}
`
    : ""
}## Bundle size

\`wrangler deploy --dry-run --minify --outdir <tmp>\`:

${bundleLines(sizes)
  .map((l) => `- ${l}`)
  .join("\n")}

## How to read this

The machine is shared and noisy: compare the ratios within one run, not absolute
figures across runs or machines. All Workers of one way run at once on the same
workerd binary and compatibility date, get the same signed requests, and take
turns in short slices, so a burst of other work on the machine falls on every side
of a ratio.

The ways. "wrangler dev" is what \`npm run dev\` runs: wrangler puts a second, proxy
workerd in front of the Worker and prints every request through its Node process,
the same cost per request for every target. wrangler dev 4.86 also attaches a
DevTools inspector proxy to the Worker's workerd (no flag turns it off), so every
\`console.log\` becomes a DevTools event as well: serialized by V8, sent over a
WebSocket to the proxy workerd, parsed and kept there for a DevTools window that
may never open. On Cloudflare no such proxy exists, so the headline runs wrangler
dev with it off: wrangler skips it when \`VSCODE_INSPECTOR_OPTIONS\` is set (it takes
that for a VS Code debug terminal, where VS Code attaches its own debugger); the
bench sets it for that way only. "inspector proxy on" is wrangler dev as developers
run it. "Miniflare API" runs the \`wrangler deploy --dry-run\` bundle in one workerd
started by the \`miniflare\` package, state on disk, with no proxy at all.

Switches (all optional; a run is described by its command line):

- \`BENCH_SECONDS\` (10): seconds of load per case, cut into up to 5 slices the
  Workers take in turns; also the end-to-end latency phase.
- \`BENCH_CONNECTIONS\` (2,16): connection counts of the ingest cases; the goals are
  read at 16.
- \`BENCH_PARTS\` (ingest,inspector,miniflare,e2e): which parts run. "ingest" is the
  headline, "inspector" and "miniflare" the other ways, "e2e" webhook → HubSpot fake.
  A run without "ingest" does not write this page.
- \`BENCH_DOC\` (1): \`0\` prints the figures and leaves this page alone.

- "CPU cores" and "CPU µs/req": CPU time of the target's processes during the case
  (Miniflare API: its workerd; wrangler dev: wrangler's Node process, both workerd,
  esbuild), per second of wall time and per response. CPU per request is steadier
  than req/s on a shared machine. A target well below one core while its latency
  grows with connections is waiting (on I/O, or on a single thread), not computing.
  For the gateway it includes the work its 202s set off in the same process (the
  inbox flush to D1, the routing queue's consumer): locally these share the workerd
  of the request path.
- "run-queue wait": time its threads were ready to run but had no core, per second
  of wall time (/proc schedstat, summed over threads). High values mean the cores
  were taken, by other work or by the target's own other processes.
- "load gen CPU": autocannon, on the same 2 cores.
- "workerd RSS MiB": resident set (VmRSS) of the target's workerd processes right
  after the case (wrangler dev: proxy and Worker).
- p50/p99: the client's latencies, exact (every response, nearest rank).

${
  costLines(cases).length
    ? `## CPU per request over the bare Worker\n\nFrom the table: what each target costs per request beyond the bare Worker, in\nCPU time of its processes.\n\n${costLines(
        cases,
      )
        .map((l) => `- ${l}`)
        .join("\n")}\n`
    : ""
}${warnings.length ? `\n## Warnings during this run\n\n${warnings.map((w) => `- ${w}`).join("\n")}\n` : ""}`;
}
