// The soak's end: a terminal summary and the "Soak" section of docs/benchmarks.md.
// Figures only; the verdicts come from the e2e checks (scripts/lib/e2e/checks.mjs).
import { formatTable } from "../lib/table.mjs";

const f1 = (n) => (n === undefined ? "—" : n.toFixed(1));
const signed = (n) => (n === undefined ? "—" : `${n >= 0 ? "+" : ""}${n.toFixed(1)}`);

export function memoryRows(summary) {
  return summary.map((m) => ({
    process: m.name,
    pid: m.pid,
    samples: m.samples,
    first: f1(m.first),
    last: f1(m.last),
    max: f1(m.max),
    delta: signed(m.last - m.first),
    perHour: signed(m.perHour),
  }));
}

/** @type {{ key: string, title: string, align?: "left" | "right" }[]} */
const memoryColumns = [
  { key: "process", title: "process" },
  { key: "pid", title: "pid", align: "right" },
  { key: "samples", title: "samples", align: "right" },
  { key: "first", title: "first MiB", align: "right" },
  { key: "last", title: "last MiB", align: "right" },
  { key: "max", title: "max MiB", align: "right" },
  { key: "delta", title: "last − first", align: "right" },
  { key: "perHour", title: "growth MiB/h (fit)", align: "right" },
];

export function memoryTable(summary) {
  return formatTable(memoryColumns, memoryRows(summary));
}

function markdownTable(columns, rows) {
  const head = `| ${columns.map((c) => c.title).join(" | ")} |`;
  const rule = `| ${columns.map((c) => (c.align === "right" ? "--:" : ":--")).join(" | ")} |`;
  return [head, rule, ...rows.map((r) => `| ${columns.map((c) => String(r[c.key] ?? "")).join(" | ")} |`)].join("\n");
}

/** Name → value pairs of the results, shared by the terminal and the doc. */
export function resultFigures(r) {
  const refused =
    Object.entries(r.answers.refused)
      .map(([s, n]) => `${s} ×${n}`)
      .join(", ") || "none";
  return {
    "requests sent": r.sent,
    "leads sent": r.leads,
    "accepted (202)": r.answers.accepted,
    "duplicates answered 200": r.answers.duplicate,
    "refused, by status": refused,
    "429s met by senders": r.answers.r429,
    "senders that gave up": r.answers.gaveUp,
    "max send lag": `${(r.maxLagMs / 1000).toFixed(1)} s`,
    "delivered per fake": Object.entries(r.delivered)
      .map(([k, n]) => `${k} ${n}`)
      .join(", "),
    "in their CRM / dead-lettered / invalid": `${r.figures.inCrm} / ${r.figures.dead} / ${r.figures.invalid}`,
    "doubled in a CRM": r.figures.doubled,
    "dead letters (deliveries)": r.deadLetters,
    "CRM fault rounds queued": r.faultRounds,
    "drain after the last request": `${(r.drain.ms / 1000).toFixed(1)} s${r.drain.drained ? "" : " (NOT drained: timed out)"}`,
    "end-to-end latency p50 / p99": `${r.latency.p50 ?? "—"} / ${r.latency.p99 ?? "—"} ms`,
    "problems found by the e2e checks": r.problems.length,
  };
}

export function figuresText(r) {
  return formatTable(
    [
      { key: "what", title: "figure" },
      { key: "value", title: "value", align: "right", max: 110 },
    ],
    Object.entries(resultFigures(r)).map(([what, value]) => ({ what, value })),
  );
}

/** The "## Soak" section; a run shorter than the default says so in its first lines. */
export function soakMarkdown(r, { defaultMinutes }) {
  const m = r.machine;
  const short = r.settings.minutes < defaultMinutes;
  const lines = ["## Soak", "", `Written by \`npm run soak\` (scripts/soak.mjs), which replaces only this section.`, ""];
  if (short) {
    lines.push(
      `**This is a ${r.settings.minutes}-minute run, not the full ${defaultMinutes}-minute soak**: too short to tell a slow leak from warm-up, so`,
      `read the growth per hour as an upper bound at best. The full run: \`npm run soak\` (or \`SOAK_MINUTES=${defaultMinutes} SOAK_RATE=${r.settings.rate} npm run soak\`).`,
      "",
    );
  }
  lines.push(
    `- Date: ${r.date}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${Math.round(m.memoryGiB)} GiB, ${m.kernel}; 1-minute load average ${r.load.before.toFixed(2)} at the start, ${r.load.after.toFixed(2)} at the end`,
    `- Node ${m.node}; workerd ${m.workerd}; wrangler ${m.wrangler}`,
    `- Command: \`${r.command}\``,
    `- Duration: ${r.settings.minutes} min of traffic (${(r.sendMs / 60_000).toFixed(1)} min measured), then ${(r.drain.ms / 1000).toFixed(0)} s of drain`,
    `- Rate: ${r.settings.rate} leads/s from four providers (Typeform, Standard Webhooks, Calendly, generic HMAC), plus refused requests and duplicates: ${(r.sent / (r.sendMs / 1000)).toFixed(1)} requests/s in all, paced open-loop; the e2e CRM fault round (HubSpot 503 ×3, HubSpot 429 ×2 Retry-After 2, Pipedrive 429 ×10 Retry-After 1, Salesforce 502 ×15) every ${r.settings.faultEverySeconds} s, ${r.settings.doomedPerMinute} lead/min whose Salesforce upsert always fails`,
    `- Gateway: \`wrangler dev\` on 127.0.0.1 with fresh state (.bench/soak), the CRM fakes in the soak's Node process; the cron (sweeper) played once a minute`,
    `- Verdict: ${
      r.problems.length === 0
        ? "nothing lost or doubled: every accepted lead is final, in its CRM exactly once or dead-lettered, and the admin stats agree with the fakes (the e2e checks)"
        : `**${r.problems.length} problems** (first: ${r.problems
            .slice(0, 3)
            .map((p) => `\`${p.replaceAll("|", "/")}\``)
            .join("; ")})`
    }`,
    "",
    "### Results",
    "",
    markdownTable(
      [
        { key: "what", title: "figure" },
        { key: "value", title: "value", align: "right" },
      ],
      Object.entries(resultFigures(r)).map(([what, value]) => ({ what, value })),
    ),
    "",
    "### Memory (RSS of wrangler dev's process group)",
    "",
    `Sampled at the start of traffic, every minute, and after the drain. Growth per hour is the least-squares slope over those ${r.samples} samples; the first sample is a fresh process before any request, so a short run's slope is mostly warm-up.`,
    "",
    markdownTable(memoryColumns, memoryRows(r.memory)),
    "",
    "### Per minute",
    "",
    "```",
    ...r.minuteLines,
    "```",
    "",
  );
  return lines.join("\n");
}
