import { describe, expect, it } from "vitest";
import { accountOwnerSchema } from "../../src/config/schema";
import type { AccountLookup } from "../../src/enrich/types";
import { accountOwnerFor } from "../../src/routing/account-owner";

const lead = { email: "ann@acme.example", domain: "acme.example", custom: {} };
const matched: AccountLookup = { outcome: "matched", by: "domain", key: "acme.example", cached: true, record: { id: "5001", ownerId: "201" } };
const deps = (lookup: AccountLookup) => ({
  accountOwner: async () => lookup,
  ownerUnavailable: (id: string) => (id === "201" ? "away until 2099-01-01T00:00Z" : undefined),
});

describe("accountOwnerFor", () => {
  it("passes over an unavailable owner unless requireAvailable is false", async () => {
    const strict = accountOwnerSchema.parse({ destination: "hubspot", fallbackPool: "inbound" });
    const held = await accountOwnerFor(strict, "all", lead, deps(matched));
    expect(held.ownerId).toBeUndefined();
    expect(held.trace).toMatchObject({ ownerUnavailable: "away until 2099-01-01T00:00Z", assigned: "fallback_pool" });
    expect(held.explain).toBe(
      "account owner: hubspot record 5001 matched by domain acme.example from the cache; its owner 201 is away until 2099-01-01T00:00Z; else pool inbound",
    );

    const lenient = accountOwnerSchema.parse({ destination: "hubspot", fallbackPool: "inbound", requireAvailable: false });
    const given = await accountOwnerFor(lenient, "all", lead, deps(matched));
    expect(given.ownerId).toBe("201");
    expect(given.trace.assigned).toBe("owner");
  });

  it("falls back when the lookup throws or is not available", async () => {
    const option = accountOwnerSchema.parse({ destination: "hubspot", fallbackPool: "inbound" });
    const thrown = await accountOwnerFor(option, "all", lead, { accountOwner: async () => Promise.reject(new Error("boom")) });
    expect(thrown.trace).toMatchObject({ outcome: "failed", error: "boom", assigned: "fallback_pool" });
    const none = await accountOwnerFor(option, "all", lead, {});
    expect(none.trace).toMatchObject({ outcome: "skipped", assigned: "fallback_pool" });
  });
});
