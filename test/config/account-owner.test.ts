import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema";
import { checkConfig, zodProblems } from "../../src/config/validate";

const base = {
  sources: [{ id: "forms", provider: "none" }],
  pools: [{ id: "inbound", members: [{ ownerId: "301" }] }],
  destinations: [
    { id: "hubspot", type: "hubspot", token: "pat-na1-x" },
    { id: "hook", type: "http", url: "https://hooks.example.com/in", secret: "s3cret-s3cret-s3cret" },
  ],
};

function problemsOf(accountOwner: Record<string, unknown>) {
  const parsed = configSchema.safeParse({ ...base, routes: [{ id: "all", when: { always: true }, actions: [{ assign: { accountOwner } }] }] });
  return parsed.success ? checkConfig(parsed.data) : zodProblems(parsed.error);
}

describe("assign: accountOwner in a configuration", () => {
  it("takes a hubspot destination and an existing fallback pool, with defaults", () => {
    const parsed = configSchema.parse({
      ...base,
      routes: [{ id: "all", when: { always: true }, actions: [{ assign: { accountOwner: { destination: "hubspot", fallbackPool: "inbound" } } }] }],
    });
    expect(checkConfig(parsed)).toEqual([]);
    expect(parsed.routes[0]?.actions[0]).toEqual({
      assign: { accountOwner: { destination: "hubspot", fallbackPool: "inbound", requireAvailable: true, cacheSeconds: 3600, timeoutMs: 2000 } },
    });
  });

  it("refuses an unknown or non-CRM destination and an unknown pool", () => {
    expect(problemsOf({ destination: "ghost", fallbackPool: "nowhere" })).toEqual([
      { pointer: "/routes/0/actions/0/assign/accountOwner/destination", message: "no destination has the id 'ghost'" },
      { pointer: "/routes/0/actions/0/assign/accountOwner/fallbackPool", message: "no pool has the id 'nowhere'" },
    ]);
    expect(problemsOf({ destination: "hook", fallbackPool: "inbound" })).toEqual([
      {
        pointer: "/routes/0/actions/0/assign/accountOwner/destination",
        message: "account owners are looked up in a hubspot or salesforce destination, not http",
      },
    ]);
  });

  it("refuses a missing fallback pool and unknown fields", () => {
    expect(problemsOf({ destination: "hubspot" }).map((p) => p.pointer)).toContain("/routes/0/actions/0/assign/accountOwner/fallbackPool");
    expect(problemsOf({ destination: "hubspot", fallbackPool: "inbound", pool: "inbound" }).length).toBeGreaterThan(0);
  });
});
