import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { findMatchingLead } from "../../src/db/leads";
import { leads } from "../../src/db/schema";

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
  await db.insert(leads).values([
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
