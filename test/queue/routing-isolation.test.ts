import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { bodyStoreOf } from "../../src/db/event-bodies";
import { insertEvents } from "../../src/db/events";
import { deliveries, events } from "../../src/db/schema";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { leadBudgetBytes, traceBudgetBytes } from "../../src/routing/budget";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, flushInbox, post, recordSends, runQueue } from "../helpers";

/**
 * One event never holds a routing batch back: an oversized lead is trimmed to fit
 * its budget, and an event whose decision D1 refuses (a real SQLITE_TOOBIG, not a
 * mock) is found and dead-lettered alone while the rest of its batch is stored.
 */

let hubspot: FakeHandle;
const db = () => createDb(env.DB);
const normal = (n: number) => ({ email: `lead${n}@example.com`, company: "Acme", plan: "pro" });

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  await configure({
    sources: [
      {
        id: "forms",
        provider: "none",
        maxBodyBytes: 1.5 * 1024 * 1024,
        mapping: { email: "email", company: "company", "custom.plan": "plan", "custom.notes": "notes", "custom.extra": "extra" },
      },
    ],
    destinations: [{ id: "crm", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url }],
    routes: [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: "crm" } }] }],
  });
});

/** Routes every queued event of `forms` as one batch; returns the queue's answer and what was sent on. */
async function routeBatch() {
  const queued = (await eventsOf("forms")).filter((e) => e.status === "queued");
  const sentOn = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
  const dead = recordSends<{ eventId: string; sourceId: string; reason?: string }>(env.DEAD_LETTER_QUEUE);
  const result = await runQueue(
    queueNames.routing,
    queued.map((e) => ({ eventId: e.id, sourceId: "forms" })),
  );
  sentOn.restore();
  dead.restore();
  return { result, queued, deliveries: sentOn.bodies, deadLetters: dead.bodies };
}

describe("a routing batch with one oversized event", () => {
  it("routes a 1.4 MB lead and the 20 normal ones sent behind it; the big one's custom field is dropped with a trace note", async () => {
    const notes = "n".repeat(1_400_000);
    const big = await post("/in/forms", JSON.stringify({ email: "big@example.com", company: "Big", plan: "pro", notes }), {
      "content-type": "application/json",
    });
    expect(big.status).toBe(202);
    for (let n = 0; n < 20; n++) {
      expect((await post("/in/forms", JSON.stringify(normal(n)), { "content-type": "application/json" })).status).toBe(202);
    }
    await flushInbox("forms");

    const { result, queued, deliveries: sent } = await routeBatch();
    expect(queued).toHaveLength(21);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(21);
    expect(sent).toHaveLength(21);

    const rows = await eventsOf("forms");
    expect(rows.map((e) => e.status)).toEqual(Array(21).fill("delivering"));
    const bigRow = rows.find((e) => JSON.parse(e.lead ?? "{}").email === "big@example.com");
    const lead = JSON.parse(bigRow?.lead ?? "{}");
    expect(lead.custom).toEqual({ plan: "pro" });
    expect(new TextEncoder().encode(bigRow?.lead ?? "").byteLength).toBeLessThanOrEqual(leadBudgetBytes);
    const trace = JSON.parse(bigRow?.trace ?? "{}");
    expect(trace.trimmed.custom).toEqual([{ field: "notes", bytes: 1_400_002 }]);
    expect(trace.explain.at(-1)).toMatch(/^lead trimmed to stay under its 128 KiB budget: dropped custom\.notes/);
    // The delivery row carries the trimmed lead too.
    const [delivery] = await db()
      .select()
      .from(deliveries)
      .where(eq(deliveries.eventId, bigRow?.id ?? ""));
    expect(delivery?.payload.length).toBeLessThan(leadBudgetBytes);

    // And all 21 reach the CRM.
    const delivered = await runQueue(queueNames.deliveries, sent);
    expect(delivered.retryMessages).toEqual([]);
    const contacts = await hubspot.records<{ properties: Record<string, string> }[]>();
    expect(contacts.map((c) => c.properties.email).sort()).toEqual(["big@example.com", ...Array.from({ length: 20 }, (_, n) => `lead${n}@example.com`)].sort());
  });

  it("stores the rest of the batch when D1 refuses one event's row (SQLITE_TOOBIG), and dead-letters that one alone", async () => {
    // A body over what any source may accept (1.5 MiB), put in D1 directly: the row
    // is already near the limit, and its decision (a 100 KB custom field, within
    // the lead budget) takes it over. The local D1 refuses a value past about 2.2 MB;
    // Cloudflare's refuses a row past 2 MB. The body is kept in the row (no R2
    // threshold), as bodies were before they went to R2.
    const filler = "f".repeat(2_050_000);
    const extra = "e".repeat(100_000);
    const body = new TextEncoder().encode(JSON.stringify({ email: "toobig@example.com", filler, extra }));
    const tooBigId = "evt_00000000000000000000000TOO";
    await insertEvents(env.DB, { ...bodyStoreOf(env), thresholdBytes: Number.POSITIVE_INFINITY }, [
      {
        id: tooBigId,
        sourceId: "forms",
        dedupKey: null,
        requestId: "req_test",
        contentType: "application/json",
        headers: "{}",
        body,
        verification: "{}",
        receivedAt: Date.now(),
      },
    ]);
    for (let n = 100; n < 110; n++) {
      expect((await post("/in/forms", JSON.stringify(normal(n)), { "content-type": "application/json" })).status).toBe(202);
    }
    await flushInbox("forms");

    const { result, queued, deliveries: sent, deadLetters } = await routeBatch();
    expect(queued).toHaveLength(11);
    // Every message is acked: ten routed, the refused one handed to the dead-letter queue.
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(11);
    expect(sent).toHaveLength(10);
    expect(sent.map((m) => m.eventId)).not.toContain(tooBigId);
    expect(deadLetters).toEqual([{ eventId: tooBigId, sourceId: "forms", reason: expect.stringMatching(/SQLITE_TOOBIG/) }]);

    const rows = await eventsOf("forms");
    const others = rows.filter((e) => queued.some((q) => q.id === e.id) && e.id !== tooBigId);
    expect(others.map((e) => e.status)).toEqual(Array(10).fill("delivering"));
    expect(rows.find((e) => e.id === tooBigId)?.status).toBe("queued");

    // The dead-letter consumer marks it dead with the reason.
    const buried = await runQueue(queueNames.deadLetters, deadLetters);
    expect(buried.explicitAcks).toHaveLength(1);
    const [dead] = await db().select().from(events).where(eq(events.id, tooBigId));
    expect(dead?.status).toBe("dead");
    expect(dead?.statusReason).toMatch(/^Its decision could not be stored: .*SQLITE_TOOBIG/);
  });

  it("retries an event whose write fails for another reason alone, and stores the rest", async () => {
    for (let n = 200; n < 204; n++) {
      expect((await post("/in/forms", JSON.stringify(normal(n)), { "content-type": "application/json" })).status).toBe(202);
    }
    await flushInbox("forms");
    const queued = (await eventsOf("forms")).filter((e) => e.status === "queued");
    expect(queued).toHaveLength(4);
    // A row that stops one event's decision (a trigger stands in for a transient
    // fault D1 would answer for that row alone).
    const victim = queued[2]?.id ?? "";
    await env.DB.prepare(
      `CREATE TRIGGER refuse_one BEFORE UPDATE ON events WHEN OLD.id = '${victim}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`,
    ).run();
    try {
      const { result, deadLetters } = await routeBatch();
      expect(deadLetters).toEqual([]);
      expect(result.explicitAcks).toHaveLength(3);
      expect(result.retryMessages).toHaveLength(1);
      const statuses = Object.fromEntries((await eventsOf("forms")).filter((e) => queued.some((q) => q.id === e.id)).map((e) => [e.id, e.status]));
      expect(statuses[victim]).toBe("queued");
      expect(Object.values(statuses).filter((s) => s === "delivering")).toHaveLength(3);
    } finally {
      await env.DB.prepare("DROP TRIGGER refuse_one").run();
    }
  });
});

describe("a routing batch when D1 itself fails", () => {
  it("retries the whole batch after one write instead of splitting it", async () => {
    for (let n = 300; n < 304; n++) {
      expect((await post("/in/forms", JSON.stringify(normal(n)), { "content-type": "application/json" })).status).toBe(202);
    }
    await flushInbox("forms");
    // Whatever an earlier test left queued is in this batch too.
    const queued = (await eventsOf("forms")).filter((e) => e.status === "queued");
    expect(queued.length).toBeGreaterThanOrEqual(4);
    const real = env.DB.batch.bind(env.DB);
    let writes = 0;
    // The lookup of earlier leads (at most 3 statements) passes; the write of the
    // decisions (one per event and more) fails as a lost connection would.
    const spy = vi.spyOn(env.DB, "batch").mockImplementation(async (statements) => {
      if (statements.length <= 3) return real(statements);
      writes += 1;
      throw new Error("D1_ERROR: Network connection lost.");
    });
    try {
      const { result } = await routeBatch();
      expect(writes).toBe(1);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toHaveLength(queued.length);
    } finally {
      spy.mockRestore();
    }
    expect((await eventsOf("forms")).filter((e) => e.status === "queued")).toHaveLength(queued.length);
  });
});

describe("budgets", () => {
  it("are well under D1's 2 MB row, with the largest body a source may accept", () => {
    expect(1.5 * 1024 * 1024 + leadBudgetBytes + traceBudgetBytes).toBeLessThan(1_900_000);
  });
});
