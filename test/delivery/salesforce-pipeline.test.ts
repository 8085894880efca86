import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { attempts, deliveries } from "../../src/db/schema";
import { handleDeliveryBatch } from "../../src/delivery/consumer";
import { type DeliveryMessage, queueNames } from "../../src/queue/messages";
import { privateFake, salesforceAuth } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import type { SalesforceRecord } from "../fakes/salesforce";
import { configure, postSigned, routeQueued, standardSecret } from "../helpers";

let salesforce: FakeHandle;
const db = () => createDb(env.DB);

beforeAll(async () => {
  // Every access token the fake issues expires after three API calls.
  salesforce = await privateFake("salesforce", { tokenLifetimeCalls: 3 });
  await configure({
    sources: [
      {
        id: "forms",
        provider: "standard-webhooks",
        secrets: [standardSecret],
        mapping: { email: "email", lastName: "last_name", company: "company", country: "country" },
      },
    ],
    destinations: [
      {
        id: "salesforce",
        type: "salesforce",
        externalIdField: "Email__c",
        maxAttempts: 3,
        auth: salesforceAuth(salesforce),
      },
    ],
    routes: [{ id: "all", when: { always: true }, actions: [{ upsert: { destination: "salesforce" } }] }],
  });
});

/** Runs one batch through the deliveries consumer, as the platform would. */
async function consume(messages: DeliveryMessage[]) {
  const batch = createMessageBatch(
    queueNames.deliveries,
    messages.map((body, i) => ({ id: `d${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await handleDeliveryBatch(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("Salesforce through the deliveries consumer", () => {
  it("loses nothing while tokens expire every few calls, and sends the country as CountryCode", async () => {
    const countries = ["US", "DE", "GB", "FR", "CA", "AU"];
    const total = 24;
    for (let i = 0; i < total; i++) {
      await postSigned("forms", { email: `lead${i}@acme.example`, last_name: `Doe ${i}`, company: "Acme", country: countries[i % countries.length] });
    }
    const { messages } = await routeQueued("forms");
    expect(messages).toHaveLength(total);

    // Six batches of four, as the queue might hand them over: each is one upsert call.
    for (let i = 0; i < total; i += 4) {
      const result = await consume(messages.slice(i, i + 4));
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks).toHaveLength(4);
    }

    const rows = await db().select().from(deliveries).where(eq(deliveries.destinationId, "salesforce"));
    expect(rows).toHaveLength(total);
    expect(rows.every((r) => r.status === "succeeded" && r.externalId?.startsWith("00Q"))).toBe(true);
    const tries = await db().select().from(attempts).where(eq(attempts.destinationId, "salesforce"));
    expect(tries.map((a) => a.outcome)).toEqual(Array(total).fill("succeeded"));

    const records = await salesforce.records<SalesforceRecord[]>();
    expect(records).toHaveLength(total);
    for (const record of records) {
      const i = Number(record.externalId.match(/lead(\d+)@/)?.[1]);
      expect(record.fields).toMatchObject({ CountryCode: countries[i % countries.length], LastName: `Doe ${i}` });
      expect(record.fields.Country).toBeUndefined();
    }

    // Tokens did expire on the way (401 INVALID_SESSION_ID), and each expiry cost one refresh.
    const requests = await salesforce.requests();
    const tokenRequests = requests.filter((r) => r.path === "/services/oauth2/token").length;
    const refused = requests.filter((r) => r.path.startsWith("/services/data/")).length - 7; // 1 describe + 6 upserts
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(tokenRequests).toBe(refused + 1);
  });
});
