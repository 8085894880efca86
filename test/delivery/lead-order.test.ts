import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { claimDeliveries, findStalledDeliveries, insertDeliveriesStatements } from "../../src/db/deliveries";
import { runQueries } from "../../src/db/json-rows";
import { deliveries } from "../../src/db/schema";
import { handOverTurns, turnDelays } from "../../src/delivery/lead-order";
import type { DeliveryMessage } from "../../src/queue/messages";
import { recordSends } from "../helpers";

const db = () => createDb(env.DB);
const now = Date.now() - 60_000;

async function store(rows: { id: string; leadId: string; destinationId?: string; createdAt: number; nextAttemptAt?: number }[]) {
  const statements = insertDeliveriesStatements(
    db(),
    rows.map((r) => ({
      id: r.id,
      eventId: r.id.split(":")[0] ?? r.id,
      destinationId: r.destinationId ?? "crm",
      leadId: r.leadId,
      action: "upsert" as const,
      status: "pending" as const,
      attempts: 0,
      payload: "{}",
      nextAttemptAt: r.nextAttemptAt ?? r.createdAt,
      createdAt: r.createdAt,
      updatedAt: r.createdAt,
    })),
  );
  await runQueries(
    env.DB,
    statements.map((s) => s.toSQL()),
  );
}

describe("per-lead order", () => {
  it("claims only the oldest pending delivery of a lead per destination; other leads and destinations are free", async () => {
    await store([
      { id: "evt_o1:0", leadId: "lead_o", createdAt: now },
      { id: "evt_o2:0", leadId: "lead_o", createdAt: now + 1 },
      { id: "evt_o2:1", leadId: "lead_o", destinationId: "slack", createdAt: now + 1 },
      { id: "evt_p1:0", leadId: "lead_p", createdAt: now + 2 },
    ]);
    const claimed = await claimDeliveries(db(), ["evt_o2:0", "evt_o1:0", "evt_o2:1", "evt_p1:0"], now, 60_000);
    expect(claimed.map((d) => d.id).sort()).toEqual(["evt_o1:0", "evt_o2:1", "evt_p1:0"]);
  });

  it("has a waiting delivery come back after the one ahead is due again, not every few seconds", async () => {
    await store([
      { id: "evt_w1:0", leadId: "lead_w", createdAt: now, nextAttemptAt: now + 600_000 },
      { id: "evt_w2:0", leadId: "lead_w", createdAt: now + 1 },
    ]);
    const [waiting] = await db().select().from(deliveries).where(eq(deliveries.id, "evt_w2:0"));
    if (!waiting) throw new Error("not stored");
    expect((await turnDelays(db(), "crm", [waiting], now)).get("evt_w2:0")).toBe(630);
  });

  it("hands the turn to the next delivery once the one ahead is done, and not before", async () => {
    await store([
      { id: "evt_h1:0", leadId: "lead_h", createdAt: now },
      { id: "evt_h2:0", leadId: "lead_h", createdAt: now + 1 },
    ]);
    await db()
      .update(deliveries)
      .set({ nextAttemptAt: Date.now() + 60_000 })
      .where(eq(deliveries.id, "evt_h1:0"));
    const early = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await handOverTurns(db(), env.DELIVERY_QUEUE, "crm", ["lead_h"], Date.now());
    early.restore();
    expect(early.bodies).toEqual([]);

    await db().update(deliveries).set({ status: "succeeded" }).where(eq(deliveries.id, "evt_h1:0"));
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await handOverTurns(db(), env.DELIVERY_QUEUE, "crm", ["lead_h"], Date.now());
    sent.restore();
    expect(sent.bodies).toEqual([{ deliveryId: "evt_h2:0", eventId: "evt_h2", destinationId: "crm" }]);
  });
});

describe("the sweeper's stalled deliveries", () => {
  it("are the first in line of each lead, not the deliveries waiting behind them", async () => {
    await store([
      { id: "evt_s1:0", leadId: "lead_s", destinationId: "sweep", createdAt: now - 600_000 },
      { id: "evt_s2:0", leadId: "lead_s", destinationId: "sweep", createdAt: now - 590_000 },
    ]);
    const stalled = await findStalledDeliveries(db(), now, 1000);
    expect(stalled.filter((d) => d.destinationId === "sweep").map((d) => d.id)).toEqual(["evt_s1:0"]);
  });
});
