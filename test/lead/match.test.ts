import { describe, expect, it } from "vitest";
import { LeadIndex } from "../../src/lead/lead-index";
import { bestMatch, fillLead, type KnownLead, matchKeys, recordedLeadId } from "../../src/lead/match";
import type { Lead } from "../../src/lead/schema";

describe("matchKeys", () => {
  const lead = (fields: Partial<Lead>): Lead => ({ custom: {}, ...fields });

  it("uses email, phone and a company domain", () => {
    expect(matchKeys(lead({ email: "a@acme.io", phone: "+4930901820", domain: "acme.io" }))).toEqual({
      email: "a@acme.io",
      phone: "+4930901820",
      domain: "acme.io",
    });
  });

  it("never matches on a free-mail domain, even an explicit one", () => {
    expect(matchKeys(lead({ email: "a@gmail.com", domain: "gmail.com" }))).toEqual({ email: "a@gmail.com" });
    expect(matchKeys(lead({}))).toEqual({});
  });
});

const known = (id: string, fields: Partial<Omit<KnownLead, "id">>): KnownLead => ({
  email: null,
  phone: null,
  domain: null,
  ownerId: null,
  createdAt: 1,
  ...fields,
  id,
});

describe("the one ranking", () => {
  it("takes the most confident key the candidates share: email, then phone, then domain", () => {
    const candidates = [
      known("lead_domain", { domain: "acme.io", createdAt: 1 }),
      known("lead_phone", { phone: "+4930901820", createdAt: 2 }),
      known("lead_email", { email: "a@acme.io", createdAt: 3 }),
    ];
    expect(bestMatch(candidates, { email: "a@acme.io", phone: "+4930901820", domain: "acme.io" })).toMatchObject({ by: "email", lead: { id: "lead_email" } });
    expect(bestMatch(candidates, { email: "b@acme.io", phone: "+4930901820", domain: "acme.io" })).toMatchObject({ by: "phone", lead: { id: "lead_phone" } });
    expect(bestMatch(candidates, { email: "b@acme.io", domain: "acme.io" })).toMatchObject({ by: "domain", lead: { id: "lead_domain" } });
    expect(bestMatch(candidates, { email: "b@acme.io" })).toBeUndefined();
    expect(bestMatch(candidates, {})).toBeUndefined();
  });

  it("breaks ties on age, then on id, whatever order the candidates come in", () => {
    const older = known("lead_z", { domain: "acme.io", createdAt: 1 });
    const sameTimeSmallerId = known("lead_b", { domain: "acme.io", createdAt: 2 });
    const sameTimeLargerId = known("lead_c", { domain: "acme.io", createdAt: 2 });
    expect(bestMatch([sameTimeLargerId, sameTimeSmallerId, older], { domain: "acme.io" })?.lead.id).toBe("lead_z");
    expect(bestMatch([sameTimeLargerId, sameTimeSmallerId], { domain: "acme.io" })?.lead.id).toBe("lead_b");
    expect(bestMatch([sameTimeSmallerId, sameTimeLargerId], { domain: "acme.io" })?.lead.id).toBe("lead_b");
  });

  it("LeadIndex answers as the ranking does over the same leads", () => {
    const rows = [known("lead_c", { domain: "acme.io", createdAt: 2 }), known("lead_b", { domain: "acme.io", phone: "+4930901820", createdAt: 2 })];
    const index = new LeadIndex(rows);
    for (const keys of [{ domain: "acme.io" }, { phone: "+4930901820", domain: "acme.io" }, { email: "x@acme.io" }]) {
      expect(index.find(keys)).toEqual(bestMatch(rows, keys));
    }
  });

  it("LeadIndex replaces a lead the batch filled in, so its new owner is matched", () => {
    const index = new LeadIndex([known("lead_a", { email: "a@acme.io" })]);
    const matched = index.find({ email: "a@acme.io" });
    if (!matched) throw new Error("no match");
    index.add(fillLead(matched.lead, { phone: "+4930901820", domain: null, ownerId: "7" }));
    expect(index.find({ phone: "+4930901820" })).toMatchObject({ by: "phone", lead: { id: "lead_a", ownerId: "7" } });
    expect(index.find({ email: "a@acme.io" })?.lead.ownerId).toBe("7");
  });
});

describe("recording a lead", () => {
  it("fills only what the lead lacks", () => {
    const lead = known("lead_a", { email: "a@acme.io", ownerId: "1" });
    expect(fillLead(lead, { phone: "+4930901820", domain: "acme.io", ownerId: "2" })).toMatchObject({ phone: "+4930901820", domain: "acme.io", ownerId: "1" });
  });

  it("keeps the matched person's id, and starts a new lead for a domain match", () => {
    const lead = known("lead_a", { email: "a@acme.io", domain: "acme.io" });
    expect(recordedLeadId({ by: "email", lead }, 5)).toBe("lead_a");
    expect(recordedLeadId({ by: "phone", lead }, 5)).toBe("lead_a");
    expect(recordedLeadId({ by: "domain", lead }, 5)).toMatch(/^lead_/);
    expect(recordedLeadId({ by: "domain", lead }, 5)).not.toBe("lead_a");
    expect(recordedLeadId(undefined, 5)).toMatch(/^lead_/);
  });
});
