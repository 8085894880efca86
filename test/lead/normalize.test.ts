import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFreeMailDomain } from "../../src/lead/free-mail";
import { type MappedLead, normalizeCountry, normalizeDomain, normalizeEmail, normalizeLead, normalizePhone, parseEmployees } from "../../src/lead/normalize";

function normalized(mapped: Omit<MappedLead, "custom">, defaultRegion?: string) {
  const result = normalizeLead({ custom: {}, ...mapped }, { defaultRegion });
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("email", () => {
  it.each([
    ["  Jane.Doe@Acme.IO ", "jane.doe@acme.io"],
    ["MAILTO:sales@Example.com", "sales@example.com"],
    ["first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeEmail(input)).toEqual({ value: expected });
  });

  it.each(["jane", "jane@", "@acme.io", "jane doe@acme.io", "jane@acme", 42])("rejects %j", (input) => {
    expect(normalizeEmail(input)).toHaveProperty("problem");
  });

  it("treats blank and null as absent", () => {
    expect(normalizeEmail("   ")).toEqual({});
    expect(normalizeEmail(null)).toEqual({});
    expect(normalizeEmail(undefined)).toEqual({});
  });

  it("rejects the lead for an invalid email, naming the field", () => {
    const result = normalizeLead({ email: "not-an-email", company: "Acme", custom: {} });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("email"), problems: [{ field: "email", message: expect.any(String) }] });
  });

  it("rejects an object as email", () => {
    expect(normalizeLead({ email: { address: "a@b.co" }, custom: {} }).ok).toBe(false);
  });
});

describe("phone", () => {
  it.each([
    ["+1 (415) 555-0132", undefined, "+14155550132"],
    ["+44 20 7946 0958", "US", "+442079460958"],
    ["(415) 555-0132", "US", "+14155550132"],
    ["030 901820", "DE", "+4930901820"],
    ["020 7946 0958", "gb", "+442079460958"],
    ["tel:+33 1 42 68 53 00", undefined, "+33142685300"],
    [4930901820, "DE", "+4930901820"],
  ])("%j in %s → %s", (input, region, expected) => {
    expect(normalizePhone(input, region)).toBe(expected);
  });

  it.each([
    ["(415) 555-0132", undefined],
    ["12", "US"],
    ["call me maybe", "US"],
    ["+1 555", undefined],
    ["(415) 555-0132", "XX"],
  ])("%j in %s is not a phone number", (input, region) => {
    expect(normalizePhone(input, region)).toBeUndefined();
  });

  it("drops an invalid phone with a warning and keeps the lead", () => {
    const { lead, warnings } = normalized({ email: "a@acme.io", phone: "12345" }, "US");
    expect(lead.phone).toBeUndefined();
    expect(lead.email).toBe("a@acme.io");
    expect(warnings).toEqual([expect.stringMatching(/^phone: "12345" is not a valid phone number/)]);
  });

  it("says why a national number without a region is dropped", () => {
    const { warnings } = normalized({ phone: "(415) 555-0132" });
    expect(warnings[0]).toMatch(/no country code and the source has no defaultRegion/);
  });
});

describe("domain", () => {
  it.each([
    ["https://www.Acme.com/pricing?x=1#top", "acme.com"],
    ["acme.com", "acme.com"],
    ["WWW.acme.co.uk", "acme.co.uk"],
    ["http://user:pw@shop.acme.io:8080/", "shop.acme.io"],
    ["acme.com.", "acme.com"],
    ["www2.acme.com", "acme.com"],
    ["münchen.de", "xn--mnchen-3ya.de"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each(["", "localhost", "192.168.0.1", "not a domain", "http://", "[::1]", "javascript:alert(1)"])("%j is not a company domain", (input) => {
    expect(normalizeDomain(input)).toBeUndefined();
  });

  it("takes domain, then website, then a company email", () => {
    expect(normalized({ domain: "acme.com", website: "other.com", email: "a@third.com" }).lead.domain).toBe("acme.com");
    expect(normalized({ website: "https://www.other.com/x", email: "a@third.com" }).lead.domain).toBe("other.com");
    expect(normalized({ email: "a@Third.com" }).lead.domain).toBe("third.com");
  });

  it("does not take a free-mail domain from the email", () => {
    expect(normalized({ email: "jane@gmail.com" }).lead.domain).toBeUndefined();
    expect(normalized({ email: "jane@yahoo.co.uk" }).lead.domain).toBeUndefined();
    expect(normalized({ email: "jane@hotmail.fr" }).lead.domain).toBeUndefined();
    expect(normalized({ email: "jane@gmx.de" }).lead.domain).toBeUndefined();
  });

  it("falls back to the email when the website is not a domain, with a warning", () => {
    const { lead, warnings } = normalized({ website: "n/a please", email: "a@acme.io" });
    expect(lead.domain).toBe("acme.io");
    expect(warnings).toEqual([expect.stringMatching(/^domain: website "n\/a please" is not a domain/)]);
  });
});

describe("free mail", () => {
  it.each([
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.jp",
    "outlook.com",
    "outlook.de",
    "hotmail.co.uk",
    "icloud.com",
    "proton.me",
    "gmx.net",
    "gmx.at",
    "live.com",
  ])("%s is free mail", (domain) => {
    expect(isFreeMailDomain(domain)).toBe(true);
  });

  it.each(["acme.com", "live.acme.com", "yahoo-partners.com", "gmail.acme.io", "outlookhq.com", "mygmx.net"])("%s is not", (domain) => {
    expect(isFreeMailDomain(domain)).toBe(false);
  });
});

describe("country", () => {
  it.each([
    ["de", "DE"],
    [" US ", "US"],
    ["Germany", "DE"],
    ["united states of america", "US"],
    ["U.S.A.", "US"],
    ["UK", "GB"],
    ["Great Britain", "GB"],
    ["The Netherlands", "NL"],
    ["Österreich", "AT"],
    ["España", "ES"],
    ["Türkiye", "TR"],
    ["deu", "DE"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });

  it.each(["XX", "Narnia", "E", "EU", ""])("%j is not a country", (input) => {
    expect(normalizeCountry(input)).toBeUndefined();
  });

  it("drops an unknown country with a warning", () => {
    const { lead, warnings } = normalized({ country: "Atlantis" });
    expect(lead.country).toBeUndefined();
    expect(warnings).toEqual(['country: "Atlantis" is not a known country; dropped']);
  });
});

describe("numbers", () => {
  it.each([
    [250, 250],
    ["250", 250],
    [" 1,200 ", 1200],
    ["1 000 000", 1000000],
    ["1000+", 1000],
    ["51-200", 51],
    ["51 – 200", 51],
  ])("employees %j → %d", (input, expected) => {
    expect(parseEmployees(input)).toBe(expected);
  });

  it.each([-3, 12.5, "twelve", "12.5", "", true, [10]])("employees %j is not a head count", (input) => {
    expect(parseEmployees(input)).toBeUndefined();
  });

  it("coerces a numeric score and drops a non-numeric one", () => {
    expect(normalized({ score: " 91.5 " }).lead.score).toBe(91.5);
    expect(normalized({ score: -4 }).lead.score).toBe(-4);
    expect(normalized({ score: "1e2" }).lead.score).toBe(100);
    const bad = normalized({ score: "high" });
    expect(bad.lead.score).toBeUndefined();
    expect(bad.warnings).toEqual(['score: "high" is not a number; dropped']);
    expect(normalized({ score: "0x10" }).lead.score).toBeUndefined();
    expect(normalized({ score: true }).lead.score).toBeUndefined();
  });
});

describe("text fields", () => {
  it("trims, stringifies numbers, drops objects, truncates long text", () => {
    const { lead, warnings } = normalized({
      firstName: "  Jane ",
      lastName: 42,
      company: { name: "Acme" },
      industry: "x".repeat(250),
    });
    expect(lead.firstName).toBe("Jane");
    expect(lead.lastName).toBe("42");
    expect(lead.company).toBeUndefined();
    expect(lead.industry).toHaveLength(200);
    expect(warnings).toEqual(["company: expected text, got an object; dropped", "industry: longer than 200 characters; truncated"]);
  });

  it("keeps custom fields as mapped", () => {
    const custom = { plan: "pro", tags: ["a"], nested: { x: 1 } };
    const result = normalizeLead({ custom });
    expect(result.ok && result.lead.custom).toEqual(custom);
  });
});

describe("normalization properties", () => {
  it("never throws and yields a schema-valid lead or a reason", () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue());
    const mapped = fc.record(
      {
        email: fc.oneof(value, fc.emailAddress()),
        phone: fc.oneof(value, fc.stringMatching(/^\+?[0-9 ()-]{0,16}$/)),
        firstName: value,
        company: value,
        website: fc.oneof(value, fc.webUrl()),
        domain: fc.oneof(value, fc.domain()),
        country: value,
        employees: value,
        score: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(mapped, fc.constantFrom(undefined, "US", "DE", "XX"), (fields, region) => {
        const result = normalizeLead({ ...fields, custom: {} }, { defaultRegion: region });
        if (!result.ok) return typeof result.reason === "string" && result.problems.length > 0;
        return result.lead.custom !== undefined && result.warnings.every((w) => typeof w === "string");
      }),
    );
  });

  it("normalizing a domain twice changes nothing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.domain(), fc.string()), (input) => {
        const once = normalizeDomain(input);
        return once === undefined || normalizeDomain(once) === once;
      }),
    );
  });
});
