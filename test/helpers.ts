import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, vi } from "vitest";
import { configSchema, type GatewayConfigInput, type SourceInput } from "../src/config/schema";
import { clearConfigCache, commitConfig } from "../src/config/store";
import { createDb } from "../src/db/client";
import { events } from "../src/db/schema";

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
