import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { findLeadsForKeys, findMatchingLead } from "../../src/db/leads";
import { leads } from "../../src/db/schema";
import { LeadIndex } from "../../src/lead/lead-index";
import type { MatchKeys } from "../../src/lead/match";

const db = createDb(env.DB);
const lead = (id: string, fields: { email?: string; phone?: string; domain?: string; ownerId: string }, createdAt: number) => ({
  id,
  email: fields.email ?? null,
  phone: fields.phone ?? null,
  domain: fields.domain ?? null,
  ownerId: fields.ownerId,
  firstEventId: "evt_x",
  lastEventId: "evt_x",
  createdAt,
  updatedAt: createdAt,
});

beforeAll(async () => {
  await db
    .insert(leads)
    .values([
      lead("lead_a", { email: "ada@acme.dev", domain: "acme.dev", ownerId: "1" }, 1),
      lead("lead_b", { email: "bob@other.dev", phone: "+14155550100", ownerId: "2" }, 2),
      lead("lead_c", { domain: "acme.dev", ownerId: "3" }, 3),
    ]);
});

describe("matching an earlier lead", () => {
  it("prefers email over phone over domain, whichever rows the keys also hit", async () => {
    const byEmail = await findMatchingLead(db, { email: "ada@acme.dev", phone: "+14155550100", domain: "acme.dev" });
    expect(byEmail).toMatchObject({ by: "email", lead: { id: "lead_a" } });
    const byPhone = await findMatchingLead(db, { email: "new@acme.dev", phone: "+14155550100", domain: "acme.dev" });
    expect(byPhone).toMatchObject({ by: "phone", lead: { id: "lead_b" } });
  });

  it("takes the earliest lead of a domain, and nothing when no key matches", async () => {
    expect(await findMatchingLead(db, { email: "new@acme.dev", domain: "acme.dev" })).toMatchObject({
      by: "domain",
      lead: { id: "lead_a", ownerId: "1" },
    });
    expect(await findMatchingLead(db, { email: "nobody@nowhere.dev", domain: "nowhere.dev" })).toBeUndefined();
    expect(await findMatchingLead(db, {})).toBeUndefined();
  });
});

describe("matching a whole batch at once", () => {
  const cases: MatchKeys[] = [
    { email: "ada@acme.dev", phone: "+14155550100", domain: "acme.dev" },
    { email: "new@acme.dev", phone: "+14155550100", domain: "acme.dev" },
    { email: "new@acme.dev", domain: "acme.dev" },
    { email: "nobody@nowhere.dev", domain: "nowhere.dev" },
    { phone: "+14155550100" },
    {},
  ];

  it("one query, then the same answers as matching each event on its own", async () => {
    const index = new LeadIndex(await findLeadsForKeys(db, cases));
    for (const keys of cases) {
      const alone = await findMatchingLead(db, keys);
      const batched = index.find(keys);
      expect(batched && { by: batched.by, id: batched.lead.id }).toEqual(alone && { by: alone.by, id: alone.lead.id });
    }
  });

  it("fetches one row per domain (the oldest), not every lead of the account", async () => {
    const rows = await findLeadsForKeys(db, [{ domain: "acme.dev" }]);
    expect(rows.map((r) => r.id)).toEqual(["lead_a"]);
    expect(await findLeadsForKeys(db, [])).toEqual([]);
  });

  it("matches a lead the batch itself added, by any of its keys", () => {
    const index = new LeadIndex();
    index.add({ ...lead("lead_new", { email: "eve@corp.dev", phone: "+14155550199", domain: "corp.dev", ownerId: "9" }, 10) });
    expect(index.find({ email: "eve@corp.dev" })).toMatchObject({ by: "email", lead: { id: "lead_new" } });
    expect(index.find({ email: "x@corp.dev", phone: "+14155550199" })).toMatchObject({ by: "phone" });
    expect(index.find({ email: "x@corp.dev", domain: "corp.dev" })).toMatchObject({ by: "domain", lead: { ownerId: "9" } });
  });
});

describe("one tie rule", () => {
  it("takes the smaller id among leads of a domain created in the same millisecond, in SQL and in memory", async () => {
    await db.insert(leads).values([lead("lead_tie_y", { domain: "tie.dev", ownerId: "y" }, 50), lead("lead_tie_x", { domain: "tie.dev", ownerId: "x" }, 50)]);
    const keys = { email: "someone@tie.dev", domain: "tie.dev" };
    expect(await findMatchingLead(db, keys)).toMatchObject({ by: "domain", lead: { id: "lead_tie_x" } });
    expect((await findLeadsForKeys(db, [keys])).map((r) => r.id)).toEqual(["lead_tie_x"]);
    const index = new LeadIndex([lead("lead_tie_y", { domain: "tie.dev", ownerId: "y" }, 50), lead("lead_tie_x", { domain: "tie.dev", ownerId: "x" }, 50)]);
    expect(index.find(keys)?.lead.id).toBe("lead_tie_x");
  });
});
