import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configLimits } from "../../src/config/limits";
import { clearConfigCache } from "../../src/config/store";
import { admin } from "../admin/helpers";
import { eventsOf, post, routeQueued } from "../helpers";

// Random patterns, mappings, leads and configuration shapes through write →
// simulate → route: never a 5xx, every run ends (a backtracking blow-up or an
// unbounded mapping would time the test out), and an ordinary lead routed in the
// same batch as a random one ends as it would alone.

const hostile = ["(a|a)*$", "(a|aa)*$", "^(a|a?)+$", "(.*a){12}$", "(\\w|\\d)*!$", "(a+)+$", "(x+x+)+y", "^(\\w+\\s?)*$"];

const atom = fc.constantFrom(
  "a",
  "b",
  "!",
  ".",
  "\\w",
  "\\d",
  "\\s",
  "[ab]",
  "[^a]",
  "\\b",
  "^",
  "$",
  "\\1",
  "(?=a)",
  "(?!b)",
  "(?<=a)",
  "(?<!a)",
  "\\k<n>",
  "(?<n>a)",
  "\\u0061",
  "(",
  ")",
  "[",
  "\\",
  "/",
);
const { regex } = fc.letrec<{ regex: string }>((tie) => ({
  regex: fc.oneof(
    { depthSize: "small" },
    atom,
    fc.tuple(tie("regex"), tie("regex")).map(([a, b]) => `${a}${b}`),
    fc.tuple(tie("regex"), tie("regex")).map(([a, b]) => `${a}|${b}`),
    fc.tuple(tie("regex"), fc.constantFrom("*", "+", "?", "{2,}", "{0,12}", "*?", "{12}")).map(([r, q]) => `(${r})${q}`),
  ),
}));
const pattern = fc.oneof(fc.constantFrom(...hostile), regex, fc.string({ maxLength: 16 }));
const matchesValue = fc.oneof(
  pattern,
  fc.tuple(pattern, fc.constantFrom("i", "m", "s", "g", "")).map(([p, f]) => `/${p}/${f}`),
);

const expression = fc.oneof(
  fc.tuple(pattern, fc.constantFrom("", "i", "m")).map(([p, f]) => `$match(company, /${p}/${f}).match`),
  pattern.map((p) => `$replace(company, /${p}/, '$0$0')`),
  pattern.map((p) => `$contains(company, /${p}/)`),
  pattern.map((p) => `$split(company, /${p}/)`),
  fc.integer({ min: -1e9, max: 1e9 }).map((width) => `$pad(company, ${width})`),
  fc.nat(60).map((n) => `$reduce([1..${n}], function($a, $v) { $a & $a }, company)`),
  fc.nat(60).map((n) => `$string($reduce([1..${n}], function($a, $v) { { 'a': $a, 'b': $a } }, company))`),
  fc.nat(200_000).map((n) => `$count($map([1..${n}], function($v) { $v }))`),
  fc.constant("($f := function($n) { $f($n + 1) }; $f(0))"),
  fc.constant("$toMillis(company, '[Yw][Mw][Dw]')"),
  fc.string({ maxLength: 30 }),
);

const company = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.nat(5000).map((n) => `${"a".repeat(n)}!`),
  fc.nat(2000).map((n) => "and ".repeat(n)),
);

function documentOf(value: string, mapped: string) {
  return {
    sources: [{ id: "p", provider: "none", mapping: { email: "email", company: "company", "custom.x": mapped } }],
    routes: [
      { id: "r", when: { field: "company", op: "matches", value }, actions: [] },
      { id: "rest", when: { always: true }, actions: [] },
    ],
  };
}

async function write(document: unknown): Promise<Response> {
  const response = await admin("PUT", "/v1/config", { body: document });
  expect(response.status, await response.clone().text()).toBeLessThan(500);
  return response;
}

let sequence = 0;

describe("random patterns and mappings", () => {
  it("are stored or refused with a pointer, and simulate without a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(matchesValue, expression, company, async (value, mapped, name) => {
        const response = await write(documentOf(value, mapped));
        if (response.status !== 200) {
          const body = (await response.json()) as { code: string; problems: { pointer: string }[] };
          expect(response.status).toBe(422);
          expect(body.code).toBe("validation_failed");
          for (const { pointer } of body.problems) expect(["/routes/0/when/value", "/sources/0/mapping/custom.x"]).toContain(pointer);
          return;
        }
        const simulated = await admin("POST", "/v1/simulate", { body: { source: "p", payload: { email: "sim@example.com", company: name } } });
        expect(simulated.status).toBe(200);
        const { status } = (await simulated.json()) as { status: string };
        expect(["routed", "unmatched", "invalid"]).toContain(status);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it("in a routing batch leave the ordinary lead beside them as it would be alone", async () => {
    await fc.assert(
      fc.asyncProperty(matchesValue, expression, company, async (value, mapped, name) => {
        if ((await write(documentOf(value, mapped))).status !== 200) return;
        clearConfigCache();
        const n = ++sequence;
        const ordinary = { email: `ordinary${n}@example.com`, company: "Acme" };
        const alone = await admin("POST", "/v1/simulate", { body: { source: "p", payload: ordinary } });
        const expected = ((await alone.json()) as { status: string }).status;

        await post("/in/p", JSON.stringify({ email: `random${n}@example.com`, company: name }), { "content-type": "application/json" });
        await post("/in/p", JSON.stringify(ordinary), { "content-type": "application/json" });
        const { result } = await routeQueued("p");
        expect(result.retryMessages).toEqual([]);
        const events = await eventsOf("p");
        const statusOf = (email: string) => events.find((e) => e.body !== null && new TextDecoder().decode(e.body).includes(email))?.status;
        expect(statusOf(`ordinary${n}@example.com`)).toBe(expected);
        expect(["routed", "unmatched", "invalid"]).toContain(statusOf(`random${n}@example.com`));
      }),
      { numRuns: 30 },
    );
  }, 180_000);
});

describe("random configuration shapes", () => {
  it("are stored, or refused with 413/422 naming the limit, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(600), fc.nat(150), fc.nat(130), async (routes, depth, entries) => {
        let when: unknown = { always: true };
        for (let i = 0; i < depth; i++) when = { not: when };
        const mapping = Object.fromEntries(Array.from({ length: entries }, (_, i) => [`custom.f${i}`, `f${i}`]));
        const document = {
          sources: [{ id: "p", provider: "none", mapping }],
          routes: Array.from({ length: routes }, (_, i) => ({ id: `r${i}`, when: i === 0 ? when : { always: true }, actions: [] })),
        };
        const response = await write(document);
        const over = routes > configLimits.routes || (routes > 0 && depth > configLimits.conditionDepth) || entries > configLimits.mappingEntries;
        if (!over) {
          expect(response.status).toBe(200);
          return;
        }
        const body = (await response.json()) as { code: string; problems: { limit: string }[] };
        expect(response.status).toBe(422);
        expect(body.code).toBe("config_limit_exceeded");
        expect(body.problems.length).toBeGreaterThan(0);
        for (const problem of body.problems) expect(Object.keys(configLimits)).toContain(problem.limit);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
