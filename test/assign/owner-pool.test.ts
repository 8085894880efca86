import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { poolAvailability } from "../../src/assign/availability";
import { type AssignResult, assignmentRetentionMs, type OwnerPool } from "../../src/assign/owner-pool";
import { ownerSchema } from "../../src/config/owners-schema";
import { type PoolConfig, poolSchema } from "../../src/config/schema";

// Storage is shared by the tests of this file, so each test uses its own pool id.
function pool(id: string, input: Omit<z.input<typeof poolSchema>, "id">): PoolConfig {
  return poolSchema.parse({ id, ...input });
}

function stubOf(config: PoolConfig) {
  return env.OWNER_POOL.getByName(config.id);
}

const day = 86_400_000;
const monday = Date.UTC(2026, 4, 4, 9, 0, 0);

function owner(result: AssignResult): string {
  if (!result.ok) throw new Error(`unassigned: ${result.reason}`);
  return result.ownerId;
}

async function assignMany(config: PoolConfig, n: number, { prefix = "evt", nowMs = monday } = {}) {
  const stub = stubOf(config);
  const owners: string[] = [];
  for (let i = 0; i < n; i++) {
    owners.push(owner(await stub.assign({ eventId: `${prefix}-${i}`, pool: config, nowMs })));
  }
  return owners;
}

function tally(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe("round robin", () => {
  it("takes equal-weight members in order", async () => {
    const config = pool("plain", { members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "103" }] });
    expect(await assignMany(config, 7)).toEqual(["101", "102", "103", "101", "102", "103", "101"]);
  });

  it("holds a 2:1 weight over 1,000 assignments, smoothly", async () => {
    const config = pool("weighted", { members: [{ ownerId: "101", weight: 2 }, { ownerId: "102" }] });
    const owners = await assignMany(config, 1000);
    expect(tally(owners)).toEqual({ "101": 667, "102": 333 });
    // Smooth: the cycle is 101 102 101, so 101 never gets three in a row, 102 never two.
    expect(owners.join(",")).not.toContain("101,101,101");
    expect(owners.join(",")).not.toContain("102,102");
    const stats = await stubOf(config).stats(monday);
    expect(stats.counts).toEqual({ "101": 667, "102": 333 });
    expect(stats.remembered).toBe(1000);
    // 1,000 sequential RPCs take a few seconds on a loaded 2-core machine.
  }, 30_000);

  it("answers with the owner, the member index, a reason and today's counts", async () => {
    const config = pool("answer", {
      members: [{ ownerId: "101", weight: 2, dailyCap: 40 }, { ownerId: "102" }],
    });
    const result = await stubOf(config).assign({ eventId: "e1", pool: config, nowMs: monday });
    expect(result).toEqual({
      ok: true,
      ownerId: "101",
      memberIndex: 0,
      fallback: false,
      reason: "round robin: 101's turn (weight 2), 1/40 today",
      day: "2026-05-04",
      counts: { "101": 1, "102": 0 },
    });
  });
});

describe("caps, pauses and fallback", () => {
  it("respects daily caps and resets them on the next UTC day", async () => {
    const config = pool("capped", { members: [{ ownerId: "101", dailyCap: 2 }, { ownerId: "102" }] });
    const stub = stubOf(config);
    expect(await assignMany(config, 6, { prefix: "d1" })).toEqual(["101", "102", "101", "102", "102", "102"]);
    const lastMs = Date.UTC(2026, 4, 4, 23, 59, 59, 999);
    const capped = await stub.assign({ eventId: "d1-late", pool: config, nowMs: lastMs });
    expect(capped).toMatchObject({ ownerId: "102", day: "2026-05-04" });
    expect(capped.reason).toContain("skipped 101 capped at 2/2");

    // One millisecond later it is Tuesday in UTC.
    const tuesday = Date.UTC(2026, 4, 5);
    const next = await assignMany(config, 4, { prefix: "d2", nowMs: tuesday });
    // 101 resumes where it stopped: it was 102's turn when 101 hit its cap.
    expect(next).toEqual(["102", "101", "102", "101"]);
    expect((await stub.stats(tuesday)).counts).toEqual({ "101": 2, "102": 2 });
    expect((await stub.stats(monday)).counts).toEqual({ "101": 2, "102": 5 });
  });

  it("skips paused members", async () => {
    const config = pool("paused", {
      members: [{ ownerId: "101" }, { ownerId: "102", paused: true }, { ownerId: "103" }],
    });
    expect(await assignMany(config, 4)).toEqual(["101", "103", "101", "103"]);
  });

  it("falls back when every member is capped", async () => {
    const config = pool("fallback", {
      members: [
        { ownerId: "101", dailyCap: 1 },
        { ownerId: "102", dailyCap: 1 },
      ],
      fallbackOwnerId: "900",
    });
    const stub = stubOf(config);
    await assignMany(config, 2);
    const before = await stub.stats(monday);
    const result = await stub.assign({ eventId: "third", pool: config, nowMs: monday });
    expect(result).toEqual({
      ok: true,
      ownerId: "900",
      fallback: true,
      reason: "no member available (101 capped at 1/1, 102 capped at 1/1); fallback owner 900",
      day: "2026-05-04",
      counts: { "101": 1, "102": 1, "900": 1 },
    });
    // The fallback does not move the rotation.
    expect((await stub.stats(monday)).rotation).toEqual(before.rotation);
  });

  it("says so when nobody can take the lead, changes nothing, and lets a retry succeed", async () => {
    const paused = pool("nobody", {
      members: [
        { ownerId: "101", paused: true },
        { ownerId: "102", paused: true },
      ],
    });
    const stub = stubOf(paused);
    const result = await stub.assign({ eventId: "e1", pool: paused, nowMs: monday });
    expect(result).toEqual({
      ok: false,
      reason: "no member available (101 paused, 102 paused), and the pool has no fallback owner",
      day: "2026-05-04",
      counts: { "101": 0, "102": 0 },
    });
    expect(await stub.stats(monday)).toEqual({ day: "2026-05-04", counts: {}, rotation: {}, remembered: 0 });

    // Someone is back when the message is redelivered: the failure was not remembered.
    const back = pool("nobody", { members: [{ ownerId: "101", paused: true }, { ownerId: "102" }] });
    expect(await stub.assign({ eventId: "e1", pool: back, nowMs: monday })).toMatchObject({ ok: true, ownerId: "102" });
  });
});

describe("idempotency", () => {
  it("answers a repeated event id with the first answer and counts it once", async () => {
    const config = pool("idem", { members: [{ ownerId: "101" }, { ownerId: "102" }] });
    const stub = stubOf(config);
    const first = await stub.assign({ eventId: "evt_same", pool: config, nowMs: monday });
    const statsAfterFirst = await stub.stats(monday);
    const again = await stub.assign({ eventId: "evt_same", pool: config, nowMs: monday });
    expect(again).toEqual(first);
    expect(await stub.stats(monday)).toEqual(statsAfterFirst);
    // Even a day later, under a changed configuration.
    const changed = pool("idem", { members: [{ ownerId: "103" }] });
    expect(await stub.assign({ eventId: "evt_same", pool: changed, nowMs: monday + day })).toEqual(first);
    // The rotation did not advance: the next new event goes to 102.
    expect(owner(await stub.assign({ eventId: "evt_other", pool: config, nowMs: monday }))).toBe("102");
  });

  it("forgets assignments after the retention period", async () => {
    const config = pool("prune", { members: [{ ownerId: "101" }, { ownerId: "102" }] });
    const stub = stubOf(config);
    expect(owner(await stub.assign({ eventId: "old", pool: config, nowMs: monday }))).toBe("101");
    const later = monday + assignmentRetentionMs + 1;
    expect(owner(await stub.assign({ eventId: "new", pool: config, nowMs: later }))).toBe("102");
    expect((await stub.stats(later)).remembered).toBe(1);
    // Daily counts are kept a week too.
    await stub.assign({ eventId: "newer", pool: config, nowMs: monday + 8 * day });
    await runInDurableObject(stub, (_instance: OwnerPool, state) => {
      const days = state.storage.sql.exec<{ day: string }>("SELECT DISTINCT day FROM daily_counts ORDER BY day");
      expect(days.toArray().map((row) => row.day)).toEqual(["2026-05-11", "2026-05-12"]);
    });
  });
});

describe("preview", () => {
  it("changes nothing, and the next assignment is what it said", async () => {
    const config = pool("preview", {
      members: [{ ownerId: "101", weight: 2, dailyCap: 5 }, { ownerId: "102" }, { ownerId: "103", paused: true }],
    });
    const stub = stubOf(config);
    await assignMany(config, 4);
    const before = await stub.stats(monday);
    const previews: AssignResult[] = [];
    for (let i = 0; i < 10; i++) previews.push(await stub.preview({ pool: config, nowMs: monday }));
    expect(new Set(previews.map((p) => JSON.stringify(p))).size).toBe(1);
    expect(await stub.stats(monday)).toEqual(before);
    expect(await stub.assign({ eventId: "after-preview", pool: config, nowMs: monday })).toEqual(previews[0]);
  });

  it("previews the fallback and the unassigned case too", async () => {
    const config = pool("preview-none", { members: [{ ownerId: "101", paused: true }] });
    const stub = stubOf(config);
    expect(await stub.preview({ pool: config, nowMs: monday })).toMatchObject({ ok: false });
    const withFallback = { ...config, fallbackOwnerId: "900" };
    expect(await stub.preview({ pool: withFallback, nowMs: monday })).toMatchObject({
      ok: true,
      ownerId: "900",
      fallback: true,
      counts: { "101": 0, "900": 1 },
    });
    expect((await stub.stats(monday)).counts).toEqual({});
  });
});

describe("concurrency and durability", () => {
  it("gives 100 concurrent assignments an exact distribution", async () => {
    const config = pool("concurrent", { members: [{ ownerId: "101", weight: 2 }, { ownerId: "102" }] });
    const stub = stubOf(config);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => stub.assign({ eventId: `c-${i}`, pool: config, nowMs: monday })));
    expect(tally(results.map(owner))).toEqual({ "101": 67, "102": 33 });
    // Every answer saw a distinct state: the counts after each lead run 1..100.
    const totals = results.map((r) => Object.values(r.counts).reduce((a, b) => a + b, 0));
    expect(new Set(totals).size).toBe(100);
  });

  it("counts a lead once when its redeliveries race", async () => {
    const config = pool("racing", { members: [{ ownerId: "101" }, { ownerId: "102" }] });
    const stub = stubOf(config);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stub.assign({ eventId: `r-${i % 10}`, pool: config, nowMs: monday })));
    for (let i = 0; i < 10; i++) {
      expect(results[i + 10]).toEqual(results[i]);
      expect(results[i + 20]).toEqual(results[i]);
    }
    expect((await stub.stats(monday)).counts).toEqual({ "101": 5, "102": 5 });
  });

  it("keeps its rotation when the object is reset", async () => {
    const config = pool("durable", {
      members: [{ ownerId: "a", weight: 5 }, { ownerId: "b" }, { ownerId: "c" }],
    });
    const first = await assignMany(config, 3, { prefix: "before" });
    await abortAllDurableObjects();
    const rest = await assignMany(config, 4, { prefix: "after" });
    expect([...first, ...rest].join("")).toBe("aabacaa");
    const reused = await stubOf(config).assign({ eventId: "before-0", pool: config, nowMs: monday });
    expect(owner(reused)).toBe("a");
    expect((await stubOf(config).stats(monday)).counts).toEqual({ a: 5, b: 1, c: 1 });
  });
});

describe("configuration changes", () => {
  it("follows members added, removed and reweighted mid-rotation", async () => {
    const v1 = pool("changes", { members: [{ ownerId: "101" }, { ownerId: "102" }] });
    expect(await assignMany(v1, 3, { prefix: "v1" })).toEqual(["101", "102", "101"]);
    // 101 leaves, 103 joins at zero: 102 (whose turn it was) then 103 alternate.
    const v2 = pool("changes", { members: [{ ownerId: "102" }, { ownerId: "103" }] });
    expect(await assignMany(v2, 4, { prefix: "v2" })).toEqual(["102", "103", "102", "103"]);
    expect(Object.keys((await stubOf(v2).stats(monday)).rotation).sort()).toEqual(["102", "103"]);
    // 103 gets weight 3: from here on 3 in 4 leads.
    const v3 = pool("changes", { members: [{ ownerId: "102" }, { ownerId: "103", weight: 3 }] });
    expect(tally(await assignMany(v3, 400, { prefix: "v3" }))).toEqual({ "102": 100, "103": 300 });
  }, 30_000);

  it("load balanced picks the least loaded member for its weight", async () => {
    // 101 got three leads before 102 and 103 joined the pool.
    const solo = pool("switch", { members: [{ ownerId: "101" }] });
    await assignMany(solo, 3, { prefix: "solo" });
    const lb = pool("switch", {
      strategy: "load_balanced",
      members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "103", weight: 2 }],
    });
    const owners = await assignMany(lb, 9, { prefix: "lb" });
    // 102 and 103 catch up, 103 twice as fast; ties go to the earlier member.
    expect(owners).toEqual(["102", "103", "103", "102", "103", "103", "102", "103", "103"]);
    expect((await stubOf(lb).stats(monday)).counts).toEqual({ "101": 3, "102": 3, "103": 6 });
    const result = await stubOf(lb).preview({ pool: lb, nowMs: monday });
    expect(result.reason).toBe("load balanced: 101 is furthest below its share (weight 1), 4 today");
  });
});

describe("input checks", () => {
  // Called inside the object rather than through the stub: a rejecting RPC leaks an
  // unhandled rejection in vitest-pool-workers (cloudflare/workers-sdk#7707, #14736).
  it("rejects an invalid pool and an empty event id", async () => {
    const stub = env.OWNER_POOL.getByName("invalid");
    const members = [{ ownerId: "101", weight: 0 }];
    const broken = { id: "invalid", strategy: "round_robin", members } as unknown as PoolConfig;
    const config = pool("invalid", { members: [{ ownerId: "101" }] });
    await runInDurableObject(stub, (instance: OwnerPool) => {
      expect(() => instance.assign({ eventId: "e", pool: broken })).toThrow(/invalid pool configuration: members.0.weight/);
      expect(() => instance.preview({ pool: broken })).toThrow(/invalid pool configuration/);
      expect(() => instance.assign({ eventId: "", pool: config })).toThrow(/eventId/);
      expect(instance.stats().remembered).toBe(0);
    });
  });
});

describe("daily caps in the owner's time zone", () => {
  it("resets a cap at midnight where the owner works, not at UTC midnight", async () => {
    const config = pool("tokyo-cap", { members: [{ ownerId: "103", dailyCap: 1 }], fallbackOwnerId: "900" });
    const owners = [ownerSchema.parse({ id: "103", timeZone: "Asia/Tokyo" })];
    const at = (nowMs: number, eventId: string) =>
      stubOf(config).assign({ eventId, pool: config, nowMs, availability: poolAvailability(config, owners, [], nowMs) });
    // Monday 14:00 UTC is 23:00 in Tokyo: the lead counts for Tokyo's Monday.
    const first = await at(Date.UTC(2026, 11, 7, 14, 0), "tokyo-1");
    expect(first).toMatchObject({ ok: true, ownerId: "103", day: "2026-12-07" });
    // 14:30 UTC, still Monday in Tokyo: capped, the fallback owner takes it.
    expect(await at(Date.UTC(2026, 11, 7, 14, 30), "tokyo-2")).toMatchObject({ ownerId: "900", fallback: true });
    // 15:30 UTC is 00:30 Tuesday in Tokyo (still Monday in UTC): a new day for 103.
    expect(await at(Date.UTC(2026, 11, 7, 15, 30), "tokyo-3")).toMatchObject({ ok: true, ownerId: "103", day: "2026-12-08" });
  });
});
