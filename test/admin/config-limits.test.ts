import { describe, expect, it } from "vitest";
import { configLimits } from "../../src/config/limits";
import { admin, designExample, json, problem } from "./helpers";

// Configurations over a limit get a problem naming the limit and where (422), or
// 413 for a document too large as a whole; never a 500, and nothing is stored.

type Route = ReturnType<typeof designExample>["routes"][number];

function nested(depth: number, leaf: string, wrap: (inner: string) => string): string {
  let text = leaf;
  for (let i = 0; i < depth; i++) text = wrap(text);
  return text;
}

function put(raw: string): Promise<Response> {
  return admin("PUT", "/v1/config", { raw, headers: { "content-type": "application/json" } });
}

async function activeVersion(): Promise<string | null> {
  return (await admin("GET", "/v1/config")).headers.get("etag");
}

async function refused(response: Response, status: number, code: string) {
  const body = await problem(response, status);
  expect(body.code).toBe(code);
  return body.problems ?? [];
}

const withRoutes = (routes: Route[]) => JSON.stringify({ ...designExample(), routes });
const rest = (): Route => designExample().routes[2] as Route;

describe("configuration limits", () => {
  it("refuses conditions nested 100,000 levels deep with the depth limit, not a 500", async () => {
    const before = await activeVersion();
    const when = nested(100_000, '{"always":true}', (inner) => `{"not":${inner}}`);
    const raw = withRoutes([rest()]).replace('"when":{"always":true}', `"when":${when}`);
    const problems = await refused(await put(raw), 422, "config_limit_exceeded");
    expect(problems).toEqual([
      { pointer: expect.stringMatching(/^\/routes\/0\/when(\/not)+$/), limit: "depth", message: `nested deeper than ${configLimits.depth} levels` },
    ]);
    expect(await activeVersion()).toBe(before);
  });

  it("refuses a value nested 100,000 levels deep (it would overflow the store's JSON)", async () => {
    const value = nested(100_000, "1", (inner) => `[${inner}]`);
    const raw = withRoutes([{ ...rest(), when: { field: "plan", op: "in", value: "__value__" } }]).replace('"__value__"', value);
    const problems = await refused(await put(raw), 422, "config_limit_exceeded");
    expect(problems).toMatchObject([{ pointer: expect.stringMatching(/^\/routes\/0\/when\/value(\/0)+$/), limit: "depth" }]);
  });

  it("refuses conditions deeper than the condition depth limit, with the route's pointer", async () => {
    let when: Route["when"] = { field: "score", op: "gt", value: 1 };
    for (let i = 0; i < configLimits.conditionDepth + 1; i++) when = { not: when };
    const problems = await refused(await put(withRoutes([{ ...rest(), when }])), 422, "config_limit_exceeded");
    expect(problems).toEqual([{ pointer: "/routes/0/when", limit: "conditionDepth", message: expect.stringMatching(/33 levels deep, over the limit of 32/) }]);
  });

  it("refuses too many conditions in a route, and in all routes together", async () => {
    const leaf = { field: "score", op: "gt" as const, value: 1 };
    const big = { ...rest(), when: { any: Array.from({ length: configLimits.conditionsPerRoute }, () => leaf) } };
    expect(await refused(await put(withRoutes([big])), 422, "config_limit_exceeded")).toEqual([
      { pointer: "/routes/0/when", limit: "conditionsPerRoute", message: "101 conditions, over the limit of 100 per route" },
    ]);
    const fits = { ...rest(), when: { any: Array.from({ length: configLimits.conditionsPerRoute - 1 }, () => leaf) } };
    const many = Array.from({ length: 51 }, (_, i) => ({ ...fits, id: `r${i}` }));
    expect(await refused(await put(withRoutes(many)), 422, "config_limit_exceeded")).toEqual([
      { pointer: "/routes", limit: "conditions", message: "5100 conditions in all routes, over the limit of 5000" },
    ]);
  });

  it("refuses 50,000 routes with the routes limit", async () => {
    const routes = Array.from({ length: 50_000 }, (_, i) => ({ ...rest(), id: `r${i}` }));
    const problems = await refused(await put(withRoutes(routes)), 422, "config_limit_exceeded");
    expect(problems).toEqual([
      { pointer: "/routes", limit: "routes", message: "50000 routes, over the limit of 500" },
      { pointer: "/routes", limit: "conditions", message: "50000 conditions in all routes, over the limit of 5000" },
    ]);
  });

  it("refuses too many mapping expressions, and one too long, with their pointers", async () => {
    const doc = designExample();
    const source = doc.sources[0];
    if (!source) throw new Error("the example has a source");
    const mapping = Object.fromEntries(Array.from({ length: configLimits.mappingEntries + 1 }, (_, i) => [`custom.f${i}`, `f${i}`]));
    mapping["custom.a/b"] = `'${"x".repeat(configLimits.expressionLength)}'`;
    const raw = JSON.stringify({ ...doc, sources: [{ ...source, mapping }] });
    expect(await refused(await put(raw), 422, "config_limit_exceeded")).toEqual([
      { pointer: "/sources/0/mapping", limit: "mappingEntries", message: "102 expressions, over the limit of 100" },
      { pointer: "/sources/0/mapping/custom.a~1b", limit: "expressionLength", message: "4002 characters, over the limit of 4000 for one expression" },
    ]);
  });

  it("answers 413 for a document over 2 MiB, and for a body over the admin limit before reading it", async () => {
    const padded = { ...rest(), when: { field: "plan", op: "eq" as const, value: "x".repeat(3 * 1024 * 1024) } };
    expect(await refused(await put(withRoutes([padded])), 413, "config_too_large")).toEqual([
      { pointer: "", limit: "documentBytes", message: expect.stringMatching(/over the limit of 2097152/) },
    ]);
    // Over KV's 25 MiB value limit: refused by size alone.
    const huge = { ...rest(), when: { field: "plan", op: "eq" as const, value: "x".repeat(26 * 1024 * 1024) } };
    expect((await problem(await put(withRoutes([huge])), 413)).code).toBe("payload_too_large");
  });

  it("applies the limits to per-entry writes, pointing into the body", async () => {
    expect(await json(await put(JSON.stringify(designExample())))).toMatchObject({ unchanged: false });
    const when = nested(200, '{"always":true}', (inner) => `{"not":${inner}}`);
    const raw = JSON.stringify({ ...rest(), id: "deep" }).replace('"when":{"always":true}', `"when":${when}`);
    const response = await admin("PUT", "/v1/routes/deep", { raw, headers: { "content-type": "application/json" } });
    const problems = await refused(response, 422, "config_limit_exceeded");
    expect(problems).toMatchObject([{ pointer: expect.stringMatching(/^\/when(\/not)+$/), limit: "depth" }]);
  });

  it("accepts a document at the limits", async () => {
    const leaf = { field: "score", op: "gt" as const, value: 1 };
    let when: Route["when"] = leaf;
    for (let i = 0; i < configLimits.conditionDepth; i++) when = { not: when };
    const routes = [
      { ...rest(), id: "deepest", when },
      { ...rest(), when: { any: Array.from({ length: configLimits.conditionsPerRoute - 1 }, () => leaf) } },
    ];
    expect(await json(await put(withRoutes(routes)))).toMatchObject({ unchanged: false });
  });
});

describe("patterns at write time", () => {
  it("stores (a|a)*$ and refuses what RE2 cannot run, with a pointer, in conditions and mappings", async () => {
    const hostile = { ...rest(), id: "hostile", when: { field: "company", op: "matches" as const, value: "(a|a)*$" } };
    expect(await json(await put(withRoutes([hostile, rest()])))).toMatchObject({ unchanged: false });

    const backreference = { ...rest(), when: { field: "company", op: "matches" as const, value: "(a)\\1" } };
    const doc = designExample();
    const source = doc.sources[0];
    if (!source) throw new Error("the example has a source");
    const raw = JSON.stringify({
      ...doc,
      sources: [{ ...source, mapping: { ...source.mapping, company: "$match(company, /a(?=b)/).match" } }],
      routes: [backreference],
    });
    const problems = await refused(await put(raw), 422, "validation_failed");
    expect(problems).toEqual([
      { pointer: "/sources/0/mapping/company", message: expect.stringMatching(/^regular expression \/a\(\?=b\)\/: not supported by the linear-time engine/) },
      { pointer: "/routes/0/when/value", message: expect.stringMatching(/backreferences/) },
    ]);
  });
});
