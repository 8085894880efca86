import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { attempts, deliveries } from "../../src/db/schema";
import type { DeliveryMessage } from "../../src/queue/messages";
import { queueNames } from "../../src/queue/messages";
import { admin, adminToken, readToken } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import type { RecordedRequest } from "../fakes/common";
import { configure, postSigned, recordSends, routeQueued, runQueue, standardSecret } from "../helpers";

const db = () => createDb(env.DB);
const upsertPath = "/crm/v3/objects/contacts/batch/upsert";

/** A source and a HubSpot destination of their own, so each test stands alone. */
async function setUp(name: string, hubspot: FakeHandle, extra: Record<string, unknown> = {}, alerts?: FakeHandle) {
  await configure({
    sources: [{ id: name, provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", firstName: "name" } }],
    destinations: [
      { id: `${name}-crm`, type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, ...extra },
      ...(alerts ? [{ id: "ops-alerts", type: "slack" as const, url: alerts.url }] : []),
    ],
    routes: [{ id: name, sources: [name], when: { always: true }, actions: [{ upsert: { destination: `${name}-crm` } }] }],
    ...(alerts ? { settings: { alertDestination: "ops-alerts" } } : {}),
  });
}

/** Ten leads in, routed: their delivery messages. */
async function tenLeads(sourceId: string): Promise<DeliveryMessage[]> {
  for (let i = 0; i < 10; i++) {
    const response = await postSigned(sourceId, { email: `lead${i}@${sourceId}.example`, name: `Lead ${i}` });
    expect(response.status).toBe(202);
  }
  const { messages } = await routeQueued(sourceId);
  expect(messages).toHaveLength(10);
  return messages;
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await admin("GET", "/v1/metrics", { token: readToken })).text();
  const wanted = `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}} `;
  const line = text.split("\n").find((l) => l.startsWith(wanted));
  return line === undefined ? undefined : Number(line.slice(wanted.length));
}

const stateOf = (destination: string, state: string) => metric("switchboard_destination_state", { destination, state });

/** Emails in the batch upserts HubSpot answered 2xx: each lead written once means each appears once. */
function writtenEmails(requests: RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.path === upsertPath && r.fault === undefined)
    .flatMap((r) => (JSON.parse(r.body) as { inputs: { id: string }[] }).inputs.map((input) => input.id));
}

async function deliveriesTo(destinationId: string) {
  return db().select().from(deliveries).where(eq(deliveries.destinationId, destinationId));
}

describe("pausing a destination", () => {
  it("holds its deliveries without attempting them, and resume sends each once", async () => {
    const hubspot = await privateFake("hubspot");
    await setUp("paused", hubspot);
    const paused = await admin("POST", "/v1/destinations/paused-crm/pause", { token: adminToken });
    expect(await paused.json()).toEqual({ id: "paused-crm", state: "paused", held: 0 });

    const messages = await tenLeads("paused");
    const held = await runQueue(queueNames.deliveries, messages);
    // Acked, not retried: a pause of any length spends none of the queue's retries.
    expect(held.explicitAcks).toHaveLength(10);
    expect(held.retryMessages).toEqual([]);
    expect(await hubspot.requests()).toEqual([]);
    expect((await deliveriesTo("paused-crm")).map((d) => [d.status, d.attempts])).toEqual(Array(10).fill(["pending", 0]));
    expect(await stateOf("paused-crm", "paused")).toBe(1);
    expect(await stateOf("paused-crm", "active")).toBe(0);
    expect(await metric("switchboard_deliveries_pending", { destination: "paused-crm" })).toBe(10);

    // A message delivered again while paused is held again, once.
    expect((await runQueue(queueNames.deliveries, messages.slice(0, 2), 2)).explicitAcks).toHaveLength(2);

    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    const resumed = await admin("POST", "/v1/destinations/paused-crm/resume", { token: adminToken });
    sends.restore();
    expect(await resumed.json()).toEqual({ id: "paused-crm", state: "active", held: 0 });
    // Oldest first, one message each.
    expect(sends.bodies.map((b) => b.deliveryId)).toEqual(messages.map((m) => m.deliveryId).sort());

    await runQueue(queueNames.deliveries, sends.bodies);
    const emails = writtenEmails(await hubspot.requests());
    expect(emails.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `lead${i}@paused.example`).sort());
    expect((await deliveriesTo("paused-crm")).map((d) => [d.status, d.attempts])).toEqual(Array(10).fill(["succeeded", 1]));
    expect(await stateOf("paused-crm", "active")).toBe(1);
    expect(await metric("switchboard_deliveries_pending", { destination: "paused-crm" })).toBe(0);
  });
});

describe("a destination's circuit breaker", () => {
  it("opens after 3 failures, holds without spending attempts, probes, and drains on success", async () => {
    const hubspot = await privateFake("hubspot");
    const alerts = await privateFake("slack");
    await setUp("flaky", hubspot, { breaker: { failures: 3, coolDownSeconds: 10 } }, alerts);
    await hubspot.fault({ status: 503, count: 4, path: upsertPath });
    const messages = await tenLeads("flaky");
    const limiter = env.DESTINATION_LIMITER.getByName("flaky-crm");
    // Every queue send, the limiter's own too (a cool-down that ends by itself included).
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const result = await runQueue(queueNames.deliveries, messages, attempt);
        expect(result.retryMessages).toHaveLength(10);
      }
      expect(await stateOf("flaky-crm", "open")).toBe(1);
      // Open: the retries come back and are held, no call made, no attempt counted.
      // (Right away: the cool-down's alarm rings by itself 10 s after the opening.)
      const held = await runQueue(queueNames.deliveries, messages, 4);
      expect(held.explicitAcks).toHaveLength(10);
      expect(await metric("switchboard_deliveries_pending", { destination: "flaky-crm" })).toBe(10);
      expect(await alerts.records<unknown[]>()).toHaveLength(1);
      expect((await hubspot.requests()).length).toBe(3);
      expect((await deliveriesTo("flaky-crm")).map((d) => d.attempts)).toEqual(Array(10).fill(3));

      // The cool-down ends: the oldest held delivery goes out as the one probe; it fails.
      await runDurableObjectAlarm(limiter);
      await vi.waitFor(() => expect(sends.bodies).toHaveLength(1));
      const oldest = messages.map((m) => m.deliveryId).sort()[0];
      expect(sends.bodies[0]?.deliveryId).toBe(oldest);
      expect(await stateOf("flaky-crm", "half_open")).toBe(1);
      const [probeMessage] = sends.bodies.splice(0);
      if (!probeMessage) throw new Error("no probe sent");
      const probe = await runQueue(queueNames.deliveries, [probeMessage]);
      expect(probe.retryMessages).toHaveLength(1);
      expect(await stateOf("flaky-crm", "open")).toBe(1);
      expect((await hubspot.requests()).length).toBe(4);
      // Its retry comes back while open: held again.
      expect((await runQueue(queueNames.deliveries, [probeMessage], 2)).explicitAcks).toHaveLength(1);

      // The next cool-down ends: the probe succeeds, the breaker closes, the others drain.
      await runDurableObjectAlarm(limiter);
      await vi.waitFor(() => expect(sends.bodies).toHaveLength(1));
      expect(sends.bodies[0]?.deliveryId).toBe(oldest);
      await runQueue(queueNames.deliveries, sends.bodies.splice(0));
      expect(await stateOf("flaky-crm", "active")).toBe(1);
      expect(sends.bodies.map((b) => b.deliveryId)).toEqual(
        messages
          .map((m) => m.deliveryId)
          .sort()
          .slice(1),
      );
      await runQueue(queueNames.deliveries, sends.bodies.splice(0));

      const requests = await hubspot.requests();
      expect(requests.length).toBeLessThanOrEqual(8);
      expect(writtenEmails(requests).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `lead${i}@flaky.example`).sort());
      const rows = await deliveriesTo("flaky-crm");
      expect(rows.every((d) => d.status === "succeeded")).toBe(true);
      // Three failed calls each, the oldest also both probes; nothing while held.
      expect(Object.fromEntries(rows.map((d) => [d.id, d.attempts]))).toEqual(
        Object.fromEntries(messages.map((m) => [m.deliveryId, m.deliveryId === oldest ? 5 : 4])),
      );
      const succeeded = await db().select().from(attempts).where(eq(attempts.destinationId, "flaky-crm"));
      expect(succeeded.filter((a) => a.outcome === "succeeded")).toHaveLength(10);
      expect(await alerts.records<unknown[]>()).toHaveLength(1);
    } finally {
      sends.restore();
    }
  });
});
