// Turns the measured cases into the tables printed on stdout and the text of
// docs/benchmarks.md. Pure formatting: no measuring here.
import { targets } from "./settings.mjs";

export const modeLabels = { miniflare: "Miniflare API", "wrangler-dev": "wrangler dev" };

const int = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => (n === undefined ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const mib = (n) => n.toFixed(0);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const seconds = (n) => (n === undefined ? "not within the timeout" : `${(n / 1000).toFixed(2)} s`);

/** `kind` req/s ÷ bare req/s for the same way of running and connection count. */
export function ratioFor(cases, mode, connections, kind = "ingest") {
  const find = (id) => cases.find((c) => c.mode === mode && c.kind === id && c.connections === connections);
  const bare = find("bare");
  const other = find(kind);
  return bare && other && bare.rps > 0 ? other.rps / bare.rps : undefined;
}

/** Whether each way met its ratio target at 16 connections. */
export function verdicts(cases) {
  return Object.entries(targets)
    .map(([mode, target]) => ({ mode, target, ratio: ratioFor(cases, mode, 16) }))
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

function verdictLines(cases) {
  return verdicts(cases).map((v) => {
    const behindRouter = ratioFor(cases, v.mode, 16, "ingest-assets");
    const logControl = ratioFor(cases, v.mode, 16, "bare-log");
    const aside =
      (behindRouter === undefined ? "" : `; behind the local asset router: ${behindRouter.toFixed(2)}`) +
      (logControl === undefined ? "" : `; the bare Worker with one log line: ${logControl.toFixed(2)}`);
    return `${modeLabels[v.mode]}, 16 connections: ingest/bare = ${v.ratio.toFixed(2)} (target ≥ ${v.target}) — ${v.met ? "met" : "NOT met"}${aside}`;
  });
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

## Ingest against a bare Hono response

Every ingest request is a new, signed webhook: a \`provider: "hmac"\` source
(sha256 hex over \`{id}.{timestamp}.{body}\` in \`x-signature\`, timestamp checked, the
signed delivery id in \`x-webhook-id\` for dedup), a unique JSON lead of about ${bodyBytes} bytes per
request, rate limit far above the load. The bare target is a Hono Worker
(\`scripts/bench/bare-worker\`) that reads the body and answers \`{ ok: true }\`; it
gets the very same signed requests, so the load generator does the same work for
both. (Left unread, a POST body makes workerd close the connection after each
response, and the baseline would measure TCP connects.)

The gateway runs twice, the same bundle and state layout each time.
"POST /in/:sourceId" is the Worker alone, as the bare Worker runs: this is the row
the targets are measured on. "POST /in/:sourceId + asset router" is the same Worker
with its wrangler.toml as it is, which is how \`npm start\` and \`npm run dev\` (both
wrangler dev) run it: the gateway has \`[assets]\` (the script of the admin API
reference page), and locally every request to such a Worker first passes through
Cloudflare's asset router and an RPC proxy, two JavaScript Workers running in the
same workerd. On Cloudflare they run in front of the Worker, not in it, and their
time is not the Worker's CPU time. With \`run_worker_first\` they only forward a
webhook; they do not look it up as a file.${
    cases.some((c) => c.kind === "bare-log")
      ? `

"bare Hono + 1 log line" is a control (\`BENCH_LOG_CONTROL=0\` leaves it out): the bare
Worker plus one \`console.log\` of a JSON line shaped like the gateway's per-request
ingest log line, which the ingest issue requires. Under wrangler dev it is the
ceiling for any Worker that logs per request (see "How to read this").`
      : ""
  }

${markdownTable(loadHeader, loadRows(cases))}

Targets (the Worker alone: "POST /in/:sourceId" req/s ÷ bare req/s at 16 connections):

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
turns in short slices, so a burst of other work on the machine falls on both sides
of a ratio. "Miniflare API" runs the \`wrangler deploy --dry-run\` bundle in one
workerd started by the \`miniflare\` package, state on disk. "wrangler dev" is what
\`npm run dev\` runs: wrangler puts a second, proxy workerd in front of the Worker
and prints every request through its Node process. That costs the same per request
for every target, so absolute numbers are lower and ratios higher than through the
Miniflare API. Every line the Worker logs also passes through wrangler's Node
process: that part is the Worker's own cost (the log-line control, when run, shows
how much one line is). wrangler dev 4.86 also always attaches its DevTools proxy to
the Worker's workerd (there is no flag to turn it off), so every \`console.log\`
becomes a DevTools event as well: serialized by V8, sent over a WebSocket to the
proxy workerd, parsed and kept there for a DevTools window that may never open.
That is why one log line costs the bare Worker a third or more of its throughput
under wrangler dev and a few percent through the Miniflare API. The gateway writes
two lines per webhook: the ingest line, and the routing consumer's \`routed\` line.

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
