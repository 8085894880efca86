import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { attempts, crmRecords, deliveries } from "../../src/db/schema";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import type { PipedriveLead, PipedrivePerson } from "../fakes/pipedrive";
import { configure, postSigned, recordSends, routeQueued, runQueue, standardSecret } from "../helpers";

type Records = { persons: PipedrivePerson[]; leads: PipedriveLead[] };
const db = () => createDb(env.DB);
const form = (email: string, name = "Ada") => ({ event_id: crypto.randomUUID(), email, name });

/** One source routing every lead to one Pipedrive destination. */
type Rate = { perSecond: number; burst: number };
async function configureFor(fake: FakeHandle, destination: { id: string; rate?: Rate; searchRate?: Rate }) {
  await configure({
    sources: [{ id: "forms", provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", firstName: "name" } }],
    destinations: [{ type: "pipedrive", apiToken: fake.credentials.apiToken ?? "", baseUrl: fake.url, maxAttempts: 5, ...destination }],
    routes: [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: destination.id } }] }],
  });
}

/**
 * Runs the deliveries queue as the platform would, until nothing is left to run:
 * each round is what the last one handed over (a finished delivery sends its lead's
 * next one) plus the messages it retried.
 */
async function deliverUntilDone(first: DeliveryMessage[], maxRounds = 20) {
  let round: DeliveryMessage[] = first;
  for (let i = 1; i <= maxRounds && round.length > 0; i++) {
    const sent = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    const result = await runQueue(queueNames.deliveries, round, i);
    sent.restore();
    const retried: DeliveryMessage[] = result.retryMessages.flatMap((m: { msgId: string }) => round[result.ids.indexOf(m.msgId)] ?? []);
    const handed = sent.bodies.filter((m: DeliveryMessage) => !retried.some((r) => r.deliveryId === m.deliveryId));
    round = [...handed, ...retried];
  }
  return round;
}

describe("one lead, one destination: one delivery at a time, in order", () => {
  let fake: FakeHandle;
  beforeAll(async () => {
    fake = await privateFake("pipedrive", { searchLagMs: 3000 });
    await configureFor(fake, { id: "pipedrive-lag", rate: { perSecond: 100, burst: 100 } });
  });

  it("makes one person and one lead of five leads with one email sent at once, though search lags creation by 3 s", async () => {
    for (let i = 0; i < 5; i++) expect((await postSigned("forms", form("five@acme.example", `Ada ${i}`))).status).toBe(202);
    const { messages } = await routeQueued("forms");
    expect(messages).toHaveLength(5);

    // All five arrive in one batch: only the oldest is claimed, the others wait their turn.
    const first = await runQueue(queueNames.deliveries, messages);
    expect(first.explicitAcks).toHaveLength(1);
    expect(first.retryMessages).toHaveLength(4);

    const rest = messages.filter((m) => m.deliveryId !== messages[0]?.deliveryId);
    expect(await deliverUntilDone(rest)).toEqual([]);

    const { persons, leads } = await fake.records<Records>();
    expect(persons).toHaveLength(1);
    expect(leads).toHaveLength(1);
    expect(persons[0]?.name).toBe("Ada 4");
    const calls = (await fake.requests()).map((r) => `${r.method} ${r.path}`);
    expect(calls.filter((c) => c.endsWith("/search"))).toHaveLength(1);
    expect(calls.filter((c) => c === "PATCH /api/v2/persons/1")).toHaveLength(4);

    const rows = await db().select().from(deliveries).where(eq(deliveries.destinationId, "pipedrive-lag"));
    expect(rows.map((r) => r.status)).toEqual(Array(5).fill("succeeded"));
    const map = await db().select().from(crmRecords).where(eq(crmRecords.destinationId, "pipedrive-lag"));
    expect(map.map((r) => [r.leadId, r.kind, r.externalId]).sort()).toEqual([
      [rows[0]?.leadId, "lead", leads[0]?.id],
      [rows[0]?.leadId, "person", "1"],
    ]);
  });

  it("never lets an update overtake a create that is being retried", async () => {
    await postSigned("forms", form("later@acme.example", "First"));
    const {
      messages: [create],
    } = await routeQueued("forms");
    await postSigned("forms", form("later@acme.example", "Second"));
    const {
      messages: [update],
    } = await routeQueued("forms");
    if (!create || !update) throw new Error("expected two deliveries");
    const before = (await fake.requests()).length;

    await fake.fault({ status: 503, method: "POST", path: "/api/v2/persons" });
    expect((await runQueue(queueNames.deliveries, [create])).retryMessages).toHaveLength(1);
    // The update's message comes while the create backs off: it waits, calling nothing.
    const early = await runQueue(queueNames.deliveries, [update]);
    expect(early.retryMessages).toHaveLength(1);
    const [waiting] = await db().select().from(deliveries).where(eq(deliveries.id, update.deliveryId));
    expect(waiting).toMatchObject({ status: "pending", attempts: 0, leaseUntil: null });
    expect((await fake.requests()).length - before).toBe(2);

    // The create's retry lands, then hands the turn to the update: by id, no search.
    expect(await deliverUntilDone([create], 5)).toEqual([]);
    const calls = (await fake.requests()).slice(before).map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([
      "GET /api/v2/persons/search",
      "POST /api/v2/persons",
      "GET /api/v2/persons/search",
      "POST /api/v2/persons",
      "GET /api/v1/leads",
      "POST /api/v1/leads",
      "PATCH /api/v2/persons/2",
      "GET /api/v1/leads",
    ]);
    const person = (await fake.records<Records>()).persons.find((p) => p.id === 2);
    expect(person?.name).toBe("Second");
  });
});

describe("rate limits count calls", () => {
  it("spends a token per call: the smallest plan's window is never exceeded", async () => {
    const fake = await privateFake("pipedrive", { plan: "lite" });
    await configureFor(fake, { id: "pipedrive-lite" });
    for (let i = 0; i < 6; i++) await postSigned("forms", form(`calls${i}@acme.example`));
    const { messages } = await routeQueued("forms");
    const result = await runQueue(queueNames.deliveries, messages);
    // Default rate: a burst of 8 calls, 4 per new lead: two leads now, four later.
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toHaveLength(4);
    expect((await fake.requests()).length).toBe(8);
    const tried = await db().select().from(attempts).where(eq(attempts.destinationId, "pipedrive-lite"));
    expect(tried).toHaveLength(2);
  });

  it("keeps searches within Pipedrive's limit when the call rate is raised", async () => {
    const fake = await privateFake("pipedrive", { plan: "ultimate" });
    await configureFor(fake, { id: "pipedrive-searches", rate: { perSecond: 100, burst: 100 } });
    for (let i = 0; i < 6; i++) await postSigned("forms", form(`search${i}@acme.example`));
    const { messages } = await routeQueued("forms");
    const result = await runQueue(queueNames.deliveries, messages);
    // The default search bucket holds 4: four new leads now, two later, no 429.
    expect(result.explicitAcks).toHaveLength(4);
    expect((await fake.requests()).filter((r) => r.path.endsWith("/search"))).toHaveLength(4);
    expect((await fake.requests()).some((r) => r.fault !== undefined)).toBe(false);
  });

  it("takes a destination's own searchRate (a server that is not Pipedrive's)", async () => {
    const fake = await privateFake("pipedrive");
    const fast = { perSecond: 100, burst: 100 };
    await configureFor(fake, { id: "pipedrive-fast-search", rate: fast, searchRate: fast });
    for (let i = 0; i < 6; i++) await postSigned("forms", form(`fast${i}@acme.example`));
    const { messages } = await routeQueued("forms");
    expect((await runQueue(queueNames.deliveries, messages)).explicitAcks).toHaveLength(6);
  });

  it("holds every delivery to the destination while a 429 lasts, without calling it", async () => {
    const fake = await privateFake("pipedrive");
    await configureFor(fake, { id: "pipedrive-held", rate: { perSecond: 100, burst: 100 } });
    await fake.fault({ status: 429, retryAfter: 10 });
    for (let i = 0; i < 3; i++) await postSigned("forms", form(`held${i}@acme.example`));
    const { messages } = await routeQueued("forms");
    const result = await runQueue(queueNames.deliveries, messages);
    expect(result.retryMessages).toHaveLength(3);
    expect(await fake.requests()).toHaveLength(1);
    const tried = await db().select().from(attempts).where(eq(attempts.destinationId, "pipedrive-held"));
    expect(tried.map((a) => [a.httpStatus, a.outcome])).toEqual([[429, "retryable"]]);
    expect((tried[0]?.retryAt ?? 0) - (tried[0]?.at ?? 0)).toBeGreaterThanOrEqual(10_000);
  });
});
