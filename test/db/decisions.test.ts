import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { decideEventsQueries, type EventDecision } from "../../src/db/decisions";
import { bodyStoreOf } from "../../src/db/event-bodies";
import { insertEvents } from "../../src/db/events";
import { runQueries } from "../../src/db/json-rows";
import { deliveries, leads } from "../../src/db/schema";
import type { Decision } from "../../src/routing/decision";
import { decisionRecord } from "../../src/routing/record";

function decision(id: string, overrides: Partial<EventDecision> = {}): EventDecision {
  return {
    id,
    status: "routed",
    statusReason: null,
    lead: JSON.stringify({ email: `${id}@example.com` }),
    trace: JSON.stringify({ explain: [`routed ${id}`] }),
    routeId: "hot",
    experiment: null,
    arm: null,
    ownerId: "owner-1",
    leadId: `lead_${id}`,
    decidedAt: 1_700_000_000_000,
    ...overrides,
  };
}

async function storeQueued(ids: string[]) {
  await insertEvents(
    env.DB,
    bodyStoreOf(env),
    ids.map((id) => ({
      id,
      sourceId: "decisions-test",
      dedupKey: null,
      requestId: "req",
      contentType: null,
      headers: "{}",
      body: new Uint8Array([123, 125]),
      verification: "{}",
      receivedAt: 1,
    })),
  );
}

const columns = "status, status_reason, lead, trace, route_id, experiment, arm, owner_id, lead_id, decided_at, updated_at";

describe("decideEventsQueries", () => {
  it("writes every decision onto its queued event in one statement", async () => {
    const rows = [
      decision("evt_dec_a"),
      decision("evt_dec_b", { status: "invalid", statusReason: "No email or phone.", lead: null, routeId: null, ownerId: null, leadId: null }),
      decision("evt_dec_c", { status: "delivering", experiment: "first-touch", arm: "sdr" }),
    ];
    await storeQueued(rows.map((r) => r.id));
    const queries = decideEventsQueries(rows);
    expect(queries).toHaveLength(1);
    await runQueries(env.DB, queries);
    for (const row of rows) {
      const stored = await env.DB.prepare(`SELECT ${columns} FROM events WHERE id = ?`).bind(row.id).first();
      expect(stored).toEqual({
        status: row.status,
        status_reason: row.statusReason,
        lead: row.lead,
        trace: row.trace,
        route_id: row.routeId,
        experiment: row.experiment,
        arm: row.arm,
        owner_id: row.ownerId,
        lead_id: row.leadId,
        decided_at: row.decidedAt,
        updated_at: row.decidedAt,
      });
    }
  });

  it("leaves an event that is no longer queued as it is (a decision stored twice)", async () => {
    await storeQueued(["evt_dec_twice"]);
    await runQueries(env.DB, decideEventsQueries([decision("evt_dec_twice", { ownerId: "first" })]));
    await runQueries(env.DB, decideEventsQueries([decision("evt_dec_twice", { ownerId: "second", decidedAt: 2 })]));
    const stored = await env.DB.prepare("SELECT owner_id, decided_at FROM events WHERE id = ?").bind("evt_dec_twice").first();
    expect(stored).toEqual({ owner_id: "first", decided_at: 1_700_000_000_000 });
  });

  it("splits the rows over statements when their JSON would pass 1 MiB", async () => {
    const bigTrace = JSON.stringify({ explain: ["x".repeat(600 * 1024)] });
    const rows = ["evt_dec_big1", "evt_dec_big2", "evt_dec_big3"].map((id) => decision(id, { trace: bigTrace }));
    await storeQueued(rows.map((r) => r.id));
    const queries = decideEventsQueries(rows);
    expect(queries).toHaveLength(3);
    await runQueries(env.DB, queries);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE id LIKE 'evt_dec_big%' AND status = 'routed' AND length(trace) = ?")
      .bind(bigTrace.length)
      .first<{ n: number }>();
    expect(stored?.n).toBe(3);
  });

  it("looks each event up by id, not by walking every queued event", async () => {
    const [query] = decideEventsQueries([decision("evt_dec_plan")]);
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query?.sql}`)
      .bind(...(query?.params ?? []))
      .all<{ detail: string }>();
    const steps = plan.results.map((r) => r.detail);
    expect(steps[0]).toMatch(/^SCAN json_each/);
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH events USING INDEX sqlite_autoindex_events_1 \(id=\?\)/));
    expect(steps.join(" ")).not.toMatch(/status/);
  });

  it("makes no statement for no rows", () => {
    expect(decideEventsQueries([])).toEqual([]);
  });
});

describe("decisionRecord", () => {
  it("gives a delivery the lead row its email already has, when a concurrent batch recorded the email first", async () => {
    const db = createDb(env.DB);
    await db
      .insert(leads)
      .values({ id: "lead_first", email: "race@example.com", firstEventId: "evt_race_0", lastEventId: "evt_race_0", createdAt: 1, updatedAt: 1 });
    const delivery = {
      deliveryId: "evt_race_1:0",
      eventId: "evt_race_1",
      sourceId: "s",
      routeId: "r",
      lead: { email: "race@example.com", custom: {} },
      properties: {},
    };
    const decision: Decision = {
      status: "routed",
      lead: { email: "race@example.com", custom: {} },
      routeId: "r",
      deliveries: [{ destinationId: "pipedrive", action: "upsert", delivery }],
      trace: { mapping: { ok: true, warnings: [] }, routes: [], actions: [], explain: [] },
    };
    // This batch did not see the row: it decided the lead is new, under its own id.
    const record = decisionRecord(db, "evt_race_1", decision, 2, "lead_second");
    await runQueries(
      env.DB,
      record.statements.map((s) => s.toSQL()),
    );
    const [stored] = await db.select().from(deliveries).where(eq(deliveries.id, "evt_race_1:0"));
    expect(stored?.leadId).toBe("lead_first");
  });
});
