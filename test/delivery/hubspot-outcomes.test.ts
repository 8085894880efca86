import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfigInput } from "../../src/config/schema";
import { createDb } from "../../src/db/client";
import { getDeliveries } from "../../src/db/deliveries";
import { attempts } from "../../src/db/schema";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { admin, json } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import { consoleFetch, page, signIn } from "../console/helpers";
import type { FakeHandle } from "../fakes/client";
import type { HubspotContact } from "../fakes/hubspot";
import { configure, eventsOf, liftHold, postSigned, recordSends, routeQueued, runQueue, standardSecret } from "../helpers";

/**
 * What HubSpot's refusals come to through the deliveries consumer, against the
 * strict fake: per-lead outcomes, owner fallback, dead letters, holds.
 */

let hubspot: FakeHandle;
let alerts: FakeHandle;

const db = () => createDb(env.DB);

const mapping = { email: "form.email", firstName: "form.first_name", score: "$number(form.score)" };
const lead = (email: string) => ({ form: { email, first_name: "Ada", score: 90 } });

interface Setup {
  source: string;
  destination?: Record<string, unknown>;
  fallbackOwnerId?: string;
  properties?: Record<string, string>;
}

/** One source routed through a pool of 101, 102 and 999 (HubSpot knows 101 and 102) into HubSpot. */
function scenario({ source, destination = {}, fallbackOwnerId, properties }: Setup): GatewayConfigInput {
  return {
    sources: [{ id: source, provider: "standard-webhooks", secrets: [standardSecret], mapping }],
    pools: [
      {
        id: "sales",
        strategy: "round_robin",
        members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "999" }],
        ...(fallbackOwnerId ? { fallbackOwnerId } : {}),
      },
    ],
    destinations: [
      { id: "crm", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 3, ...destination },
      { id: "ops-alerts", type: "slack", url: alerts.url },
    ],
    routes: [
      {
        id: "all",
        when: { always: true },
        actions: [{ assign: { pool: "sales" } }, { upsert: { destination: "crm", ...(properties ? { properties } : {}) } }],
      },
    ],
    settings: { alertDestination: "ops-alerts" },
  };
}

/** Posts `n` leads to `source`, routes them and returns their delivery messages. */
async function leads(source: string, n: number, prefix = source): Promise<DeliveryMessage[]> {
  for (let i = 0; i < n; i++) expect((await postSigned(source, lead(`${prefix}-${i}@${prefix}${i}.example`))).status).toBe(202);
  const { messages } = await routeQueued(source);
  expect(messages).toHaveLength(n);
  return messages;
}

function deliver(messages: DeliveryMessage[], attempt = 1) {
  return runQueue(queueNames.deliveries, messages, attempt);
}

async function contactsOf(prefix: string): Promise<HubspotContact[]> {
  return (await hubspot.records<HubspotContact[]>()).filter((c) => c.properties.email?.startsWith(prefix));
}

beforeAll(async () => {
  hubspot = await privateFake("hubspot", { owners: ["101", "102"] });
  alerts = await privateFake("slack");
});

describe("owners 101, 102 and 999 where HubSpot knows 101 and 102: 60 leads", () => {
  it.each([
    ["without a fallback owner", "nofallback", undefined],
    ["with the pool's fallback owner 101", "fallback", "101"],
  ])(
    "%s: lands all 60, the 20 of owner 999 with the fallback or no owner, marked and alerted",
    async (_name, source, fallbackOwnerId) => {
      await configure(scenario({ source, ...(fallbackOwnerId ? { fallbackOwnerId } : {}) }));
      const messages = await leads(source, 60);
      const alertsBefore = (await alerts.records<unknown[]>()).length;
      const callsBefore = (await hubspot.requests()).length;

      const result = await deliver(messages);
      expect(result.explicitAcks).toHaveLength(60);
      expect(result.retryMessages).toEqual([]);

      const contacts = await contactsOf(source);
      expect(contacts).toHaveLength(60);
      const owners = contacts.map((c) => c.properties.hubspot_owner_id ?? "none");
      const count = (owner: string) => owners.filter((o) => o === owner).length;
      if (fallbackOwnerId) expect([count("101"), count("102"), count("none")]).toEqual([40, 20, 0]);
      else expect([count("101"), count("102"), count("none")]).toEqual([20, 20, 20]);

      // Every delivery succeeded; those of owner 999 say what happened, on the attempt and the delivery.
      const rows = await getDeliveries(
        db(),
        messages.map((m) => m.deliveryId),
      );
      expect(rows.every((r) => r.status === "succeeded")).toBe(true);
      const noted = rows.filter((r) => r.lastError !== null);
      expect(noted).toHaveLength(20);
      const instead = fallbackOwnerId ? "written with the pool's fallback owner 101" : "written without an owner";
      for (const row of noted) expect(row.lastError).toMatch(new RegExp(`^Owner 999 refused \\(.*hubspot_owner_id.*\\); ${instead}\\.$`));
      const [attempt] = await db()
        .select()
        .from(attempts)
        .where(eq(attempts.deliveryId, noted[0]?.id ?? ""));
      expect(attempt).toMatchObject({ outcome: "succeeded", error: noted[0]?.lastError });

      // The event's trace in the admin API tells it too.
      const detail = await json<{ trace: { deliveryNotes?: { deliveryId: string; note: string }[] } }>(await admin("GET", `/v1/events/${noted[0]?.eventId}`));
      expect(detail.trace.deliveryNotes).toEqual([expect.objectContaining({ deliveryId: noted[0]?.id, destinationId: "crm", note: noted[0]?.lastError })]);
      // And the console's event page, under Owner.
      const { session } = await signIn();
      const html = await page(await consoleFetch("GET", `/events/${noted[0]?.eventId}`, { session }));
      expect(html).toContain(`At crm (${noted[0]?.id}): Owner 999 refused`);

      // One alert naming the owner, none of them dead letters.
      const sent = (await alerts.records<{ text: string }[]>()).slice(alertsBefore);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.text).toContain("crm refused owner 999");
      expect(sent[0]?.text).toContain("20 leads assigned to owner 999");
      const dead = await json<{ items: unknown[] }>(await admin("GET", `/v1/dead-letters?source=${source}`));
      expect(dead.items).toEqual([]);

      // The refused batch, the 40 HubSpot's message does not name, then the 20 it names
      // with the fallback owner (or none), together.
      expect((await hubspot.requests()).length - callsBefore).toBe(3);
    },
    60_000,
  );
});

describe("nothing fails silently", () => {
  it("makes a lead HubSpot refuses for good a dead letter with HubSpot's message: listed, alerted, counted, replayable", async () => {
    const source = "refused";
    await configure(scenario({ source, properties: { lifecyclestage: "hot-prospect" } }));
    const messages = await leads(source, 3);
    const dead = recordSends<DeliveryMessage & { reason: string; refused?: boolean }>(env.DEAD_LETTER_QUEUE);
    const result = await deliver(messages);
    dead.restore();
    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toEqual([]);
    expect(await contactsOf(source)).toEqual([]);

    // In the dead-letter list, with HubSpot's own words.
    const listed = await json<{ items: { deliveryId: string; status: string; reason: string; kind: string }[] }>(
      await admin("GET", `/v1/dead-letters?source=${source}`),
    );
    expect(listed.items).toHaveLength(3);
    for (const item of listed.items) {
      expect(item).toMatchObject({ kind: "delivery", status: "failed" });
      expect(item.reason).toMatch(
        /^Refused by crm: HTTP 400 VALIDATION_ERROR: Property values were not valid: .*hot-prospect was not one of the allowed options/,
      );
    }

    // Through the dead-letter queue: the alert says it was refused; the stats count it.
    expect(dead.bodies).toHaveLength(3);
    expect(dead.bodies.every((b) => b.refused === true)).toBe(true);
    const alertsBefore = (await alerts.records<unknown[]>()).length;
    await runQueue(queueNames.deadLetters, dead.bodies);
    const sent = (await alerts.records<{ text: string }[]>()).slice(alertsBefore);
    expect(sent).toHaveLength(3);
    expect(sent[0]?.text).toContain("Delivery to crm was refused");
    const stats = await json<{ deadLetters: { deliveries: number } }>(await admin("GET", "/v1/stats"));
    expect(stats.deadLetters.deliveries).toBeGreaterThanOrEqual(3);
    const events = await eventsOf(source);
    expect(events.every((e) => e.status === "dead")).toBe(true);

    // Fixed (the route no longer sends the bad option): a replay lands.
    await configure(scenario({ source }));
    const eventId = listed.items[0] ? messages.find((m) => m.deliveryId === listed.items[0]?.deliveryId)?.eventId : undefined;
    await json(await admin("POST", `/v1/events/${eventId}/replay`), 202);
    const { messages: again } = await routeQueued(source);
    expect(again).toHaveLength(1);
    expect((await deliver(again)).explicitAcks).toHaveLength(1);
    expect(await contactsOf(source)).toHaveLength(1);
  }, 60_000);

  it("makes a delivery out of attempts a dead letter too", async () => {
    const source = "outage";
    await configure(scenario({ source }));
    const messages = await leads(source, 1);
    await hubspot.fault({ status: 503, count: 3 });
    for (let attempt = 1; attempt <= 3; attempt++) await deliver(messages, attempt);
    const listed = await json<{ items: { status: string; reason: string }[] }>(await admin("GET", `/v1/dead-letters?source=${source}`));
    expect(listed.items).toEqual([expect.objectContaining({ status: "dead", reason: expect.stringContaining("Out of attempts (3/3)") })]);
  }, 60_000);
});

describe("HubSpot's rate limits", () => {
  it("waits out a TEN_SECONDLY_ROLLING 429 without counting an attempt, then delivers", async () => {
    const source = "burst";
    const config = scenario({ source });
    config.destinations = [
      { id: "crm-burst", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url, maxAttempts: 3 },
      { id: "ops-alerts", type: "slack", url: alerts.url },
    ];
    config.routes = [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: "crm-burst" } }] }];
    await configure(config);
    const messages = await leads(source, 2);
    await hubspot.fault({ status: 429, count: 1 });

    const first = await deliver(messages);
    expect(first.retryMessages).toHaveLength(2);
    const rows = () =>
      getDeliveries(
        db(),
        messages.map((m) => m.deliveryId),
      );
    expect((await rows()).map((r) => [r.status, r.attempts, r.leaseUntil])).toEqual([
      ["pending", 0, null],
      ["pending", 0, null],
    ]);
    const held = await liftHold("crm-burst");
    expect(held - Date.now()).toBeGreaterThan(8_000);
    expect(held - Date.now()).toBeLessThanOrEqual(10_000);

    const second = await deliver(messages, 2);
    expect(second.explicitAcks).toHaveLength(2);
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 1],
    ]);
  }, 60_000);

  it("holds the destination on a DAILY 429 until the reset, alerts once, and calls HubSpot no more meanwhile", async () => {
    const resetsAt = new Date(Date.now() + 7 * 3_600_000).toISOString();
    const daily = await privateFake("hubspot", { dailyLimit: 1, dailyResetsAt: resetsAt });
    const source = "daily";
    const config = scenario({ source });
    config.destinations = [
      { id: "crm-daily", type: "hubspot", token: daily.credentials.token ?? "", baseUrl: daily.url },
      { id: "ops-alerts", type: "slack", url: alerts.url },
    ];
    config.routes = [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: "crm-daily" } }] }];
    await configure(config);
    const alertsBefore = (await alerts.records<unknown[]>()).length;

    expect((await deliver(await leads(source, 1, "first"))).explicitAcks).toHaveLength(1);
    const messages = await leads(source, 2, "second");
    const first = await deliver(messages);
    expect(first.retryMessages).toHaveLength(2);
    const again = await deliver(messages, 2);
    expect(again.retryMessages).toHaveLength(2);

    // The first lead, the refused call, then when the limit resets; nothing more while held.
    expect((await daily.requests()).map((r) => r.method)).toEqual(["POST", "POST", "GET"]);
    const sent = (await alerts.records<{ text: string }[]>()).slice(alertsBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("crm-daily reached its daily API limit");
    const rows = await getDeliveries(
      db(),
      messages.map((m) => m.deliveryId),
    );
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["pending", 0],
      ["pending", 0],
    ]);
    // Due when the hold ends, so the sweeper does not take them for lost meanwhile.
    for (const row of rows) expect(row.nextAttemptAt).toBeGreaterThan(Date.parse(resetsAt) - 60_000);
    expect(await liftHold("crm-daily")).toBe(Date.parse(resetsAt));
  }, 60_000);
});
