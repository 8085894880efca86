import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { likeLiteral } from "../../src/enrich/salesforce-account";
import { privateFake, salesforceAuth } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import type { SalesforceRecord } from "../fakes/salesforce";
import { configure, sendThrough, standardSecret } from "../helpers";

/**
 * `assign: { accountOwner }` with a Salesforce destination: the routing consumer
 * queries Account by Website, then by Name (SOQL against the contract fake), and
 * the Lead is upserted with the account's OwnerId, else the fallback pool's owner.
 * The destination authenticates with a connected app (refresh-token flow).
 */

let salesforce: FakeHandle;
const source = "sf-account-forms";
const ada = "005000000000000AAA";
const pooled = ["005000000000001AAA", "005000000000002AAA"];

beforeAll(async () => {
  salesforce = await privateFake("salesforce");
  await configure({
    sources: [{ id: source, provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", company: "company", lastName: "last" } }],
    owners: [{ id: ada, name: "Ada", timeZone: "Europe/Berlin" }],
    pools: [{ id: "inbound", members: pooled.map((ownerId) => ({ ownerId })) }],
    destinations: [
      // A connected app: the query gets its token from CRM_TOKENS, as the deliveries do.
      { id: "salesforce", type: "salesforce", auth: salesforceAuth(salesforce), externalIdField: "Email__c" },
    ],
    routes: [
      {
        id: "all",
        when: { always: true },
        actions: [{ assign: { accountOwner: { destination: "salesforce", fallbackPool: "inbound" } } }, { upsert: { destination: "salesforce" } }],
      },
    ],
  });
});

beforeEach(async () => {
  await salesforce.reset();
  await salesforce.control("POST", "accounts", [
    { Name: "O'Brien & Sons Ltd.", Website: "https://www.obrien.example/", OwnerId: ada },
    { Name: "Notobrien", Website: "notobrien.example", OwnerId: pooled[0] },
  ]);
});

const send = (...people: { email: string; company?: string; last?: string }[]) => sendThrough(source, people);
const leadOf = async (email: string) => (await salesforce.records<SalesforceRecord[]>()).find((r) => r.externalId === email);
const queries = async () => (await salesforce.requests()).filter((r) => r.path.includes("/query"));

describe("assign: accountOwner with Salesforce accounts", () => {
  it("matches the Account whose folded Website is the lead's domain, and upserts the Lead with its owner", async () => {
    const [lead] = await send({ email: "pat@eu.obrien.example", last: "Pat" });
    expect(lead?.trace.account).toMatchObject({
      outcome: "matched",
      by: "domain",
      key: "obrien.example",
      record: { name: "O'Brien & Sons Ltd.", domain: "obrien.example", ownerId: ada },
      assigned: "owner",
    });
    expect(lead?.row.ownerId).toBe(ada);
    expect((await leadOf("pat@eu.obrien.example"))?.fields.OwnerId).toBe(ada);
  });

  it("matches by normalized Name, asking for its longest word", async () => {
    const [lead] = await send({ email: "sam@obrien-mail.example", company: "O'Brien and Sons", last: "Sam" });
    expect(lead?.trace.account).toMatchObject({ outcome: "matched", by: "name", key: "o brien and sons", record: { ownerId: ada } });
    expect(lead?.row.ownerId).toBe(ada);
    const names = (await queries()).map((r) => r.query.q);
    expect(names).toContain("SELECT Id, Name, Website, OwnerId FROM Account WHERE Name LIKE '%brien%' ORDER BY CreatedDate ASC LIMIT 100");
  });

  it("refreshes an expired session and queries again", async () => {
    await send({ email: "warm@up.example", last: "Warm" });
    await salesforce.control("POST", "accounts", { Name: "Fresh Co", Website: "fresh.example", OwnerId: ada });
    await salesforce.control("POST", "expire-tokens", {});
    const [lead] = await send({ email: "lou@fresh.example", last: "Lou" });
    // Routing queries before the Lead is delivered: the query met the expired session.
    expect(lead?.trace.account).toMatchObject({
      outcome: "matched",
      by: "domain",
      key: "fresh.example",
      cached: false,
      record: { ownerId: ada },
      assigned: "owner",
    });
    expect(lead?.row.ownerId).toBe(ada);
  });

  it("sends a lead whose domain only contains an account's to the fallback pool", async () => {
    const [lead] = await send({ email: "kim@brien.example", last: "Kim" });
    expect(lead?.trace.account).toMatchObject({
      outcome: "no_match",
      tried: [{ by: "domain", key: "brien.example", found: "none" }],
      assigned: "fallback_pool",
    });
    expect(pooled).toContain(lead?.row.ownerId);
  });
});

describe("likeLiteral", () => {
  it("escapes SOQL's reserved characters and LIKE wildcards", () => {
    expect(likeLiteral("O'Brien 100%_a\\b")).toBe("O\\'Brien 100\\%\\_a\\\\b");
  });
});
