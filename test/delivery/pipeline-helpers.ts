import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import type { DecisionTrace } from "../../src/routing/decision";
import { eventsOf, flushInbox, postSigned, recordSends } from "../helpers";

let sequence = 0;

/** Runs one batch through the worker's queue handler, as the platform would. */
export async function runQueue(queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `m${++sequence}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  const ids = batch.messages.map((m) => m.id);
  return { ...result, ids };
}

/** Flushes a source's inbox and routes every event still queued; returns the delivery messages sent. */
export async function routeQueued(sourceId: string) {
  await flushInbox(sourceId);
  const queued = (await eventsOf(sourceId)).filter((e) => e.status === "queued");
  const deliveries = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
  const result = await runQueue(
    queueNames.routing,
    queued.map((e) => ({ eventId: e.id, sourceId })),
  );
  deliveries.restore();
  return { result, messages: deliveries.bodies };
}

/**
 * Posts signed payloads to a source, routes them, delivers what routing planned;
 * returns each new event's row and parsed trace, oldest first.
 */
export async function sendThrough(sourceId: string, payloads: readonly object[]) {
  const before = new Set((await eventsOf(sourceId)).map((e) => e.id));
  for (const payload of payloads) {
    const response = await postSigned(sourceId, payload);
    if (response.status !== 202) throw new Error(`POST /in/${sourceId} answered ${response.status}`);
  }
  const { messages } = await routeQueued(sourceId);
  if (messages.length > 0) await runQueue(queueNames.deliveries, messages);
  const rows = (await eventsOf(sourceId)).filter((e) => !before.has(e.id));
  return rows.map((row) => ({ row, trace: JSON.parse(row.trace ?? "{}") as DecisionTrace }));
}
