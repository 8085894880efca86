import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import * as metered from "../../scripts/cost/metered-entry";
import { meterEnv, readUsage, resetUsage, statementKey, statementKind } from "../../scripts/cost/usage-meter";

// The cost run (scripts/cost/run.mjs) trusts these counts: they must be D1's own,
// including the rows that indexes and the metric triggers (migrations/0009) write.
const classOf = { SOURCE_INBOX: "SourceInbox" };

const insertEvent = (db: D1Database, id: string) =>
  db
    .prepare(
      "INSERT INTO events (id, source_id, status, headers, body_size, verification, received_at, stored_at, updated_at) VALUES (?, 'meter', 'queued', '{}', 0, '{}', 1, 1, 1)",
    )
    .bind(id);

describe("usage meter", () => {
  it("adds up the rows D1 reports for each statement, triggers and indexes included", async () => {
    resetUsage();
    const metered = meterEnv(env, classOf);
    const result = await insertEvent(metered.DB, "evt_meter_1").run();
    // The row, its primary-key index, two indexes and the metric trigger's row at least.
    expect(result.meta.rows_written).toBeGreaterThanOrEqual(4);
    const usage = readUsage();
    expect(usage.d1Queries).toBe(1);
    expect(usage.d1RowsWritten).toBe(result.meta.rows_written);
    const [key, entry] = Object.entries(usage.d1ByStatement)[0] ?? [];
    expect(key).toMatch(/^insert events :: INSERT INTO events/);
    expect(entry?.rowsWritten).toBe(result.meta.rows_written);
  });

  it("counts what raw() and first() read although they drop D1's meta", async () => {
    const metered = meterEnv(env, classOf);
    await insertEvent(metered.DB, "evt_meter_2").run();
    const sql = "SELECT id FROM events WHERE source_id = 'meter'";
    const reported = await env.DB.prepare(sql).all();
    resetUsage();
    await metered.DB.prepare(sql).raw();
    await metered.DB.prepare(sql).first();
    expect(readUsage().d1RowsRead).toBe(2 * reported.meta.rows_read);
  });

  it("counts every statement of a batch", async () => {
    resetUsage();
    const metered = meterEnv(env, classOf);
    const results = await metered.DB.batch([insertEvent(metered.DB, "evt_meter_3"), insertEvent(metered.DB, "evt_meter_4")]);
    const usage = readUsage();
    expect(usage.d1Queries).toBe(2);
    expect(usage.d1RowsWritten).toBe(results.reduce((sum, r) => sum + r.meta.rows_written, 0));
  });

  it("counts a queue write per message and a KV read per key", async () => {
    resetUsage();
    const metered = meterEnv(env, classOf);
    await metered.ROUTING_QUEUE.sendBatch([{ body: { eventId: "a" } }, { body: { eventId: "b" } }]);
    await metered.CONFIG.get("nothing-here");
    const usage = readUsage();
    expect(usage.queueWrites).toBe(2);
    expect(usage.queueMessagesSent).toEqual({ ROUTING_QUEUE: 2 });
    expect(usage.kvReads).toBe(1);
  });

  it("the metered entry exports every Durable Object class the gateway does", async () => {
    const gateway = await import("../../src/index");
    const classes = (module: Record<string, unknown>) => Object.keys(module).filter((name) => name !== "default");
    expect(classes(metered).sort()).toEqual(classes(gateway).sort());
  });

  it("names statements by verb and table", () => {
    expect(statementKind('insert into "events" ("id") values (?)')).toBe("insert events");
    expect(statementKind("UPDATE deliveries SET status = ?")).toBe("update deliveries");
    expect(statementKind("WITH x AS (SELECT 1) SELECT * FROM leads")).toBe("select leads");
    expect(statementKey("UPDATE deliveries\n   SET status = ?")).toBe("update deliveries :: UPDATE deliveries SET status = ?");
  });
});
