import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { refreshConfig } from "../../src/config/store";
import { d1CapBytes, readStorage, recordStorageSnapshot, utcDay } from "../../src/db/storage-size";
import worker from "../../src/index";
import { storageAlertRatio, storageReport, watchStorage } from "../../src/monitoring/storage";
import { admin, json } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, flushInbox, post } from "../helpers";

const dayMs = 86_400_000;
let slack: FakeHandle;

async function sizeNow(): Promise<number> {
  const { sizeBytes } = await readStorage(env.DB, 0);
  if (sizeBytes === undefined) throw new Error("D1 reported no size");
  return sizeBytes;
}

async function storageAlerts(): Promise<{ rule: string; count: number; detail: string; delivered: number }[]> {
  return (
    await env.DB.prepare("SELECT rule, count, detail, delivered FROM alerts WHERE rule = 'd1Size' ORDER BY at").all<{
      rule: string;
      count: number;
      detail: string;
      delivered: number;
    }>()
  ).results;
}

beforeAll(async () => {
  slack = await privateFake("slack");
  await configure({
    sources: [{ id: "forms", provider: "none" }],
    destinations: [{ id: "ops", type: "slack", url: slack.url }],
    settings: { alertDestination: "ops" },
  });
  for (let n = 0; n < 3; n++) {
    expect((await post("/in/forms", JSON.stringify({ email: `s${n}@example.com` }), { "content-type": "application/json" })).status).toBe(202);
  }
  await flushInbox("forms");
});

// One test file, one D1: the tests below run in order and each starts from what the
// previous left (snapshots are rows of the same table).
describe("D1 size and growth", () => {
  it("estimates growth from the last day's events before a snapshot is a day old", async () => {
    const report = await storageReport(env.DB);
    expect(report.sizeBytes).toBeGreaterThan(0);
    expect(report).toMatchObject({ capBytes: d1CapBytes, growthMethod: "events" });
    expect(report.usedRatio).toBeCloseTo((report.sizeBytes ?? 0) / d1CapBytes, 12);
    // Every stored event arrived within the day: the estimate is the whole size.
    expect(report.growthBytesPerDay).toBe(report.sizeBytes);
    expect(report.daysUntilFull).toBeCloseTo((d1CapBytes - (report.sizeBytes ?? 0)) / (report.growthBytesPerDay ?? 1), 6);
  });

  it("measures growth from the oldest snapshot of the last 7 days", async () => {
    const now = Date.now();
    const size = await sizeNow();
    await recordStorageSnapshot(env.DB, { day: utcDay(now) - 9, sizeBytes: 1, takenAt: now - 9 * dayMs });
    await recordStorageSnapshot(env.DB, { day: utcDay(now) - 2, sizeBytes: size - 4_000_000, takenAt: now - 2 * dayMs });
    const report = await storageReport(env.DB, now);
    // The 9-day-old snapshot is outside the window and does not count.
    expect(report).toMatchObject({ sizeBytes: size, growthMethod: "snapshots", growthBytesPerDay: 2_000_000 });
    expect(report.daysUntilFull).toBeCloseTo((d1CapBytes - size) / 2_000_000, 6);
  });

  it("says nothing about days until full when the size is not growing", async () => {
    const now = Date.now();
    await env.DB.prepare("UPDATE storage_snapshots SET size_bytes = ? WHERE day = ?")
      .bind(d1CapBytes, utcDay(now) - 2)
      .run();
    const report = await storageReport(env.DB, now);
    expect(report.growthBytesPerDay).toBeLessThan(0);
    expect(report.daysUntilFull).toBeNull();
    await env.DB.prepare("DELETE FROM storage_snapshots").run();
  });

  it("shows the figures in GET /admin/v1/stats", async () => {
    const body = await json<{ storage: Record<string, unknown> }>(await admin("GET", "/v1/stats"));
    expect(body.storage).toMatchObject({
      sizeBytes: expect.any(Number),
      capBytes: 10_000_000_000,
      usedRatio: expect.any(Number),
      growthBytesPerDay: expect.any(Number),
      growthMethod: "events",
      daysUntilFull: expect.any(Number),
    });
  });
});

describe("the cron's storage job", () => {
  it("keeps the first size of each UTC day, from the scheduled handler", async () => {
    const at = Date.UTC(2030, 0, 10, 0, 1);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const config = await refreshConfig(env, 0);
    expect(await watchStorage(env, config, at + 60_000)).toEqual({ snapshot: false, alerted: false });
    expect(await watchStorage(env, config, at + dayMs)).toEqual({ snapshot: true, alerted: false });
    const { snapshots } = await readStorage(env.DB, utcDay(at));
    expect(snapshots.map((s) => [s.day, s.takenAt])).toEqual([
      [utcDay(at), at],
      [utcDay(at) + 1, at + dayMs],
    ]);
    await env.DB.prepare("DELETE FROM storage_snapshots").run();
  });

  it("alerts once when D1 reaches 80% of the cap, and again only a day later", async () => {
    const config = await refreshConfig(env, 0);
    const now = Date.now();
    // Below 80%: nothing.
    expect((await watchStorage(env, config, now, (await sizeNow()) * 2)).alerted).toBe(false);
    // A cap the database is at 90% of (writing 8 GB is not an option in a test).
    const cap = Math.ceil((await sizeNow()) / 0.9);
    expect(storageAlertRatio).toBe(0.8);
    expect((await watchStorage(env, config, now, cap)).alerted).toBe(true);
    expect((await watchStorage(env, config, now + 60_000, cap)).alerted).toBe(false);
    expect((await watchStorage(env, config, now + 23 * 3_600_000, cap)).alerted).toBe(false);
    const texts = (await slack.records<{ text: string }[]>()).map((r) => r.text);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("D1 database over 80% of its cap");
    expect(texts[0]).toMatch(/D1 holds [\d.]+ MB of its [\d.]+ MB cap \([89]\d%\)/);
    expect(await storageAlerts()).toEqual([expect.objectContaining({ rule: "d1Size", delivered: 1 })]);

    // Still over a day later: one reminder.
    expect((await watchStorage(env, config, now + 25 * 3_600_000, cap)).alerted).toBe(true);
    expect(await storageAlerts()).toHaveLength(2);
  });
});
