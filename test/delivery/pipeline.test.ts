import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { attempts, deliveries, leads } from "../../src/db/schema";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, flushInbox, liftHold, postSigned, recordSends, routeQueued, runQueue, standardSecret } from "../helpers";

let hubspot: FakeHandle;
let slack: FakeHandle;
let alerts: FakeHandle;

const db = () => createDb(env.DB);
const typeform = (email: string, score: number, extra: Record<string, string> = {}) => ({
  event_id: crypto.randomUUID(),
  form_response: { hidden: { email, first_name: "Ada", company: "Analytical Engines", ...extra }, calculated: { score } },
});

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  slack = await privateFake("slack");
  alerts = await privateFake("slack");
  await configure({
    sources: [
      {
        id: "typeform-leads",
        provider: "standard-webhooks",
        secrets: [standardSecret],
        mapping: {
          email: "form_response.hidden.email",
          firstName: "form_response.hidden.first_name",
          company: "form_response.hidden.company",
          score: "$number(form_response.calculated.score)",
        },
      },
    ],
    pools: [{ id: "enterprise-ae", strategy: "round_robin", members: [{ ownerId: "101", weight: 2 }, { ownerId: "102" }] }],
    destinations: [
      { id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 3 },
      { id: "sales-slack", type: "slack", url: slack.url },
      { id: "ops-alerts", type: "slack", url: alerts.url },
    ],
    routes: [
      {
        id: "hot",
        when: { all: [{ field: "score", op: "gt", value: 80 }] },
        actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }],
      },
      {
        id: "warm",
        when: { all: [{ field: "score", op: "gte", value: 50 }] },
        actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "marketingqualifiedlead" } } }],
      },
      { id: "rest", when: { always: true }, actions: [] },
    ],
    settings: { alertDestination: "ops-alerts" },
  });
});

async function deliverAll(messages: DeliveryMessage[], attempt = 1) {
  return runQueue(queueNames.deliveries, messages, attempt);
}

describe("routing and delivery, end to end inside workerd", () => {
  it("routes a hot lead: owner from the pool, one HubSpot upsert with the owner, one Slack message", async () => {
    const slackBefore = (await slack.records<unknown[]>()).length;
    expect((await postSigned("typeform-leads", typeform("Ada@Analytical.example ", 91))).status).toBe(202);
    const { result, messages } = await routeQueued("typeform-leads");
    expect(result.explicitAcks).toHaveLength(1);
    expect(messages.map((m) => m.destinationId)).toEqual(["hubspot", "sales-slack"]);

    const eventOf = async () => (await eventsOf("typeform-leads")).find((e) => e.id === messages[0]?.eventId);
    const event = await eventOf();
    expect(event).toMatchObject({ status: "delivering", routeId: "hot", ownerId: expect.stringMatching(/^10[12]$/) });
    const ownerId = event?.ownerId;
    const trace = JSON.parse(event?.trace ?? "{}");
    expect(trace.owner).toMatchObject({ ownerId, pool: "enterprise-ae", sticky: false });
    expect(trace.explain.join("\n")).toContain("hot");

    const delivered = await deliverAll(messages);
    expect(delivered.explicitAcks).toHaveLength(2);
    const contacts = await hubspot.records<{ properties: Record<string, string> }[]>();
    expect(contacts.filter((c) => c.properties.email === "ada@analytical.example")).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ hubspot_owner_id: ownerId, firstname: "Ada" }) }),
    ]);
    expect(await slack.records<unknown[]>()).toHaveLength(slackBefore + 1);

    const done = await eventOf();
    expect(done?.status).toBe("routed");
    const rows = await db()
      .select()
      .from(attempts)
      .where(eq(attempts.eventId, done?.id ?? ""));
    expect(rows.map((r) => [r.destinationId, r.outcome, r.attempt])).toEqual(
      expect.arrayContaining([
        ["hubspot", "succeeded", 1],
        ["sales-slack", "succeeded", 1],
      ]),
    );
  });

  it("routes a redelivered message once: no second decision, no second CRM call", async () => {
    // A warm lead of its own (no pool), routed and delivered once before the redelivery.
    expect((await postSigned("typeform-leads", typeform("redelivered@example.com", 60))).status).toBe(202);
    const first = await routeQueued("typeform-leads");
    expect(first.messages.map((m) => m.destinationId)).toEqual(["hubspot"]);
    await deliverAll(first.messages);
    const event = (await eventsOf("typeform-leads")).find((e) => e.id === first.messages[0]?.eventId);
    expect(event?.status).toBe("routed");
    const before = (await hubspot.requests()).length;
    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    await runQueue(queueNames.routing, [{ eventId: event?.id, sourceId: "typeform-leads" }], 2);
    sends.restore();
    expect(sends.bodies).toEqual([]);
    const all = await db()
      .select()
      .from(deliveries)
      .where(eq(deliveries.eventId, event?.id ?? ""));
    await deliverAll(
      all.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
      2,
    );
    expect((await hubspot.requests()).length).toBe(before);
  });

  it("keeps the owner of a known lead (sticky) without advancing the pool", async () => {
    // A lead of its own, routed once: the pool picks its owner.
    await postSigned("typeform-leads", typeform("sticky@example.com", 95));
    const known = await routeQueued("typeform-leads");
    await deliverAll(known.messages);
    const ownerId = (await eventsOf("typeform-leads")).find((e) => e.id === known.messages[0]?.eventId)?.ownerId;
    expect(ownerId).toBeTruthy();
    const pool = env.OWNER_POOL.getByName("enterprise-ae");
    const { rotation, counts } = await pool.stats();

    await postSigned("typeform-leads", typeform("Sticky@Example.com", 99));
    const { messages } = await routeQueued("typeform-leads");
    const latest = (await eventsOf("typeform-leads")).find((e) => e.id === messages[0]?.eventId);
    expect(latest?.ownerId).toBe(ownerId);
    expect(JSON.parse(latest?.trace ?? "{}").owner).toMatchObject({ sticky: true, ownerId });
    await deliverAll(messages);
    // The sticky lead neither turned the rotation nor counted for the day.
    expect(await pool.stats()).toMatchObject({ rotation, counts });
    expect(await db().select().from(leads).where(eq(leads.email, "sticky@example.com"))).toHaveLength(1);
  });

  it("gives one owner to the same person sent twice in one routing batch, and one lead row", async () => {
    const pool = env.OWNER_POOL.getByName("enterprise-ae");
    const assigned = async () => Object.values((await pool.stats()).counts).reduce((sum, n) => sum + n, 0);
    const assignedBefore = await assigned();
    // A double-submitted form: both events reach the consumer in the same batch.
    await postSigned("typeform-leads", typeform("twice@example.org", 97));
    await postSigned("typeform-leads", typeform("Twice@Example.org", 98));
    await postSigned("typeform-leads", typeform("someone-else@example.net", 97));
    const { result, messages } = await routeQueued("typeform-leads");
    expect(result.explicitAcks).toHaveLength(3);
    const [first, second, other] = (await eventsOf("typeform-leads")).slice(-3);
    expect(first?.ownerId).toBeTruthy();
    expect(second?.ownerId).toBe(first?.ownerId);
    expect(second?.leadId).toBe(first?.leadId);
    expect(JSON.parse(second?.trace ?? "{}").owner).toMatchObject({ sticky: true, ownerId: first?.ownerId });
    // The pool gave one owner to the pair and one to the other lead.
    expect(other?.ownerId).toBeTruthy();
    expect(await assigned()).toBe(assignedBefore + 2);
    const rows = await db().select().from(leads).where(eq(leads.email, "twice@example.org"));
    expect(rows.map((r) => [r.id, r.ownerId, r.firstEventId, r.lastEventId])).toEqual([[first?.leadId, first?.ownerId, first?.id, second?.id]]);
    await deliverAll(messages);
  });

  it("retries a 503 with backoff, waits out HubSpot's 429 without counting an attempt, then delivers", async () => {
    await postSigned("typeform-leads", typeform("retry@acme.dev", 60));
    const { messages } = await routeQueued("typeform-leads");
    await hubspot.fault([
      { status: 503, count: 1 },
      { status: 429, count: 1 },
    ]);

    const first = await deliverAll(messages);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0] }]);
    const second = await deliverAll(messages, 2);
    expect(second.retryMessages).toEqual([{ msgId: second.ids[0] }]);
    // HubSpot's ten-second window; the test does not wait it out.
    expect((await liftHold("hubspot")) - Date.now()).toBeGreaterThan(5_000);
    const third = await deliverAll(messages, 3);
    expect(third.explicitAcks).toEqual(third.ids);

    // The pool's MessageBatch does not report retry delays; the attempt log does.
    const rows = await db()
      .select()
      .from(attempts)
      .where(eq(attempts.deliveryId, messages[0]?.deliveryId ?? ""));
    expect(rows.map((r) => [r.attempt, r.outcome, r.httpStatus])).toEqual([
      [1, "retryable", 503],
      [2, "succeeded", 200],
    ]);
    const delay = (row: (typeof rows)[number] | undefined) => ((row?.retryAt ?? 0) - (row?.at ?? 0)) / 1000;
    expect(delay(rows[0])).toBeGreaterThanOrEqual(5);
    const contact = (await hubspot.records<{ properties: Record<string, string> }[]>()).find((c) => c.properties.email === "retry@acme.dev");
    expect(contact?.properties.lifecyclestage).toBe("marketingqualifiedlead");
  });

  it("dead-letters a delivery out of attempts, marks the event dead and alerts", async () => {
    await postSigned("typeform-leads", typeform("doomed@acme.dev", 60));
    const { messages } = await routeQueued("typeform-leads");
    await hubspot.fault({ status: 500, count: 3 });
    const dead = recordSends<DeliveryMessage & { reason: string }>(env.DEAD_LETTER_QUEUE);
    for (let attempt = 1; attempt <= 3; attempt++) await deliverAll(messages, attempt);
    dead.restore();
    expect(dead.bodies).toEqual([expect.objectContaining({ deliveryId: messages[0]?.deliveryId, reason: expect.stringContaining("Out of attempts (3/3)") })]);

    await runQueue(queueNames.deadLetters, dead.bodies);
    const event = (await eventsOf("typeform-leads")).find((e) => e.id === messages[0]?.eventId);
    expect(event?.status).toBe("dead");
    const alertsSeen = await alerts.records<{ text: string }[]>();
    expect(alertsSeen.at(-1)?.text).toContain(messages[0]?.eventId);
  });

  it("fails a delivery for good on a permanent 4xx, without retrying, as a dead letter", async () => {
    await postSigned("typeform-leads", typeform("bad@acme.dev", 60));
    const { messages } = await routeQueued("typeform-leads");
    await hubspot.fault({ status: 400, count: 1 });
    const dead = recordSends<DeliveryMessage & { reason: string }>(env.DEAD_LETTER_QUEUE);
    const result = await deliverAll(messages);
    dead.restore();
    expect(result.retryMessages).toEqual([]);
    const event = (await eventsOf("typeform-leads")).find((e) => e.id === messages[0]?.eventId);
    expect(event?.status).toBe("dead");
    expect(dead.bodies).toEqual([
      expect.objectContaining({ deliveryId: messages[0]?.deliveryId, refused: true, reason: expect.stringMatching(/^Refused by hubspot: HTTP 400/) }),
    ]);
  });

  it("marks unmappable payloads invalid and unmatched leads unmatched", async () => {
    await postSigned("typeform-leads", typeform("not-an-email", 90));
    await routeQueued("typeform-leads");
    const invalid = (await eventsOf("typeform-leads")).at(-1);
    expect(invalid?.status).toBe("invalid");
    expect(invalid?.statusReason).toMatch(/email/i);
  });
});

describe("a full batch", () => {
  it("delivers 100 leads to HubSpot in one call (the claim binds the id list as one parameter)", async () => {
    const before = (await hubspot.requests()).length;
    for (let i = 0; i < 100; i++) await postSigned("typeform-leads", typeform(`bulk${i}@acme.dev`, 60));
    const { messages } = await routeQueued("typeform-leads");
    expect(messages).toHaveLength(100);
    const result = await deliverAll(messages);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toEqual([]);
    expect((await hubspot.requests()).length - before).toBe(1);
  }, 60_000);
});

describe("storing decisions", () => {
  it("retries every event of a routing batch whose decisions could not be stored, storing none", async () => {
    await postSigned("typeform-leads", typeform("first@store.dev", 60));
    await postSigned("typeform-leads", typeform("second@store.dev", 60));
    await flushInbox("typeform-leads");
    const queued = (await eventsOf("typeform-leads")).filter((e) => e.status === "queued");
    expect(queued).toHaveLength(2);
    const bodies = queued.map((e) => ({ eventId: e.id, sourceId: "typeform-leads" }));

    const batch = vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("D1_ERROR: overloaded"));
    const failed = await runQueue(queueNames.routing, bodies);
    batch.mockRestore();
    expect(failed.retryMessages).toHaveLength(2);
    expect(failed.explicitAcks).toEqual([]);
    const still = (await eventsOf("typeform-leads")).filter((e) => queued.some((q) => q.id === e.id));
    expect(still.map((e) => e.status)).toEqual(["queued", "queued"]);

    const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    const again = await runQueue(queueNames.routing, bodies, 2);
    sends.restore();
    expect(again.explicitAcks).toHaveLength(2);
    expect(sends.bodies).toHaveLength(2);
  });
});
