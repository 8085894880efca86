// `npm run demo`: against a gateway started with `npm start`, sends signed webhooks
// from the demo sources the way each provider signs them — leads for every route, a
// redelivery, a forged signature, a replayed old request and a burst over a source's
// rate — waits for routing, and prints where each lead went: status, route, owner and
// the CRM record, or why it was refused. Then the routing RevOps care about: an owner
// set away at runtime, outcomes fed back by the CRM (the warm route's experiment gets
// figures), and the hot route's 15-second SLA firing for the lead nobody touched.
// Local only: no account, no network.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { demoAccounts, demoFakePorts, demoSecrets } from "./demo/config.mjs";
import { burstLeads, burstSource, demoLeads, hotLeads, outcomeReports, providerRequest, splitLeads } from "./demo/mix.mjs";
import { devSecretsFile, readDevVars } from "./dev-vars.mjs";
import { adminApi } from "./lib/admin-api.mjs";
import { crmRecordsByEmail, readFakeRecords } from "./lib/crm-records.mjs";
import { signatureHeaders } from "./lib/sign-webhook.mjs";
import { formatTable } from "./lib/table.mjs";

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const finalStatuses = new Set(["routed", "partially_failed", "dead", "unmatched", "invalid"]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message) {
  console.error(message);
  process.exit(1);
}

if (!existsSync(devSecretsFile)) fail("No .dev.secrets yet: start the gateway first with `npm start` (it creates one).");
const token = readDevVars().ADMIN_TOKEN;
try {
  const health = await fetch(`${base}/healthz`);
  if (!health.ok) throw new Error(`healthz answered ${health.status}`);
} catch (error) {
  fail(`No gateway at ${base} (${error.cause?.code ?? error.message}). Start it with \`npm start\` (PORT=${port}) and run the demo again.`);
}
const admin = adminApi(base, token);
const config = await admin.getConfig();
const sources = new Map(config.sources.map((s) => [s.id, s]));
const secretOf = {
  "typeform-leads": demoSecrets.typeform,
  "calendly-meetings": demoSecrets.calendly,
  "website-signup": demoSecrets.website,
  "partner-referrals": demoSecrets.partner,
  "crm-outcomes": demoSecrets.outcomes,
};
for (const id of Object.keys(secretOf)) {
  if (!sources.has(id))
    fail(
      `The gateway has no source '${id}': this demo expects the configuration \`npm start\` loads (it loads it only into an empty gateway: remove .wrangler/state to start afresh).`,
    );
}
const ownerNames = new Map([
  ...config.pools.flatMap((p) => p.members.filter((m) => m.name).map((m) => [m.ownerId, m.name])),
  ...(config.owners ?? []).filter((o) => o.name).map((o) => [o.id, o.name]),
]);

/**
 * One signed POST, as the source's provider would send it.
 * @param {string} sourceId
 * @param {{ body: string, deliveryId?: string }} request
 * @param {{ secret?: string, timestamp?: number }} [options]
 */
async function send(sourceId, { body, deliveryId }, { secret = secretOf[sourceId], timestamp } = {}) {
  const headers = {
    "content-type": "application/json",
    ...signatureHeaders(sources.get(sourceId), secret, { body, deliveryId, ...(timestamp ? { timestamp } : {}) }),
  };
  const response = await fetch(`${base}/in/${sourceId}`, { method: "POST", headers, body });
  const json = await response.json().catch(() => ({}));
  return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
}

const runId = randomBytes(3).toString("hex");
const rows = [];
console.log(`Sending signed webhooks to ${base} …`);

// Salesforce already has an Account for Analytical Engines, owned by Charles: Ada's
// enterprise lead goes to him (matched by domain), Radia's company has none (the pool).
await fetch(`http://127.0.0.1:${demoFakePorts.salesforce}/__fake/accounts`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(demoAccounts),
}).catch(() => fail(`The Salesforce fake on port ${demoFakePorts.salesforce} does not answer: start the gateway with \`npm start\`.`));

// Lin is off to the dentist: set away at runtime (no configuration push), back in an hour.
await admin.setOwnerAway("202", { until: new Date(Date.now() + 3_600_000).toISOString(), reason: "dentist" });

// Leads, one by one, like providers sending over a few seconds.
const sent = [];
for (const { source, lead } of [...demoLeads, ...splitLeads, ...hotLeads]) {
  const request = providerRequest(source, lead);
  const answer = await send(source, request);
  sent.push({ source, lead, request, answer });
  rows.push({ email: lead.email, source, answer });
}

// A provider redelivering Grace's form response (same event_id, fresh signature).
const grace = sent.find((s) => s.lead.email.startsWith("grace@"));
rows.push({ email: grace.lead.email, source: grace.source, answer: await send(grace.source, grace.request), note: "redelivered by Typeform" });

// A forged request: right shape, wrong secret.
const mallory = { email: "mallory@forged.example", firstName: "Mallory", company: "Forgery", country: "US", employees: 50, score: 99 };
rows.push({
  email: mallory.email,
  source: "typeform-leads",
  answer: await send("typeform-leads", providerRequest("typeform-leads", mallory), { secret: "not-the-typeform-secret" }),
  note: "forged signature",
});

// A captured Calendly request replayed an hour later: genuine signature, stale timestamp.
const eve = { email: "eve@replay.example", firstName: "Eve", company: "Replay Attacks" };
rows.push({
  email: eve.email,
  source: "calendly-meetings",
  answer: await send("calendly-meetings", providerRequest("calendly-meetings", eve), { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
  note: "replayed an hour later",
});

// A burst: a webinar tool dumping its sign-ups into the Typeform source at once.
const burst = await Promise.all(burstLeads(runId).map(async (lead) => ({ lead, answer: await send(burstSource, providerRequest(burstSource, lead)) })));

// Wait for routing: accepted events reach a final status within a few seconds.
const accepted = [...rows, ...burst].map((r) => r.answer.json?.id).filter((id) => typeof id === "string");
const events = new Map();
const waitSeconds = 30;
const deadline = Date.now() + waitSeconds * 1000;
while (Date.now() < deadline) {
  const pending = [...new Set(accepted)].filter((id) => !finalStatuses.has(events.get(id)?.status));
  if (pending.length === 0) break;
  await Promise.all(pending.map(async (id) => events.set(id, await admin.event(id).catch(() => undefined))));
  if (pending.every((id) => finalStatuses.has(events.get(id)?.status))) break;
  await sleep(500);
}

// The CRM reports back at once (the hot route's SLA gives owners 15 s): contacted,
// qualified, meetings, one lost. Grace's lead gets nothing.
const reports = outcomeReports();
const reported = await send("crm-outcomes", { body: JSON.stringify({ outcomes: reports }) });
const reportedNote = `The CRM reported ${reports.length} outcomes for the hot and warm leads (HTTP ${reported.status}${reported.json?.status === "duplicate" ? ", already reported by an earlier run" : ""}).`;

const records = await readFakeRecords(Object.fromEntries(Object.entries(demoFakePorts).map(([name, p]) => [name, `http://127.0.0.1:${p}`]))).catch(
  () => undefined,
);
const byEmail = records ? crmRecordsByEmail(records) : new Map();

function owner(id) {
  if (!id) return "—";
  return ownerNames.has(id) ? `${id} (${ownerNames.get(id)})` : id;
}

/** Where a lead landed: each CRM record, plus Slack and the forwarding receiver by event id. */
function landed(email, eventId) {
  const found = (byEmail.get(email.toLowerCase()) ?? []).map((r) =>
    r.crm === "pipedrive" ? `pipedrive person ${r.id}${r.leads ? " + lead" : ""}` : `${r.crm} ${r.id}`,
  );
  if (records?.slack.some((m) => m.eventId === eventId && !m.alert)) found.push("slack");
  if (records?.receiver.some((d) => d.eventId === eventId && d.verified)) found.push("warehouse");
  return found.join(", ") || "—";
}

function why(row) {
  const { status, json, retryAfter } = row.answer;
  if (status === 202) {
    const event = events.get(json.id);
    if (!event) return `accepted; not routed within ${waitSeconds} s`;
    if (!finalStatuses.has(event.status)) return `still ${event.status} after ${waitSeconds} s (a wrangler dev reload drops local queue messages)`;
    const matched = event.trace?.explain?.find((line) => line.includes(": matched")) ?? event.statusReason ?? "";
    const sticky = event.trace?.owner?.sticky ? ` · owner kept (same lead by ${event.trace.match?.by ?? "match"})` : "";
    const account =
      event.trace?.account?.assigned === "owner" ? ` · account owner (matched by ${event.trace.account.by ?? "?"} ${event.trace.account.key ?? ""})` : "";
    return `${matched}${sticky}${account}`;
  }
  if (status === 200 && json.status === "duplicate") return `${row.note}: duplicate of ${json.id}, not routed again`;
  if (status === 429) return `${json.code}: retry after ${retryAfter} s`;
  return `${row.note ? `${row.note}: ` : ""}${json.code ?? ""} — ${json.detail ?? ""}`;
}

const table = rows.map((row) => {
  const { status, json } = row.answer;
  const event = json?.id ? events.get(json.id) : undefined;
  const accepted = status === 202 || json?.status === "duplicate";
  return {
    email: row.email,
    source: row.source,
    http: `${status}${json?.status === "duplicate" ? " dup" : ""}`,
    route: event ? (event.status === "routed" ? event.routeId : `${event.routeId ?? ""} ${event.status}`.trim()) : "—",
    owner: event ? owner(event.ownerId) : "—",
    crm: accepted ? landed(row.email, json.id) : "—",
    why: why(row),
  };
});

// The burst, one row per answer: how many got through and how many were told to wait.
const byStatus = new Map();
for (const b of burst) byStatus.set(b.answer.status, [...(byStatus.get(b.answer.status) ?? []), b]);
for (const [status, group] of [...byStatus].sort((a, b) => a[0] - b[0])) {
  const ids = group.map((b) => b.answer.json?.id).filter(Boolean);
  const routed = ids.filter((id) => events.get(id)?.status === "routed").length;
  const inHubspot = group.filter((b) => (byEmail.get(b.lead.email) ?? []).some((r) => r.crm === "hubspot")).length;
  table.push({
    email: `burst-${runId}-NN@… ×${group.length}`,
    source: burstSource,
    http: `${status} ×${group.length}`,
    route: status === 202 ? `rest ×${routed}` : "—",
    owner: "—",
    crm: status === 202 ? `hubspot ×${inHubspot}` : "—",
    why: status === 202 ? `burst of ${burst.length} at once: within the source's burst` : why(group[0]),
  });
}

console.log(
  `\n${formatTable(
    [
      { key: "email", title: "lead", max: 36 },
      { key: "source", title: "source" },
      { key: "http", title: "HTTP" },
      { key: "route", title: "route" },
      { key: "owner", title: "owner" },
      { key: "crm", title: "CRM record", max: 46 },
      { key: "why", title: "why", max: 90 },
    ],
    table,
  )}\n`,
);
const example = rows.find((r) => r.answer.status === 202)?.answer.json.id;
console.log(`A decision in full (trace, deliveries, attempts):
  curl -s ${base}/admin/v1/events/${example} -H 'authorization: Bearer ${token}'
What the CRMs hold:  curl -s http://127.0.0.1:${demoFakePorts.hubspot}/__fake/records   (salesforce :${demoFakePorts.salesforce}, pipedrive :${demoFakePorts.pipedrive}, slack :${demoFakePorts.slack})`);
if (records === undefined) console.log("(The CRM fakes did not answer: was the gateway started with `npm start`?)");
const open = [...new Set(accepted)].filter((id) => !finalStatuses.has(events.get(id)?.status));
if (open.length > 0) {
  console.log(`${open.length} accepted event(s) not final after ${waitSeconds} s: local queues keep messages in memory, so a wrangler dev
reload (a saved source file) or restart drops them; the sweeper re-sends them 5 minutes later, when the cron runs.`);
}

console.log(reportedNote);

// Grace's lead: nobody contacts her within the hot route's SLA, so it is reassigned.
const graceId = grace.answer.json?.id;
let graceEvent = graceId ? events.get(graceId) : undefined;
if (graceEvent?.sla) {
  console.log(`Waiting for the SLA on ${grace.lead.email} (owner ${owner(graceEvent.sla.ownerId)}, due ${graceEvent.sla.dueAt}) …`);
  const slaDeadline = Date.now() + 40_000;
  while (graceEvent?.sla?.status === "running" && graceEvent.sla.reassignments === 0 && Date.now() < slaDeadline) {
    await sleep(1_000);
    graceEvent = await admin.event(graceId).catch(() => graceEvent);
  }
  for (const entry of graceEvent?.sla?.history ?? [])
    console.log(`  ${entry.at}  ${entry.kind.padEnd(10)} ${entry.ownerId ? `${owner(entry.ownerId)}: ` : ""}${entry.note}`);
  if (graceEvent?.sla?.status === "running" && graceEvent.sla.reassignments === 0)
    console.log("  (not fired yet: the SLA clock's alarm or the cron sweeper will fire it)");
}

// The other SLA clocks settle at their deadlines (met or missed) before the KPIs are read.
const clocked = [...new Set(accepted)].filter((id) => events.get(id)?.sla);
const settleBy = Date.now() + 30_000;
while (Date.now() < settleBy) {
  const running = (await Promise.all(clocked.map((id) => admin.event(id).catch(() => undefined)))).filter((e) => e?.sla?.status === "running");
  if (running.length === 0) break;
  await sleep(1_000);
}

// Owners as the console's routing page shows them.
const statuses = (await admin.owners().catch(() => ({ items: [] }))).items;
console.log(
  `\n${formatTable(
    [
      { key: "owner", title: "owner" },
      { key: "zone", title: "zone" },
      { key: "local", title: "local time" },
      { key: "now", title: "takes leads now", max: 70 },
    ],
    statuses.map((o) => ({
      owner: owner(o.id),
      zone: o.timeZone,
      local: o.localTime,
      now: o.away ? `no: ${o.reason}` : o.working ? "yes" : `off hours (${o.reason})`,
    })),
  )}`,
);

// The KPIs the console's KPI page shows: SLA met % and time to first touch, per route and arm.
const stats = await admin.stats().catch(() => undefined);
const pct = (rate) => (rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)} %`);
const mins = (ms) => (ms === undefined ? "–" : `${(ms / 60_000).toFixed(1)} min`);
const kpiRows = [
  ...Object.entries(stats?.kpis?.byRoute ?? {}).map(([id, g]) => ({ group: `route ${id}`, g })),
  ...Object.entries(stats?.kpis?.byArm ?? {}).flatMap(([exp, arms]) => Object.entries(arms).map(([arm, g]) => ({ group: `${exp} / ${arm}`, g }))),
];
console.log(
  `\n${formatTable(
    [
      { key: "group", title: "KPIs (last 24 h)" },
      { key: "leads", title: "leads" },
      { key: "contacted", title: "contacted" },
      { key: "qualified", title: "qualified" },
      { key: "touch", title: "first touch p50" },
      { key: "sla", title: "SLA met" },
    ],
    kpiRows.map(({ group, g }) => ({
      group,
      leads: String(g.leads),
      contacted: pct(g.outcomes.contacted.rate),
      qualified: pct(g.outcomes.qualified.rate),
      touch: mins(g.timeToFirstTouchMs.p50),
      sla: g.sla.clocks === 0 ? "–" : `${pct(g.sla.metRate)} (${g.sla.met} of ${g.sla.met + g.sla.missed}${g.sla.running ? `, ${g.sla.running} running` : ""})`,
    })),
  )}\nThe same figures per owner and source: ${base}/console/kpis`,
);
