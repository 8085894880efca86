import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { clearConfigCache } from "../../src/config/store";
import { createDb } from "../../src/db/client";
import { getDeliveries } from "../../src/db/deliveries";
import { attempts, deliveries, events } from "../../src/db/schema";
import worker from "../../src/index";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, post, recordSends, routeQueued, runQueue } from "../helpers";

/**
 * One delivery never holds its destination's batch back: a payload that does not
 * parse, or an outcome D1 refuses to store (real refusals from SQLite triggers),
 * fails that delivery alone, and the CRM is never called twice for the others.
 * The dead-letter consumer likewise handles each letter alone.
 */

let hubspot: FakeHandle;
let alerts: FakeHandle;
let team: FakeHandle;
let sequence = 0;
const db = () => createDb(env.DB);

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  alerts = await privateFake("slack");
  team = await privateFake("slack");
  await configure({
    sources: [{ id: "forms", provider: "none", mapping: { email: "email", company: "company" } }],
    destinations: [
      { id: "crm", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 3 },
      { id: "ops-alerts", type: "slack", url: alerts.url },
      { id: "team", type: "slack", url: team.url },
    ],
    routes: [
      { id: "notify", when: { all: [{ field: "company", op: "eq", value: "Notify" }] }, actions: [{ notify: { destination: "team" } }] },
      { id: "all", when: { always: true }, actions: [{ upsert: { destination: "crm" } }] },
    ],
    settings: { alertDestination: "ops-alerts" },
  });
});

/** Posts `count` leads and routes them; returns their delivery messages (one each: to the CRM, or to Slack for company "Notify"). */
async function routedLeads(count: number, company = "Acme"): Promise<DeliveryMessage[]> {
  for (let n = 0; n < count; n++) {
    sequence += 1;
    const response = await post("/in/forms", JSON.stringify({ email: `lead${sequence}@example.com`, company }), { "content-type": "application/json" });
    expect(response.status).toBe(202);
  }
  const { messages } = await routeQueued("forms");
  expect(messages).toHaveLength(count);
  return messages;
}

/** The emails of every contact HubSpot was sent since `since` requests, one list per call. */
async function callsSince(since: number): Promise<string[][]> {
  const requests = (await hubspot.requests()).slice(since).filter((r) => r.path.includes("/batch/upsert"));
  return requests.map((r) => (JSON.parse(r.body) as { inputs: { id: string }[] }).inputs.map((i) => i.id));
}

const emailOf = async (m: DeliveryMessage) => {
  const [row] = await db().select().from(deliveries).where(eq(deliveries.id, m.deliveryId));
  return (JSON.parse(row?.payload ?? "{}") as { lead?: { email?: string } }).lead?.email;
};

const statusesOf = async (messages: DeliveryMessage[]) => {
  const rows = await getDeliveries(
    db(),
    messages.map((m) => m.deliveryId),
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
};

/** Runs the deliveries consumer on these messages, recording what reaches the dead-letter queue. */
async function deliver(messages: DeliveryMessage[], { failedDeadLetterSends = 0 } = {}) {
  const dead = recordSends<DeliveryMessage & { reason: string; refused?: boolean }>(env.DEAD_LETTER_QUEUE, { failFirst: failedDeadLetterSends });
  try {
    const result = await runQueue(queueNames.deliveries, messages);
    return { result, deadLetters: dead.bodies };
  } finally {
    dead.restore();
  }
}

async function withTrigger<T>(name: string, sql: string, run: () => Promise<T>): Promise<T> {
  await env.DB.prepare(sql).run();
  try {
    return await run();
  } finally {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  }
}

describe("a delivery batch with one bad row", () => {
  it("dead-letters a delivery whose stored payload is not JSON, and delivers the others in one call", async () => {
    const messages = await routedLeads(4);
    const bad = messages[1] as DeliveryMessage;
    await env.DB.prepare("UPDATE deliveries SET payload = ?1 WHERE id = ?2").bind('{"lead": {"email": "x@example.com"', bad.deliveryId).run();
    const others = messages.filter((m) => m !== bad);
    const expected = await Promise.all(others.map(emailOf));

    const before = (await hubspot.requests()).length;
    const { result, deadLetters } = await deliver(messages);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(4);
    expect(await callsSince(before)).toEqual([expect.arrayContaining(expected)]);
    expect((await callsSince(before))[0]).toHaveLength(3);

    const statuses = await statusesOf(messages);
    expect(statuses[bad.deliveryId]).toBe("dead");
    expect(others.map((m) => statuses[m.deliveryId])).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(deadLetters).toEqual([{ ...bad, reason: expect.stringMatching(/^Its stored payload is not JSON/) }]);
    const [attempt] = await db().select().from(attempts).where(eq(attempts.deliveryId, bad.deliveryId));
    expect(attempt).toMatchObject({ outcome: "failed", httpStatus: null, error: expect.stringMatching(/not JSON/) });

    // The dead-letter consumer lists it with the reason and alerts.
    const alertsBefore = (await alerts.requests()).length;
    expect((await runQueue(queueNames.deadLetters, deadLetters)).explicitAcks).toHaveLength(1);
    const [row] = await db().select().from(deliveries).where(eq(deliveries.id, bad.deliveryId));
    expect(row?.lastError).toMatch(/^Its stored payload is not JSON/);
    const sentAlerts = (await alerts.requests()).slice(alertsBefore);
    expect(sentAlerts).toHaveLength(1);
    expect(sentAlerts[0]?.body).toContain(bad.eventId);
  });

  it("dead-letters a payload that is JSON but not a delivery, naming what is wrong", async () => {
    const messages = await routedLeads(2);
    const bad = messages[0] as DeliveryMessage;
    await env.DB.prepare("UPDATE deliveries SET payload = ?1 WHERE id = ?2")
      .bind(JSON.stringify({ deliveryId: bad.deliveryId, lead: [] }), bad.deliveryId)
      .run();
    const { result, deadLetters } = await deliver(messages);
    expect(result.retryMessages).toEqual([]);
    expect(deadLetters).toEqual([{ ...bad, reason: expect.stringMatching(/^Its stored payload is not a delivery: .* at /) }]);
    expect((await statusesOf(messages))[messages[1]?.deliveryId ?? ""]).toBe("succeeded");
  });

  it("stores the others' outcomes when D1 refuses one, and retries only that one (the CRM is called again for it alone)", async () => {
    const messages = await routedLeads(5);
    const victim = messages[2] as DeliveryMessage;
    const before = (await hubspot.requests()).length;
    const { result, deadLetters } = await withTrigger(
      "refuse_outcome",
      `CREATE TRIGGER refuse_outcome BEFORE UPDATE OF status ON deliveries WHEN OLD.id = '${victim.deliveryId}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`,
      () => deliver(messages),
    );
    expect(deadLetters).toEqual([]);
    expect(result.explicitAcks).toHaveLength(4);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([result.ids[2]]);
    expect(await callsSince(before)).toHaveLength(1);

    const statuses = await statusesOf(messages);
    expect(statuses[victim.deliveryId]).toBe("pending");
    expect(messages.filter((m) => m !== victim).map((m) => statuses[m.deliveryId])).toEqual(Array(4).fill("succeeded"));
    // Nothing of the victim's attempt was kept (one transaction per part).
    expect(await db().select().from(attempts).where(eq(attempts.deliveryId, victim.deliveryId))).toEqual([]);

    // Its retry, once its lease ran out, calls the CRM for it alone.
    await env.DB.prepare("UPDATE deliveries SET lease_until = 0 WHERE id = ?1").bind(victim.deliveryId).run();
    const again = (await hubspot.requests()).length;
    const retried = await deliver([victim]);
    expect(retried.result.explicitAcks).toHaveLength(1);
    expect(await callsSince(again)).toEqual([[await emailOf(victim)]]);
    expect((await statusesOf([victim]))[victim.deliveryId]).toBe("succeeded");
  });

  it("dead-letters alone a delivery whose outcome D1 refuses for good (SQLITE_TOOBIG), with the reason", async () => {
    const messages = await routedLeads(3);
    const victim = messages[0] as DeliveryMessage;
    // The trigger makes the victim's update build a value over SQLite's length limit:
    // a real SQLITE_TOOBIG, as a row pushed over D1's 2 MB would answer.
    const { result, deadLetters } = await withTrigger(
      "too_big_outcome",
      `CREATE TRIGGER too_big_outcome BEFORE UPDATE OF status ON deliveries WHEN OLD.id = '${victim.deliveryId}' BEGIN SELECT zeroblob(2000000000); END`,
      () => deliver(messages),
    );
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(3);
    expect(deadLetters).toEqual([{ ...victim, reason: expect.stringMatching(/^Its outcome \(succeeded\) could not be stored: .*(SQLITE_TOOBIG|too big)/) }]);
    const statuses = await statusesOf(messages);
    expect(messages.slice(1).map((m) => statuses[m.deliveryId])).toEqual(["succeeded", "succeeded"]);

    // The dead-letter consumer marks it dead: it is not sent to the CRM again.
    await runQueue(queueNames.deadLetters, deadLetters);
    const [row] = await db().select().from(deliveries).where(eq(deliveries.id, victim.deliveryId));
    expect(row?.status).toBe("dead");
    expect(row?.lastError).toMatch(/^Its outcome \(succeeded\) could not be stored/);
  });
});

describe("a delivery batch when the dead-letter queue is down", () => {
  it("acks what D1 recorded as final, and retries the one whose only record was its dead letter", async () => {
    const messages = await routedLeads(3);
    const [unreadable, tooBig, fine] = messages as [DeliveryMessage, DeliveryMessage, DeliveryMessage];
    await env.DB.prepare("UPDATE deliveries SET payload = 'not json' WHERE id = ?1").bind(unreadable.deliveryId).run();
    const { result, deadLetters } = await withTrigger(
      "too_big_again",
      `CREATE TRIGGER too_big_again BEFORE UPDATE OF status ON deliveries WHEN OLD.id = '${tooBig.deliveryId}' BEGIN SELECT zeroblob(2000000000); END`,
      // Two sends: the unreadable payload's letter, then the call's.
      () => deliver(messages, { failedDeadLetterSends: 2 }),
    );
    expect(deadLetters).toEqual([]);
    expect(result.explicitAcks).toEqual([result.ids[0], result.ids[2]]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([result.ids[1]]);
    const statuses = await statusesOf(messages);
    expect([statuses[unreadable.deliveryId], statuses[tooBig.deliveryId], statuses[fine.deliveryId]]).toEqual(["dead", "pending", "succeeded"]);
  });
});

describe("a destination group that fails part way", () => {
  it("retries the deliveries after the failure; the one already called and recorded stays acked and is not called again", async () => {
    // Slack takes one delivery per call: three calls, each taking a limiter token.
    const messages = await routedLeads(3, "Notify");
    expect(messages.map((m) => m.destinationId)).toEqual(["team", "team", "team"]);
    const getByName = env.DESTINATION_LIMITER.getByName.bind(env.DESTINATION_LIMITER);
    let takes = 0;
    const spy = vi.spyOn(env.DESTINATION_LIMITER, "getByName").mockImplementation((name) => {
      const limiter = getByName(name);
      return new Proxy(limiter, {
        get: (target, key) =>
          key === "admit"
            ? (...args: Parameters<typeof target.admit>) => {
                takes += 1;
                // The second call's token: the limiter's Durable Object fails.
                return takes === 2 ? Promise.reject(new Error("Durable Object reset")) : target.admit(...args);
              }
            : Reflect.get(target, key),
      });
    });
    const before = (await team.requests()).length;
    let result: Awaited<ReturnType<typeof deliver>>["result"];
    try {
      ({ result } = await deliver(messages));
    } finally {
      spy.mockRestore();
    }
    expect((await team.requests()).length - before).toBe(1);
    expect(result.explicitAcks).toEqual([result.ids[0]]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([result.ids[1], result.ids[2]]);
    const statuses = await statusesOf(messages);
    expect(messages.map((m) => statuses[m.deliveryId])).toEqual(["succeeded", "pending", "pending"]);
  });
});

describe("a delivery batch when D1 itself fails", () => {
  it("retries the group after one write instead of splitting it", async () => {
    const messages = await routedLeads(4);
    let writes = 0;
    const spy = vi.spyOn(env.DB, "batch").mockImplementation(async () => {
      writes += 1;
      throw new Error("D1_ERROR: Network connection lost.");
    });
    try {
      const { result } = await deliver(messages);
      expect(writes).toBe(1);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toHaveLength(4);
    } finally {
      spy.mockRestore();
    }
    expect(Object.values(await statusesOf(messages))).toEqual(Array(4).fill("pending"));
  });
});

const otherKey = "a-different-config-key-0123456789abcdef";

/** Runs a consumer as an isolate started with another CONFIG_KEY would (no cached configuration). */
async function runWithOtherKey(queue: string, bodies: unknown[], attempts = 4) {
  clearConfigCache();
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `key-${queue}-${i}`, timestamp: new Date(), attempts, body })),
  );
  // The pool's queue result has no delays: read them from the calls.
  const delays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((options) => {
      delays.push(options?.delaySeconds);
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  try {
    await worker.queue(batch, { ...(env as Env), CONFIG_KEY: otherKey } as Env, ctx);
    return { ...(await getQueueResult(batch, ctx)), delays };
  } finally {
    clearConfigCache();
  }
}

describe("consumers without a readable configuration", () => {
  it("the deliveries consumer retries the batch with a backoff and calls no CRM", async () => {
    const messages = await routedLeads(2);
    const before = (await hubspot.requests()).length;
    const result = await runWithOtherKey(queueNames.deliveries, messages);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(2);
    // Attempt 4: 40–80 s (src/lib/retry-delay.ts), not the platform's immediate retry.
    expect(result.delays).toHaveLength(2);
    for (const delay of result.delays) expect(delay).toBeGreaterThanOrEqual(40);
    expect(await callsSince(before)).toEqual([]);
    expect(Object.values(await statusesOf(messages))).toEqual(["pending", "pending"]);
  });

  it("the dead-letter consumer records each letter in D1 and retries only for the alert", async () => {
    const [message] = await routedLeads(1);
    const letter = { ...(message as DeliveryMessage), reason: "Out of attempts (3/3): HTTP 503" };
    const alertsBefore = (await alerts.requests()).length;
    const result = await runWithOtherKey(queueNames.deadLetters, [letter]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.delays[0]).toBeGreaterThanOrEqual(40);
    const [row] = await db().select().from(deliveries).where(eq(deliveries.id, letter.deliveryId));
    expect(row).toMatchObject({ status: "dead", lastError: letter.reason });
    expect((await alerts.requests()).length).toBe(alertsBefore);
  });
});

describe("the dead-letter consumer with one bad letter", () => {
  it("records and alerts the others; drops a malformed one and retries one D1 refuses, each alone", async () => {
    const messages = await routedLeads(3);
    const [refused, good, alsoGood] = messages.map((m) => ({ ...m, reason: "Out of attempts (3/3): HTTP 503" })) as (DeliveryMessage & { reason: string })[];
    const alertsBefore = (await alerts.requests()).length;
    const result = await withTrigger(
      "refuse_kill",
      `CREATE TRIGGER refuse_kill BEFORE UPDATE ON deliveries WHEN OLD.id = '${refused?.deliveryId}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`,
      () => runQueue(queueNames.deadLetters, [refused, { nonsense: true }, good, alsoGood]),
    );
    // The malformed one is acked (it will never parse), the refused one retried alone.
    expect(result.explicitAcks).toEqual([result.ids[1], result.ids[2], result.ids[3]]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([result.ids[0]]);
    const statuses = await statusesOf(messages);
    expect([statuses[good?.deliveryId ?? ""], statuses[alsoGood?.deliveryId ?? ""]]).toEqual(["dead", "dead"]);
    expect(statuses[refused?.deliveryId ?? ""]).toBe("pending");
    const [event] = await db()
      .select()
      .from(events)
      .where(eq(events.id, good?.eventId ?? ""));
    expect(event?.status).toBe("dead");
    const sent = (await alerts.requests()).slice(alertsBefore).map((r) => r.body);
    expect(sent).toHaveLength(2);
    expect(sent.join("\n")).not.toContain(refused?.eventId);
  });

  it("acks a letter whose alert destination fails: the alert is best effort, D1 has the record", async () => {
    const [message] = await routedLeads(1);
    const letter = { ...(message as DeliveryMessage), reason: "Out of attempts (3/3): HTTP 503" };
    await alerts.fault({ status: 500, count: 1 });
    try {
      const result = await runQueue(queueNames.deadLetters, [letter]);
      expect(result.explicitAcks).toHaveLength(1);
      expect(result.retryMessages).toEqual([]);
    } finally {
      await alerts.clearFaults();
    }
    const [row] = await db().select().from(deliveries).where(eq(deliveries.id, letter.deliveryId));
    expect(row?.status).toBe("dead");
  });
});
