import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { clearConfigCache } from "../../src/config/store";
import { createDb } from "../../src/db/client";
import { pendingByDestination, readMetricCounts, webhookToCrmBucketsMs } from "../../src/db/metric-counts";
import { deliveries } from "../../src/db/schema";
import worker from "../../src/index";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, postSigned, routeQueued, runQueue, standardSecret } from "../helpers";
import { admin, problem, readToken } from "./helpers";

let hubspot: FakeHandle;

const typeform = (email: string, score: number) => ({
  event_id: crypto.randomUUID(),
  form_response: { hidden: { email, first_name: "Ada", company: "Analytical Engines" }, calculated: { score } },
});

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Parsed {
  types: Map<string, string>;
  samples: ParsedSample[];
}

/**
 * A strict reader of the text format 0.0.4: every line is a HELP, a TYPE or a sample
 * of a family declared before it, label values escaped, values numbers.
 */
function parseExposition(text: string): Parsed {
  expect(text.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: ParsedSample[] = [];
  const name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const labelRe = new RegExp(`(${name})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, "g");
  const sampleRe = new RegExp(`^(${name})(?:\\{((?:${name}="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (-?[0-9.e+-]+|\\+Inf|-Inf|NaN)$`);
  for (const line of text.slice(0, -1).split("\n")) {
    const help = line.match(new RegExp(`^# HELP (${name}) .+$`));
    if (help?.[1]) {
      helps.add(help[1]);
      continue;
    }
    const type = line.match(new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`));
    if (type?.[1] && type[2]) {
      expect(types.has(type[1]), `TYPE ${type[1]} once`).toBe(false);
      types.set(type[1], type[2]);
      continue;
    }
    const sample = line.match(sampleRe);
    expect(sample, `a sample line: ${line}`).not.toBeNull();
    const [, sampleName = "", labelText = "", value = ""] = sample ?? [];
    const family = [...types.keys()].find(
      (f) => sampleName === f || (types.get(f) === "histogram" && /^_(bucket|sum|count)$/.test(sampleName.slice(f.length)) && sampleName.startsWith(f)),
    );
    expect(family, `${sampleName} belongs to a declared family`).toBeDefined();
    expect(helps.has(family ?? "")).toBe(true);
    const labels: Record<string, string> = {};
    for (const [, label = "", raw = ""] of labelText.matchAll(labelRe)) labels[label] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: sampleName, labels, value: Number(value.replace("+Inf", "Infinity")) });
  }
  return { types, samples };
}

function sampleValue(parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsed.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length,
  )?.value;
}

async function scrape(token = readToken): Promise<Parsed> {
  const response = await admin("GET", "/v1/metrics", { token });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(text);
}

/** A delivery row written directly, as the routing consumer would (an upsert, due at once). */
function deliveryRow(id: string, destinationId: string, status: "pending" | "succeeded" = "pending", eventId = id.split(":")[0] ?? id) {
  return { id, eventId, destinationId, action: "upsert" as const, status, payload: "{}", nextAttemptAt: 0, createdAt: 0, updatedAt: 0 };
}

/** An event row written directly, as an inbox flush would. */
function insertEvent(id: string, sourceId: string, status: string, receivedAt = 0) {
  return env.DB.prepare(
    "INSERT INTO events (id, source_id, status, headers, body_size, verification, received_at, stored_at, updated_at) VALUES (?, ?, ?, '{}', 0, '{}', ?, 0, 0)",
  )
    .bind(id, sourceId, status, receivedAt)
    .run();
}

async function deliverAll(messages: DeliveryMessage[]) {
  return runQueue(queueNames.deliveries, messages);
}

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  await configure({
    sources: [
      {
        id: "typeform-leads",
        provider: "standard-webhooks",
        secrets: [standardSecret],
        mapping: { email: "form_response.hidden.email", firstName: "form_response.hidden.first_name", score: "$number(form_response.calculated.score)" },
      },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 3 },
      { id: "idle-hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url },
    ],
    routes: [{ id: "hot", when: { all: [{ field: "score", op: "gte", value: 50 }] }, actions: [{ upsert: { destination: "hubspot" } }] }],
  });
});

describe("GET /admin/v1/metrics", () => {
  it("answers the read token with every family, before any traffic", async () => {
    const parsed = await scrape();
    expect(Object.fromEntries(parsed.types)).toMatchObject({
      switchboard_events_total: "counter",
      switchboard_deliveries_total: "counter",
      switchboard_deliveries_pending: "gauge",
      switchboard_oldest_pending_seconds: "gauge",
      switchboard_destination_state: "gauge",
      switchboard_webhook_to_crm_seconds: "histogram",
    });
    // Configured destinations are listed before their first delivery, all active.
    for (const destination of ["hubspot", "idle-hubspot"]) {
      expect(sampleValue(parsed, "switchboard_deliveries_pending", { destination })).toBe(0);
      expect(sampleValue(parsed, "switchboard_destination_state", { destination, state: "active" })).toBe(1);
      for (const state of ["paused", "open", "half_open"]) expect(sampleValue(parsed, "switchboard_destination_state", { destination, state })).toBe(0);
    }
    expect(sampleValue(parsed, "switchboard_webhook_to_crm_seconds_count")).toBe(0);
  });

  it("refuses a request without a token", async () => {
    expect((await problem(await admin("GET", "/v1/metrics", { token: null }), 401)).code).toBe("unauthorized");
  });

  it("counts events and deliveries as they are routed and delivered, and writes each to Analytics Engine", async () => {
    const points = vi.spyOn(env.ANALYTICS, "writeDataPoint");
    await postSigned("typeform-leads", typeform("ada@example.com", 91));
    await postSigned("typeform-leads", typeform("grace@example.com", 70));
    await postSigned("typeform-leads", typeform("alan@example.com", 10));
    const { messages } = await routeQueued("typeform-leads");
    expect(messages).toHaveLength(2);

    const routed = await scrape();
    expect(sampleValue(routed, "switchboard_events_total", { source: "typeform-leads", status: "queued" })).toBe(3);
    expect(sampleValue(routed, "switchboard_events_total", { source: "typeform-leads", status: "delivering" })).toBe(2);
    expect(sampleValue(routed, "switchboard_events_total", { source: "typeform-leads", status: "unmatched" })).toBe(1);
    expect(sampleValue(routed, "switchboard_deliveries_total", { destination: "hubspot", status: "pending" })).toBe(2);
    expect(sampleValue(routed, "switchboard_deliveries_pending", { destination: "hubspot" })).toBe(2);
    const oldest = sampleValue(routed, "switchboard_oldest_pending_seconds", { destination: "hubspot" }) ?? -1;
    expect(oldest).toBeGreaterThanOrEqual(0);
    expect(oldest).toBeLessThan(600);

    // The first attempt fails with a 503 (stays pending, counted nowhere new), the retry lands.
    await hubspot.fault([{ status: 503, count: 1 }]);
    await deliverAll(messages);
    const rows = await createDb(env.DB).select().from(deliveries).where(eq(deliveries.destinationId, "hubspot"));
    const left = rows.filter((d) => d.status === "pending");
    expect(left.length).toBeGreaterThan(0);
    await createDb(env.DB).update(deliveries).set({ nextAttemptAt: 0 }).where(eq(deliveries.status, "pending"));
    await deliverAll(left.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })));

    const done = await scrape();
    expect(sampleValue(done, "switchboard_events_total", { source: "typeform-leads", status: "routed" })).toBe(2);
    expect(sampleValue(done, "switchboard_deliveries_total", { destination: "hubspot", status: "succeeded" })).toBe(2);
    expect(sampleValue(done, "switchboard_deliveries_pending", { destination: "hubspot" })).toBe(0);
    expect(sampleValue(done, "switchboard_oldest_pending_seconds", { destination: "hubspot" })).toBe(0);
    expect(sampleValue(done, "switchboard_webhook_to_crm_seconds_count")).toBe(2);
    expect(sampleValue(done, "switchboard_webhook_to_crm_seconds_bucket", { le: "+Inf" })).toBe(2);
    expect(sampleValue(done, "switchboard_webhook_to_crm_seconds_sum")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(done, "switchboard_d1_size_bytes")).toBeGreaterThan(0);
    // Buckets are cumulative: never decreasing towards +Inf.
    const buckets = done.samples.filter((s) => s.name === "switchboard_webhook_to_crm_seconds_bucket").map((s) => s.value);
    expect(buckets).toHaveLength(webhookToCrmBucketsMs.length + 1);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect((await eventsOf("typeform-leads")).map((e) => e.status).sort()).toEqual(["routed", "routed", "unmatched"]);
    // One data point per decided event and one per attempt: both leads went in one
    // HubSpot batch call, refused with the 503, then both in the retry that landed.
    const kinds = points.mock.calls.map(([point]) => point?.blobs?.slice(0, 3));
    points.mockRestore();
    expect(
      kinds
        .filter((k) => k?.[0] === "event")
        .map((k) => k?.[2])
        .sort(),
    ).toEqual(["routed", "routed", "unmatched"]);
    expect(
      kinds
        .filter((k) => k?.[0] === "attempt")
        .map((k) => k?.[2])
        .sort(),
    ).toEqual(["retryable", "retryable", "succeeded", "succeeded"]);
  });

  it("reads one row per series, not one per event", async () => {
    // A first lead creates the series; the 20 after it only add to them.
    await postSigned("typeform-leads", typeform("first@example.com", 80));
    await routeQueued("typeform-leads");
    const before = await readMetricCounts(env.DB);
    const pendingBefore = sampleValue(await scrape(), "switchboard_deliveries_pending", { destination: "hubspot" }) ?? 0;
    for (let i = 0; i < 20; i++) await postSigned("typeform-leads", typeform(`bulk${i}@example.com`, 80));
    await routeQueued("typeform-leads");
    const after = await readMetricCounts(env.DB);
    // 20 more events and deliveries, no new series, one pending destination more to look up.
    expect(after.rows.length).toBe(before.rows.length);
    expect(after.rowsRead).toBeLessThanOrEqual(after.rows.length + 2);
    const parsed = await scrape();
    expect(sampleValue(parsed, "switchboard_deliveries_pending", { destination: "hubspot" })).toBe(pendingBefore + 20);
    expect(sampleValue(parsed, "switchboard_metrics_rows_read")).toBe(after.rowsRead);
  });

  it("puts each webhook → CRM time in the bucket the trigger and the renderer agree on", async () => {
    const db = createDb(env.DB);
    const event = { id: "evt_buckets", receivedAt: 1_000_000 };
    await insertEvent(event.id, "bucket-source", "delivering", event.receivedAt);
    const base = (await readMetricCounts(env.DB)).rows.filter((r) => r.metric === "webhook_to_crm_ms");
    const counted = new Map(base.map((r) => [r.a, r.value]));
    const bounds = [...webhookToCrmBucketsMs, webhookToCrmBucketsMs.at(-1)! + 1];
    for (const [i, ms] of bounds.entries()) {
      await db.insert(deliveries).values(deliveryRow(`bucket-${i}`, "bucket-check", "pending", event.id));
      await db
        .update(deliveries)
        .set({ status: "succeeded", updatedAt: event.receivedAt + ms })
        .where(eq(deliveries.id, `bucket-${i}`));
    }
    const rows = (await readMetricCounts(env.DB)).rows.filter((r) => r.metric === "webhook_to_crm_ms");
    const added = Object.fromEntries(rows.map((r) => [r.a, r.value - (counted.get(r.a) ?? 0)]));
    expect(added).toEqual(Object.fromEntries([...webhookToCrmBucketsMs.map(String), "+Inf"].map((bound) => [bound, 1])));
  });

  it("lists a destination's state with every state label once", async () => {
    const parsed = await scrape();
    const states = parsed.samples.filter((s) => s.name === "switchboard_destination_state" && s.labels.destination === "hubspot");
    expect(states.map((s) => s.labels.state).sort()).toEqual(["active", "half_open", "open", "paused"]);
    expect(states.reduce((sum, s) => sum + s.value, 0)).toBe(1);
  });

  it("counts the rows stored before the migration: the backlog read from the counters is exact", async () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0009_"));
    const backfill = (migration?.queries ?? []).filter((q) => /INSERT INTO metric_counts[\s\S]*FROM (events|deliveries)/.test(q) && !q.includes("TRIGGER"));
    expect(backfill).toHaveLength(4);
    await createDb(env.DB)
      .insert(deliveries)
      .values([
        deliveryRow("evt_backfill:0", "backfill-check"),
        deliveryRow("evt_backfill:1", "backfill-check"),
        deliveryRow("evt_backfill:2", "backfill-check", "succeeded"),
      ]);
    await insertEvent("evt_backfill_a", "backfill-source", "queued");
    await insertEvent("evt_backfill_b", "backfill-source", "routed");
    await env.DB.prepare("DELETE FROM metric_counts").run();
    for (const query of backfill) await env.DB.prepare(query).run();
    const { rows } = await readMetricCounts(env.DB);
    const pending = await env.DB.prepare("SELECT destination_id, count(*) AS n FROM deliveries WHERE status = 'pending' GROUP BY destination_id").all<{
      destination_id: string;
      n: number;
    }>();
    const fromCounters = pendingByDestination(rows);
    expect(fromCounters.get("backfill-check")).toBe(2);
    for (const { destination_id, n } of pending.results) expect(fromCounters.get(destination_id)).toBe(n);
    const counted = (b: string) => rows.find((r) => r.metric === "events" && r.a === "backfill-source" && r.b === b)?.value;
    expect([counted("queued"), counted("routed")]).toEqual([2, 1]);
  });

  it("still answers when the configuration cannot be opened, listing the destinations it counted", async () => {
    await createDb(env.DB).insert(deliveries).values(deliveryRow("evt_unreadable:0", "counted-only"));
    clearConfigCache();
    const response = await worker.fetch(
      new Request("https://gateway.test/admin/v1/metrics", { headers: { authorization: `Bearer ${readToken}` } }),
      { ...env, CONFIG_KEY: "another-config-key-0123456789abcdef" } as Env,
      createExecutionContext(),
    );
    clearConfigCache();
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const parsed = parseExposition(text);
    expect(sampleValue(parsed, "switchboard_deliveries_pending", { destination: "counted-only" })).toBe(1);
    // The configured destination without deliveries is what the unreadable configuration costs.
    expect(sampleValue(parsed, "switchboard_deliveries_pending", { destination: "idle-hubspot" })).toBeUndefined();
  });
});
