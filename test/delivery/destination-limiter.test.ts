import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../src/queue/messages";
import { recordSends } from "../helpers";

const breaker = { failures: 2, coolDownSeconds: 60 };
const admitOf = (perSecond = 1000) => ({ perSecond, burst: 1000, calls: 1, perCall: 1, breaker, leaseMs: 30_000 });

/** Pending deliveries to a destination, as routing writes them: created one millisecond apart. */
async function storeDeliveries(destinationId: string, count: number): Promise<void> {
  const insert = env.DB.prepare(
    "INSERT INTO deliveries (id, event_id, destination_id, action, status, payload, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'upsert', 'pending', '{}', ?, ?, ?)",
  );
  await env.DB.batch(entries(destinationId, count).map((e) => insert.bind(e.deliveryId, e.eventId, destinationId, e.createdAt, e.createdAt, e.createdAt)));
}

/** Parked entries as the consumer gives them: created one millisecond apart, given out of order. */
function entries(destinationId: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    deliveryId: `evt_${destinationId}_${String(i).padStart(4, "0")}:0`,
    eventId: `evt_${destinationId}_${String(i).padStart(4, "0")}`,
    createdAt: 1000 + i,
  })).reverse();
}

describe("the destination limiter's held deliveries", () => {
  it("drains a long backlog a page at a time, oldest first, each once", async () => {
    const limiter = env.DESTINATION_LIMITER.getByName("pager");
    await storeDeliveries("pager", 150);
    // One delivery a second: the next page is due in 100 s, so only the test rings it.
    expect(await limiter.admit(admitOf(1))).toMatchObject({ kind: "go" });
    await limiter.operatorPause();
    expect(await limiter.admit(admitOf(1))).toEqual({ kind: "held" });
    expect(await limiter.park(entries("pager", 150))).toBe(true);
    // Parked twice (a message delivered again): still once.
    expect(await limiter.park(entries("pager", 150).slice(0, 10))).toBe(true);
    expect(await limiter.status()).toEqual({ state: "paused", held: 150 });

    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    try {
      expect(await limiter.operatorResume()).toEqual({ state: "active", held: 50 });
      expect(sends.calls).toEqual([100]);
      expect(await runDurableObjectAlarm(limiter)).toBe(true);
      expect(sends.calls).toEqual([100, 50]);
      const ids = sends.bodies.map((b) => b.deliveryId);
      expect(ids).toEqual(
        entries("pager", 150)
          .map((e) => e.deliveryId)
          .reverse(),
      );
      expect(new Set(sends.bodies.map((b) => b.destinationId))).toEqual(new Set(["pager"]));
      expect(await limiter.status()).toEqual({ state: "active", held: 0 });
      // Nothing left: no further alarm.
      expect(await runDurableObjectAlarm(limiter)).toBe(false);
    } finally {
      sends.restore();
    }
  });

  it("refuses to park once it holds nothing, so nothing waits for a drain that already ran", async () => {
    const limiter = env.DESTINATION_LIMITER.getByName("resumed");
    await limiter.operatorPause();
    await limiter.operatorResume();
    expect(await limiter.park(entries("resumed", 1))).toBe(false);
    expect(await limiter.status()).toEqual({ state: "active", held: 0 });
  });

  it("keeps an open breaker's deliveries held through a pause and resume; the cool-down still decides", async () => {
    const limiter = env.DESTINATION_LIMITER.getByName("open-and-paused");
    await storeDeliveries("open-and-paused", 3);
    for (let i = 0; i < 2; i++) await limiter.report(breaker, "failure", false);
    expect((await limiter.status()).state).toBe("open");
    expect(await limiter.park(entries("open-and-paused", 3))).toBe(true);
    await limiter.operatorPause();
    expect((await limiter.status()).state).toBe("paused");
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    try {
      expect(await limiter.operatorResume()).toEqual({ state: "open", held: 3 });
      expect(sends.bodies).toEqual([]);
      // The cool-down ends: one probe, the oldest.
      await runDurableObjectAlarm(limiter);
      expect(sends.bodies.map((b) => b.deliveryId)).toEqual(["evt_open-and-paused_0000:0"]);
      expect(await limiter.status()).toEqual({ state: "half_open", held: 2 });
      expect(await limiter.admit(admitOf())).toEqual({ kind: "go", probe: true, watching: false });
      // One probe at a time.
      expect(await limiter.admit(admitOf())).toEqual({ kind: "held" });
    } finally {
      sends.restore();
    }
  });

  it("never holds a destination whose breaker is switched off", async () => {
    const limiter = env.DESTINATION_LIMITER.getByName("no-breaker");
    for (let i = 0; i < 10; i++) {
      expect(await limiter.admit({ ...admitOf(), breaker: undefined })).toMatchObject({ kind: "go" });
      await limiter.report(undefined, "failure", false);
    }
    expect((await limiter.status()).state).toBe("active");
  });
});
