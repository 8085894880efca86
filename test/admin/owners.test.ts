import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { events } from "../../src/db/schema";
import { flushInbox, post, routeAndDeliverEvents } from "../helpers";
import { admin, json, problem, readToken } from "./helpers";

const weekdays = { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] };

const document = {
  sources: [
    { id: "forms", provider: "none" },
    { id: "chat", provider: "none" },
  ],
  owners: [
    { id: "101", name: "Ada", timeZone: "Europe/Berlin", workingHours: weekdays },
    { id: "102", name: "Grace", timeZone: "America/New_York", workingHours: weekdays },
    { id: "103", name: "Hiro", timeZone: "Asia/Tokyo", workingHours: weekdays },
  ],
  pools: [
    {
      id: "global",
      availability: "working_hours",
      fallbackOwnerId: "900",
      members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "103" }],
    },
    // Any hour, but time away still counts.
    { id: "anytime", members: [{ ownerId: "101" }, { ownerId: "102" }] },
  ],
  routes: [
    { id: "chat", sources: ["chat"], when: { always: true }, actions: [{ assign: { pool: "anytime" } }] },
    { id: "all", when: { always: true }, actions: [{ assign: { pool: "global" } }] },
  ],
};

interface Simulation {
  ownerId?: string;
  trace: { owner?: { reason?: string } };
}

let sequence = 0;
/** Who the pool would give a new lead to at `at`. */
async function ownerAt(at: string): Promise<Simulation> {
  const body = { source: "forms", payload: { email: `lead${++sequence}@example${sequence}.com` }, at };
  return json<Simulation>(await admin("POST", "/v1/simulate", { body }));
}

beforeAll(async () => {
  await json(await admin("PUT", "/v1/config", { body: document }));
});

describe("a working_hours pool, simulated at a moment", () => {
  it("gives the lead to whoever is at work in their own zone, else to the fallback owner", async () => {
    // Monday 2026-12-07 08:30 UTC: Berlin 09:30, New York 03:30, Tokyo 17:30.
    expect((await ownerAt("2026-12-07T08:30:00Z")).ownerId).toBe("101");
    // 15:00 UTC: Berlin 16:00 and New York 10:00 both work.
    expect(["101", "102"]).toContain((await ownerAt("2026-12-07T15:00:00Z")).ownerId);
    // 23:30 UTC: Berlin 00:30 Tuesday, New York 18:30, Tokyo 08:30 Tuesday: nobody.
    const night = await ownerAt("2026-12-07T23:30:00Z");
    expect(night.ownerId).toBe("900");
    expect(night.trace.owner?.reason).toContain("outside working hours (Tue 00:30 Europe/Berlin)");
    // Tuesday 00:30 UTC: Tokyo 09:30.
    expect((await ownerAt("2026-12-08T00:30:00Z")).ownerId).toBe("103");
    // Saturday: nobody works.
    expect((await ownerAt("2026-12-12T12:00:00Z")).ownerId).toBe("900");
  });

  it("takes an offset in `at` as the same instant", async () => {
    expect((await ownerAt("2026-12-07T09:30:00+01:00")).ownerId).toBe("101");
  });

  it("refuses an `at` that is not an ISO 8601 instant", async () => {
    const body = { source: "forms", payload: { email: "x@example.com" }, at: "Monday morning" };
    expect((await problem(await admin("POST", "/v1/simulate", { body }), 422)).problems?.[0]?.pointer).toBe("/at");
  });
});

describe("PUT and DELETE /admin/v1/owners/{id}/away", () => {
  it("takes effect at once, without a configuration version, and ends at once", async () => {
    const versionBefore = (await json<{ version: number }>(await admin("GET", "/v1/config"))).version;
    const away = await json<{ away: boolean; reason: string; runtimeAway: { until: string } }>(
      await admin("PUT", "/v1/owners/101/away", { body: { from: "2026-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: "sick" } }),
    );
    expect(away).toMatchObject({ away: true, runtimeAway: { until: "2099-01-01T00:00:00.000Z" } });
    expect(away.reason).toBe("away until 2099-01-01T00:00Z (sick)");
    const monday = await ownerAt("2026-12-07T08:30:00Z");
    expect(monday.ownerId).toBe("900");
    expect(monday.trace.owner?.reason).toContain("101 away until 2099-01-01T00:00Z (sick)");
    expect((await json<{ version: number }>(await admin("GET", "/v1/config"))).version).toBe(versionBefore);

    expect(await json(await admin("DELETE", "/v1/owners/101/away"))).toMatchObject({ id: "101", away: false });
    expect((await ownerAt("2026-12-07T08:30:00Z")).ownerId).toBe("101");
  });

  it("lists every owner with their local time and status", async () => {
    const { items } = await json<{ items: { id: string; timeZone: string; pools: string[] }[] }>(await admin("GET", "/v1/owners"));
    expect(items.map((o) => [o.id, o.timeZone])).toEqual([
      ["101", "Europe/Berlin"],
      ["102", "America/New_York"],
      ["103", "Asia/Tokyo"],
      ["900", "UTC"],
    ]);
    expect(items.every((o) => o.pools.includes("global"))).toBe(true);
  });

  it("refuses an unknown owner, a past `until`, and the read-only token", async () => {
    expect((await problem(await admin("PUT", "/v1/owners/nobody/away", { body: { until: "2099-01-01T00:00:00Z" } }), 404)).code).toBe("entry_not_found");
    expect((await problem(await admin("PUT", "/v1/owners/102/away", { body: { until: "2001-01-01T00:00:00Z" } }), 422)).problems?.[0]?.pointer).toBe("/until");
    expect((await admin("DELETE", "/v1/owners/102/away", { token: readToken })).status).toBe(403);
  });
});

describe("routing with an owner away", () => {
  it("skips the owner in every pool while away, from the next lead on", async () => {
    await json(await admin("PUT", "/v1/owners/101/away", { body: { until: "2099-01-01T00:00:00Z", reason: "home sick" } }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await post("/in/chat", JSON.stringify({ email: `chat${i}@company${i}.com` }), { "content-type": "application/json" });
      ids.push((await json<{ id: string }>(response, 202)).id);
    }
    await flushInbox("chat");
    await routeAndDeliverEvents(ids);
    const db = createDb(env.DB);
    const rows = await Promise.all(ids.map(async (id) => (await db.select().from(events).where(eq(events.id, id)))[0]));
    expect(rows.map((row) => row?.ownerId)).toEqual(["102", "102", "102"]);
    expect(rows[0]?.trace ?? "").toContain("101 away until 2099-01-01T00:00Z (home sick)");
    await json(await admin("DELETE", "/v1/owners/101/away"));
  });
});

describe("a pool that holds leads, simulated at a moment", () => {
  it("says until when the lead is held and who takes it then", async () => {
    const held = { ...document, pools: document.pools.map((p) => (p.id === "global" ? { ...p, whenNobodyAvailable: "hold" } : p)) };
    await json(await admin("PUT", "/v1/config", { body: held }));
    interface Held extends Simulation {
      status: string;
      hold?: { pool: string; until?: string; ownerId?: string };
      actions: unknown[];
    }
    // Saturday: nobody works until Monday 09:00 in Tokyo (00:00 UTC).
    const saturday = await json<Held>(
      await admin("POST", "/v1/simulate", { body: { source: "forms", payload: { email: "sat@example.org" }, at: "2026-12-12T12:00:00Z" } }),
    );
    expect(saturday).toMatchObject({ status: "held", ownerId: "103", hold: { pool: "global", until: "2026-12-14T00:00:00.000Z", ownerId: "103" } });
    expect(saturday.trace.owner?.reason).toMatch(/; held until 2026-12-14T00:00:00\.000Z, then 103 \(round robin/);
    // While somebody works the pool assigns at once, as before.
    const monday = await json<Held>(
      await admin("POST", "/v1/simulate", { body: { source: "forms", payload: { email: "mon@example.org" }, at: "2026-12-07T08:30:00Z" } }),
    );
    expect(monday).toMatchObject({ status: "routed", ownerId: "101" });
    expect(monday.hold).toBeUndefined();
    await json(await admin("PUT", "/v1/config", { body: document }));
  });
});
