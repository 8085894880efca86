import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createDb } from "../../src/db/client";
import { deliveries, events } from "../../src/db/schema";
import worker from "../../src/index";
import { queueNames } from "../../src/queue/messages";

let sequence = 0;

/** Runs one batch through the worker's queue handler, as the platform would. */
export async function runQueue(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `admin-m${++sequence}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** Routes the given events (as the routing queue would), then runs every pending delivery once. */
export async function routeAndDeliver(eventIds: string[]): Promise<void> {
  const db = createDb(env.DB);
  const rows = await Promise.all(eventIds.map(async (id) => (await db.select().from(events).where(eq(events.id, id)))[0]));
  await runQueue(
    queueNames.routing,
    rows.flatMap((row) => (row ? [{ eventId: row.id, sourceId: row.sourceId }] : [])),
  );
  const pending = (await Promise.all(eventIds.map((id) => db.select().from(deliveries).where(eq(deliveries.eventId, id))))).flat();
  const due = pending.filter((d) => d.status === "pending");
  if (due.length > 0) {
    await runQueue(
      queueNames.deliveries,
      due.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
    );
  }
}
