import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { expect, vi } from "vitest";
import type { z } from "zod";
import { configSchema, type GatewayConfigInput, type sourceSchema } from "../src/config/schema";
import { clearConfigCache, commitConfig } from "../src/config/store";
import { createDb } from "../src/db/client";
import { deliveries, events } from "../src/db/schema";
import worker from "../src/index";
import { type DeliveryMessage, queueNames } from "../src/queue/messages";
import type { DecisionTrace } from "../src/routing/decision";

/** A source as a test writes it (defaults may be left out). */
export type SourceInput = z.input<typeof sourceSchema>;

/**
 * Stores a configuration and makes the isolate read it on the next request. Only the
 * schema is checked, not references between entries (the admin API does that with
 * `checkWrite`), so tests can store deliberately incomplete configurations.
 */
export async function configure(config: GatewayConfigInput): Promise<void> {
  await commitConfig(env, configSchema.parse(config), { updatedBy: "test" });
  clearConfigCache();
}

export async function configureSources(...sources: SourceInput[]): Promise<void> {
  await configure({ sources });
}

/** A Standard Webhooks secret (`whsec_` + base64 of the key bytes). */
export const standardSecret = `whsec_${btoa("switchboard-test-secret-0123456789")}`;

/** Signs like the Standard Webhooks reference libraries do, independently of our verifier. */
export async function standardWebhookHeaders(
  body: string,
  { id = crypto.randomUUID(), timestamp = Math.floor(Date.now() / 1000), secret = standardSecret } = {},
): Promise<Record<string, string>> {
  const keyBytes = Uint8Array.from(atob(secret.slice("whsec_".length)), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const signature = btoa(String.fromCharCode(...new Uint8Array(mac)));
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}

export function post(path: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`https://gateway.test${path}`, { method: "POST", body, headers }));
}

/** Posts a body signed for a Standard Webhooks source. */
export async function postSigned(sourceId: string, payload: unknown, options: Parameters<typeof standardWebhookHeaders>[1] = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  return post(`/in/${sourceId}`, body, await standardWebhookHeaders(body, options));
}

/** Runs the source inbox's pending alarm now (the write-behind flush). */
export function flushInbox(sourceId: string): Promise<boolean> {
  return runDurableObjectAlarm(env.SOURCE_INBOX.getByName(sourceId));
}

export function eventsOf(sourceId: string) {
  return createDb(env.DB).select().from(events).where(eq(events.sourceId, sourceId)).orderBy(events.id);
}

export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Records what is sent through `queue.sendBatch` instead of sending it: tests run
 * the consumers themselves, and a real send could let the pool's queue run one on
 * its own meanwhile. `failFirst` makes that many calls throw first, as a queue
 * outage would.
 */
export function recordSends<Body extends { eventId: string } = { eventId: string }>(queue: Queue, { failFirst = 0 } = {}) {
  const sent: string[] = [];
  const bodies: Body[] = [];
  const calls: number[] = [];
  let failures = failFirst;
  const spy = vi.spyOn(queue, "sendBatch").mockImplementation(async (messages) => {
    if (failures > 0) {
      failures -= 1;
      throw new Error("Queue send failed");
    }
    const list = [...messages];
    calls.push(list.length);
    for (const m of list) {
      bodies.push(m.body as Body);
      sent.push((m.body as Body).eventId);
    }
    return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: new Date(0) } } };
  });
  return { sent, bodies, calls, restore: () => spy.mockRestore() };
}

/** Lifts a destination's hold (as if its window passed); returns when it would have ended. */
export async function liftHold(destinationId: string): Promise<number> {
  return runInDurableObject(env.DESTINATION_LIMITER.getByName(destinationId), async (instance, state) => {
    const held = (await state.storage.get<number>("heldUntil")) ?? 0;
    await state.storage.put("heldUntil", 0);
    Object.assign(instance, { heldUntil: 0 });
    return held;
  });
}

let queueMessageSequence = 0;

/**
 * Runs one batch through the Worker's queue handler, as the platform would (the
 * pool's queues never run a consumer by themselves); `ids` are the batch's message ids.
 */
export async function runQueue(queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `m${++queueMessageSequence}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ...result, ids: batch.messages.map((m) => m.id) };
}

/** Flushes a source's inbox and routes every event still queued; returns the delivery messages routing sent. */
export async function routeQueued(sourceId: string) {
  await flushInbox(sourceId);
  const queued = (await eventsOf(sourceId)).filter((e) => e.status === "queued");
  const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
  const result = await runQueue(
    queueNames.routing,
    queued.map((e) => ({ eventId: e.id, sourceId })),
  );
  sends.restore();
  return { result, messages: sends.bodies };
}

/** Routes a source's queued events and delivers what routing planned, as the two queues would. */
export async function routeAndDeliver(sourceId: string): Promise<DeliveryMessage[]> {
  const { messages } = await routeQueued(sourceId);
  if (messages.length > 0) await runQueue(queueNames.deliveries, messages);
  return messages;
}

/** Routes the given stored events (as the routing queue would), then runs each of their pending deliveries once. */
export async function routeAndDeliverEvents(eventIds: string[]): Promise<void> {
  const db = createDb(env.DB);
  // In the order given: routing order decides round-robin owners.
  const stored = await db.select().from(events).where(inArray(events.id, eventIds));
  const rows = eventIds.flatMap((id) => stored.filter((row) => row.id === id));
  await runQueue(
    queueNames.routing,
    rows.map((row) => ({ eventId: row.id, sourceId: row.sourceId })),
  );
  const planned = await db.select().from(deliveries).where(inArray(deliveries.eventId, eventIds));
  const due = eventIds.flatMap((id) => planned.filter((d) => d.eventId === id && d.status === "pending"));
  if (due.length > 0) {
    await runQueue(
      queueNames.deliveries,
      due.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
    );
  }
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
