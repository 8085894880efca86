import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

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
