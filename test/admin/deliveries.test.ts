import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { deliveries, events } from "../../src/db/schema";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, postSigned, recordSends, routeQueued, runQueue, standardSecret } from "../helpers";
import { admin, json, problem, readToken } from "./helpers";

let hubspot: FakeHandle;
const db = () => createDb(env.DB);

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  const slack = await privateFake("slack");
  await configure({
    sources: [{ id: "forms", provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", firstName: "name" } }],
    destinations: [
      // One attempt: a single failed call makes a dead letter.
      { id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 1 },
      { id: "team-slack", type: "slack", url: slack.url },
    ],
    routes: [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }] }],
  });
});

interface Job {
  id: string;
  status: string;
  matched: number;
  requeued: number;
  skipped: number;
  steps: number;
  filter: Record<string, unknown>;
}

/** Sends leads through routing and one HubSpot call that fails: each lead's delivery is dead. */
async function deadLeads(emails: string[]): Promise<string[]> {
  for (const email of emails) expect((await postSigned("forms", { email, name: "Ada" })).status).toBe(202);
  const { messages } = await routeQueued("forms");
  await hubspot.fault({ status: 503, count: 1 });
  const letters = recordSends(env.DEAD_LETTER_QUEUE);
  await runQueue(queueNames.deliveries, messages);
  letters.restore();
  const ids = messages.map((m) => m.deliveryId);
  const rows = await db().select().from(deliveries).where(inArray(deliveries.id, ids));
  expect(rows.map((r) => r.status)).toEqual(ids.map(() => "dead"));
  return ids;
}

/** Runs the job's steps until it has none left; returns the delivery messages they sent. */
async function runJob(id: string): Promise<DeliveryMessage[]> {
  const sends = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
  const stub = env.DELIVERY_RETRY_JOB.getByName(id);
  for (let step = 0; step < 50; step++) {
    if (!(await runDurableObjectAlarm(stub))) break;
    if ((await stub.view())?.status !== "running") break;
  }
  sends.restore();
  return sends.bodies;
}

const since = () => new Date(Date.now() - 1).toISOString();

describe("POST /admin/v1/deliveries/retry", () => {
  it("dry run: counts the matching dead letters and shows a few, changing nothing", async () => {
    const from = since();
    const deadBefore = async () => (await json<{ matched: number }>(await admin("POST", "/v1/deliveries/retry", { body: { to: from, dryRun: true } }))).matched;
    const earlier = await deadBefore();
    const ids = await deadLeads(["dry1@acme.dev", "dry2@acme.dev", "dry3@acme.dev"]);
    const plan = await json<{ dryRun: boolean; matched: number; matchedAtLeast: boolean; sample: { deliveryId: string; status: string; lastError: string }[] }>(
      await admin("POST", "/v1/deliveries/retry", { body: { destination: "hubspot", from, dryRun: true } }),
    );
    expect(plan).toMatchObject({ dryRun: true, matched: 3, matchedAtLeast: false });
    expect(plan.sample.map((s) => s.deliveryId).sort()).toEqual([...ids].sort());
    expect(plan.sample[0]).toMatchObject({ status: "dead", lastError: expect.stringContaining("Out of attempts") });

    // Other filters narrow it: the error text, the status, another destination.
    const count = async (body: object) =>
      (await json<{ matched: number }>(await admin("POST", "/v1/deliveries/retry", { body: { from, dryRun: true, ...body } }))).matched;
    expect(await count({ error: "http 503" })).toBe(3);
    expect(await count({ error: "refused by" })).toBe(0);
    expect(await count({ status: "failed" })).toBe(0);
    expect(await count({ status: ["failed", "dead"] })).toBe(3);
    expect(await count({ destination: "team-slack" })).toBe(0);
    expect(await count({ to: new Date().toISOString() })).toBe(3);
    expect(await deadBefore()).toBe(earlier);

    const rows = await db().select().from(deliveries).where(inArray(deliveries.id, ids));
    expect(rows.every((r) => r.status === "dead")).toBe(true);
  });

  it("re-queues exactly the matching deliveries once, and they land in HubSpot; nothing is routed again", async () => {
    const from = since();
    const ids = await deadLeads(["land1@acme.dev", "land2@acme.dev"]);
    const eventIds = (await db().select().from(deliveries).where(inArray(deliveries.id, ids))).map((d) => d.eventId);
    const eventsBefore = (await db().select().from(events)).length;

    const response = await admin("POST", "/v1/deliveries/retry", { body: { destination: "hubspot", from } });
    const job = await json<Job>(response, 202);
    expect(response.headers.get("location")).toBe(`/admin/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ status: "running", matched: 2, requeued: 0, filter: { status: ["dead", "failed"], destination: "hubspot", from } });

    const routing = recordSends(env.ROUTING_QUEUE);
    const sent = await runJob(job.id);
    routing.restore();
    expect(sent.map((m) => m.deliveryId).sort()).toEqual([...ids].sort());
    expect(routing.bodies).toEqual([]);

    const done = await json<Job>(await admin("GET", `/v1/jobs/${job.id}`));
    expect(done).toMatchObject({ status: "done", matched: 2, requeued: 2, skipped: 0 });
    const requeued = await db().select().from(deliveries).where(inArray(deliveries.id, ids));
    expect(requeued.map((r) => [r.status, r.attempts])).toEqual([
      ["pending", 0],
      ["pending", 0],
    ]);
    expect((await db().select().from(events).where(inArray(events.id, eventIds))).map((e) => e.status)).toEqual(["delivering", "delivering"]);

    const before = (await hubspot.requests()).length;
    const result = await runQueue(queueNames.deliveries, sent);
    expect(result.explicitAcks).toHaveLength(2);
    expect((await hubspot.requests()).length - before).toBe(1);
    const contacts = await hubspot.records<{ properties: Record<string, string> }[]>();
    expect(contacts.map((c) => c.properties.email)).toEqual(expect.arrayContaining(["land1@acme.dev", "land2@acme.dev"]));
    const landed = await db().select().from(deliveries).where(inArray(deliveries.id, ids));
    expect(landed.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect((await db().select().from(events).where(inArray(events.id, eventIds))).map((e) => e.status)).toEqual(["routed", "routed"]);
    expect((await db().select().from(events)).length).toBe(eventsBefore);

    // The same filter again: those deliveries have landed, nothing matches.
    const again = await json<{ matched: number }>(await admin("POST", "/v1/deliveries/retry", { body: { destination: "hubspot", from, dryRun: true } }));
    expect(again.matched).toBe(0);
  });

  it("works through more deliveries than one chunk, one chunk per step, each once", async () => {
    const from = since();
    const ids = await deadLeads(["c1@acme.dev", "c2@acme.dev", "c3@acme.dev", "c4@acme.dev", "c5@acme.dev"]);
    const job = await json<Job>(await admin("POST", "/v1/deliveries/retry", { body: { from, chunkSize: 2 } }), 202);
    const stub = env.DELIVERY_RETRY_JOB.getByName(job.id);

    const first = recordSends<DeliveryMessage>(env.DELIVERY_QUEUE);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    first.restore();
    expect(first.bodies).toHaveLength(2);
    expect(await stub.view()).toMatchObject({ status: "running", requeued: 2, steps: 1 });

    const rest = await runJob(job.id);
    const all = [...first.bodies, ...rest].map((m) => m.deliveryId);
    expect(all.sort()).toEqual([...ids].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(await json<Job>(await admin("GET", `/v1/jobs/${job.id}`))).toMatchObject({ status: "done", matched: 5, requeued: 5, steps: 3 });
  });

  it("leaves out a delivery that changed before the job reached it", async () => {
    const from = since();
    const [first, second] = await deadLeads(["gone1@acme.dev", "gone2@acme.dev"]);
    const job = await json<Job>(await admin("POST", "/v1/deliveries/retry", { body: { from } }), 202);
    // Someone else sends the first one again meanwhile (it is no longer as it was).
    await db()
      .update(deliveries)
      .set({ status: "succeeded", updatedAt: Date.now() + 1 })
      .where(eq(deliveries.id, first ?? ""));
    const sent = await runJob(job.id);
    expect(sent.map((m) => m.deliveryId)).toEqual([second]);
    expect(await json<Job>(await admin("GET", `/v1/jobs/${job.id}`))).toMatchObject({ status: "done", matched: 2, requeued: 1 });
  });

  it("refuses a bad filter with a problem, and starts nothing", async () => {
    const cases: [object, string][] = [
      [{ status: "succeeded" }, "/status"],
      [{ status: [] }, "/status"],
      [{ destination: "nowhere" }, "/destination"],
      [{ from: "yesterday" }, "/from"],
      [{ from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }, "/to"],
      [{ error: "x".repeat(201) }, "/error"],
      [{ chunkSize: 0 }, "/chunkSize"],
      [{ destinaton: "hubspot" }, ""],
      [{ dryRun: "yes" }, "/dryRun"],
    ];
    for (const [body, pointer] of cases) {
      const refused = await problem(await admin("POST", "/v1/deliveries/retry", { body }), 422);
      expect(refused.code, JSON.stringify(body)).toBe("validation_failed");
      expect(
        refused.problems?.map((p) => p.pointer),
        JSON.stringify(body),
      ).toContain(pointer);
    }
    expect((await problem(await admin("POST", "/v1/deliveries/retry", { raw: "{", headers: { "content-type": "application/json" } }), 400)).code).toBe(
      "body_unparseable",
    );
  });

  it("needs the admin token, even for a dry run", async () => {
    const refused = await problem(await admin("POST", "/v1/deliveries/retry", { token: readToken, body: { dryRun: true } }), 403);
    expect(refused.code).toBe("forbidden");
  });
});
