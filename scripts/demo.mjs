// `npm run demo`: against a gateway started with `npm start`, sends signed webhooks
// from the demo sources the way each provider signs them — leads for every route, a
// redelivery, a forged signature, a replayed old request and a burst over a source's
// rate — waits for routing, and prints where each lead went: status, route, owner and
// the CRM record, or why it was refused. Local only: no account, no network.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { demoFakePorts, demoSecrets } from "./demo/config.mjs";
import { burstLeads, burstSource, demoLeads, providerRequest } from "./demo/mix.mjs";
import { readDevVars } from "./dev-vars.mjs";
import { adminApi } from "./lib/admin-api.mjs";
import { crmRecordsByEmail, readFakeRecords } from "./lib/crm-records.mjs";
import { signatureHeaders } from "./lib/sign-webhook.mjs";
import { formatTable } from "./lib/table.mjs";
import { root } from "./wrangler-env.mjs";

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const finalStatuses = new Set(["routed", "partially_failed", "dead", "unmatched", "invalid"]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message) {
  console.error(message);
  process.exit(1);
}

if (!existsSync(path.join(root, ".dev.vars"))) fail("No .dev.vars yet: start the gateway first with `npm start` (it creates one).");
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
const secretOf = { "typeform-leads": demoSecrets.typeform, "calendly-meetings": demoSecrets.calendly, "website-signup": demoSecrets.website, "partner-referrals": demoSecrets.partner };
for (const id of Object.keys(secretOf)) if (!sources.has(id)) fail(`The gateway has no source '${id}': this demo expects the configuration \`npm start\` loads.`);
const ownerNames = new Map(config.pools.flatMap((p) => p.members.filter((m) => m.name).map((m) => [m.ownerId, m.name])));

/** One signed POST, as the source's provider would send it. */
async function send(sourceId, { body, deliveryId }, { secret = secretOf[sourceId], timestamp } = {}) {
  const headers = { "content-type": "application/json", ...signatureHeaders(sources.get(sourceId), secret, { body, deliveryId, ...(timestamp ? { timestamp } : {}) }) };
  const response = await fetch(`${base}/in/${sourceId}`, { method: "POST", headers, body });
  const json = await response.json().catch(() => ({}));
  return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
}

const runId = randomBytes(3).toString("hex");
const rows = [];
console.log(`Sending signed webhooks to ${base} …`);

// Leads, one by one, like providers sending over a few seconds.
const sent = [];
for (const { source, lead } of demoLeads) {
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
rows.push({ email: mallory.email, source: "typeform-leads", answer: await send("typeform-leads", providerRequest("typeform-leads", mallory), { secret: "not-the-typeform-secret" }), note: "forged signature" });

// A captured Calendly request replayed an hour later: genuine signature, stale timestamp.
const eve = { email: "eve@replay.example", firstName: "Eve", company: "Replay Attacks" };
rows.push({ email: eve.email, source: "calendly-meetings", answer: await send("calendly-meetings", providerRequest("calendly-meetings", eve), { timestamp: Math.floor(Date.now() / 1000) - 3600 }), note: "replayed an hour later" });

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

const records = await readFakeRecords(Object.fromEntries(Object.entries(demoFakePorts).map(([name, p]) => [name, `http://127.0.0.1:${p}`]))).catch(() => undefined);
const byEmail = records ? crmRecordsByEmail(records) : new Map();

function owner(id) {
  if (!id) return "—";
  return ownerNames.has(id) ? `${id} (${ownerNames.get(id)})` : id;
}

/** Where a lead landed: each CRM record, plus Slack and the forwarding receiver by event id. */
function landed(email, eventId) {
  const found = (byEmail.get(email.toLowerCase()) ?? []).map((r) => (r.crm === "pipedrive" ? `pipedrive person ${r.id}${r.leads ? " + lead" : ""}` : `${r.crm} ${r.id}`));
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
    return `${matched}${sticky}`;
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
