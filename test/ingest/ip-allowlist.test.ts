import { beforeAll, describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { ipAllowed } from "../../src/lib/ip-ranges";
import { configureSources, post, problemOf, standardSecret, standardWebhookHeaders } from "../helpers";

describe("IP allowlist matching", () => {
  const list = ["192.0.2.0/24", "198.51.100.7", "2001:db8::/32", "::ffff:203.0.113.0/120"];

  it("matches IPv4 ranges and single addresses", () => {
    expect(ipAllowed("192.0.2.200", list)).toBe(true);
    expect(ipAllowed("192.0.3.1", list)).toBe(false);
    expect(ipAllowed("198.51.100.7", list)).toBe(true);
    expect(ipAllowed("198.51.100.8", list)).toBe(false);
  });

  it("matches IPv6 ranges, and IPv4-mapped addresses as IPv4", () => {
    expect(ipAllowed("2001:db8:1234::1", list)).toBe(true);
    expect(ipAllowed("2001:db9::1", list)).toBe(false);
    expect(ipAllowed("::ffff:192.0.2.9", list)).toBe(true);
    expect(ipAllowed("203.0.113.77", list)).toBe(true);
  });

  it("refuses what is not an address", () => {
    expect(ipAllowed("not-an-ip", list)).toBe(false);
    expect(ipAllowed("", list)).toBe(false);
  });

  it("refuses a configuration entry that is not an address or range", () => {
    expect(() => sourceSchema.parse({ id: "s", provider: "none", allowIps: ["10.0.0.0/33"] })).toThrow(/not an IP address or CIDR range/);
    expect(() => sourceSchema.parse({ id: "s", provider: "none", allowIps: ["example.com"] })).toThrow();
  });
});

describe("a source with an allowlist", () => {
  beforeAll(async () => {
    await configureSources({ id: "locked", provider: "standard-webhooks", secrets: [standardSecret], allowIps: ["192.0.2.0/24"] });
  });

  it("accepts from a listed address and refuses others with 403 before verifying", async () => {
    const body = JSON.stringify({ email: "ada@example.com" });
    const headers = await standardWebhookHeaders(body);
    const allowed = await post("/in/locked", body, { ...headers, "cf-connecting-ip": "192.0.2.10" });
    expect(allowed.status).toBe(202);
    const refused = await post("/in/locked", body, { ...headers, "cf-connecting-ip": "203.0.113.5" });
    expect(await problemOf(refused)).toMatchObject({ status: 403, code: "ip_not_allowed" });
    // Unsigned, from elsewhere: the address check answers first.
    const unsigned = await post("/in/locked", body, { "content-type": "application/json" });
    expect(unsigned.status).toBe(403);
  });
});
