import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { claimQuery, firstInLineQuery, killQuery, pendingDeliveriesOf, settleEventsStatement } from "../../src/db/deliveries";
import { cursorStart, requeueQuery, scanRetryWindowQuery } from "../../src/db/delivery-retry";

/** SQLite's plan for a statement: one line per step. */
async function planOf(query: { sql: string; params: unknown[] }): Promise<string[]> {
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .bind(...query.params)
    .all<{ detail: string }>();
  return plan.results.map((r) => r.detail);
}

// Statements run for every consumer batch must cost in proportion to the batch, not
// to the history in D1: no step may walk a status index (every routed event, every
// failed delivery ever stored).
describe("query plans of per-batch statements", () => {
  it("settling a delivery batch's events finds them by id and their deliveries by event", async () => {
    const steps = await planOf(settleEventsStatement(createDb(env.DB), ["evt_a", "evt_b"], 1).toSQL());
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH events USING INDEX sqlite_autoindex_events_1 \(id=\?\)/));
    expect(steps.filter((s) => s.startsWith("SEARCH deliveries")).every((s) => s.includes("deliveries_event (event_id=?)"))).toBe(true);
    expect(steps.join("\n")).not.toMatch(/status/);
  });

  it.each([
    [
      "claiming",
      () => claimQuery(createDb(env.DB), ["dlv_a", "dlv_b"], 1, 1).toSQL(),
      /^SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/,
    ],
    [
      "dead-lettering",
      () => killQuery(createDb(env.DB), ["dlv_a"], "gone", 1).toSQL(),
      /^SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/,
    ],
    ["re-sending an event's", () => pendingDeliveriesOf(createDb(env.DB), "evt_a").toSQL(), /^SEARCH deliveries USING INDEX deliveries_event \(event_id=\?\)/],
  ])("%s pending deliveries finds them by id or event, not through every pending one", async (_what, query, lookup) => {
    const steps = await planOf(query());
    expect(steps).toContainEqual(expect.stringMatching(lookup));
    expect(steps.join("\n")).not.toMatch(/status/);
  });

  it.each([
    ["claiming", () => claimQuery(createDb(env.DB), ["dlv_a"], 1, 1).toSQL()],
    ["finding the first in line of", () => firstInLineQuery(createDb(env.DB), "pipedrive", ["lead_a"]).toSQL()],
  ])("%s a lead's deliveries looks older ones up by lead and destination", async (_what, query) => {
    const steps = await planOf(query());
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH older USING INDEX deliveries_lead_destination \(lead_id=\? AND destination_id=\?\)/));
    expect(steps.join("\n")).not.toMatch(/SCAN (deliveries|older)|status/);
  });
});

// A bulk retry job runs one step per alarm over a backlog of any size: each step
// must read a bounded range of an index from its cursor, never the whole table.
describe("query plans of a bulk retry's statements", () => {
  it("a step's scan walks the status index from the cursor, in index order", async () => {
    const filter = { status: ["dead" as const], destination: "hubspot", error: "503", fromMs: 1 };
    const steps = await planOf(scanRetryWindowQuery(createDb(env.DB), filter, "dead", { ...cursorStart, at: 5, id: "evt_x:0" }, 10, 10, 500).toSQL());
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH deliveries USING INDEX deliveries_status_next \(status=\? AND next_attempt_at>\?\)/));
    // The superseded-upsert check looks the lead's deliveries up by lead and destination.
    expect(steps).toContainEqual(expect.stringMatching(/SEARCH newer USING INDEX deliveries_lead_destination \(lead_id=\? AND destination_id=\?\)/));
    expect(steps.join("\n")).not.toMatch(/SCAN (deliveries|newer)/);
  });

  it("re-queuing finds the chunk's deliveries by id", async () => {
    const steps = await planOf(requeueQuery(createDb(env.DB), ["evt_a:0", "evt_b:0"], ["dead", "failed"], 10, 10).toSQL());
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/));
    expect(steps.join("\n")).not.toMatch(/status/);
  });
});
