import { env } from "cloudflare:workers";
import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { events } from "../../src/db/schema";

// migrations/0011 made four lookup indexes partial (WHERE column IS NOT NULL) so a row
// without the value writes no index entry. SQLite uses such an index only when the
// query implies the column is not null: `= ?` and `IN (…)` do. These are the shapes
// the code uses (src/db/outcomes.ts, src/db/leads.ts via inIdList).
async function planOf(sql: string, ...params: unknown[]): Promise<string> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

/** The plan of a drizzle query, its values bound as the code binds them. */
function planOfQuery(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string> {
  const { sql: text, params } = query.toSQL();
  return planOf(text, ...params);
}

describe("partial status indexes of events", () => {
  const db = createDb(env.DB);
  const count = sql<number>`count(*)`;

  it("find queued events for the sweeper and the replay backlog", async () => {
    // src/db/events.ts findStuckEvents, src/db/event-queries.ts replaysInFlight
    const stuck = db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.status, "queued"), lt(events.updatedAt, 1)))
      .orderBy(events.updatedAt)
      .limit(10);
    expect(await planOfQuery(stuck)).toContain("events_queued_updated");
    const replays = db
      .select({ n: count })
      .from(events)
      .where(and(eq(events.status, "queued"), gte(events.updatedAt, 1), isNotNull(events.replayOf)));
    expect(await planOfQuery(replays)).toContain("events_queued_updated");
  });

  it("find dead events for the stats and the dead-letter list", async () => {
    // src/db/event-stats.ts eventStats, deadRoutings
    const deadCount = db
      .select({ n: count })
      .from(events)
      .where(and(eq(events.status, "dead"), gte(events.updatedAt, 1), lt(events.updatedAt, 2)));
    expect(await planOfQuery(deadCount)).toContain("events_dead_updated");
    const deadList = db.select({ id: events.id }).from(events).where(eq(events.status, "dead")).orderBy(desc(events.updatedAt), desc(events.id)).limit(50);
    expect(await planOfQuery(deadList)).toContain("events_dead_updated");
  });

  it("hold an event only while it is queued or dead", async () => {
    const insert = (id: string, status: string) =>
      env.DB.prepare(
        "INSERT INTO events (id, source_id, status, headers, body_size, verification, received_at, stored_at, updated_at) VALUES (?, 'partial', ?, '{}', 0, '{}', 1, 1, 1)",
      )
        .bind(id, status)
        .run();
    const queued = await insert("evt_partial_q", "queued");
    const routed = await insert("evt_partial_r", "routed");
    expect(queued.meta.rows_written - routed.meta.rows_written).toBe(1);
    // Settling a decided event writes its row and the metric trigger's row (migrations/0009),
    // no status index entry: one more than a change to a column nothing indexes.
    await env.DB.prepare("UPDATE events SET status = 'delivering', updated_at = 2 WHERE id = 'evt_partial_q'").run();
    const touch = await env.DB.prepare("UPDATE events SET status_reason = 'x' WHERE id = 'evt_partial_q'").run();
    const settle = await env.DB.prepare("UPDATE events SET status = 'routed', updated_at = 3 WHERE id = 'evt_partial_q'").run();
    expect(settle.meta.rows_written).toBe(touch.meta.rows_written + 1);
  });
});

describe("partial lookup indexes", () => {
  it("serve the lookups by value", async () => {
    expect(await planOf("SELECT id FROM events WHERE lead_id = ? LIMIT 1", "lead_1")).toContain("events_lead");
    expect(
      await planOf("SELECT event_id FROM deliveries WHERE external_id = ? AND destination_id IN (SELECT value FROM json_each(?))", "rec_1", '["hubspot"]'),
    ).toContain("deliveries_external");
    expect(await planOf("SELECT id FROM leads WHERE phone IN (SELECT value FROM json_each(?))", '["+4930123"]')).toContain("leads_phone");
    expect(await planOf("SELECT id FROM leads WHERE domain IN (SELECT value FROM json_each(?))", '["example.com"]')).toContain("leads_domain");
  });

  it("write no entry for a row without the value", async () => {
    const insert = (id: string, phone: string | null) =>
      env.DB.prepare(
        "INSERT INTO leads (id, email, phone, domain, first_event_id, last_event_id, created_at, updated_at) VALUES (?, ?, ?, NULL, 'evt_x', 'evt_x', 1, 1)",
      )
        .bind(id, `${id}@example.org`, phone)
        .run();
    const without = await insert("lead_partial_1", null);
    const withPhone = await insert("lead_partial_2", "+4930123");
    expect(withPhone.meta.rows_written - without.meta.rows_written).toBe(1);
  });

  it("leave attempts with the one index something reads", async () => {
    const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attempts' AND sql IS NOT NULL").all<{
      name: string;
    }>();
    expect(results.map((r) => r.name)).toEqual(["attempts_event"]);
  });
});
