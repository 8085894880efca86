import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { type RouteConfig, routeSchema } from "../../src/config/schema";
import type { Lead } from "../../src/lead/schema";
import { evaluateRoutes, explain } from "../../src/routing/evaluate";
import type { RouteTrace } from "../../src/routing/trace";

type RouteInput = z.input<typeof routeSchema>;
const route = (input: RouteInput): RouteConfig => routeSchema.parse(input);

/** Three routes by score (hot, warm, rest), as in the example document of test/admin/helpers.ts. */
const designRoutes = [
  route({
    id: "hot",
    when: { all: [{ field: "score", op: "gt", value: 80 }] },
    actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }],
  }),
  route({
    id: "warm",
    when: { all: [{ field: "score", op: "gte", value: 50 }] },
    actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "marketingqualifiedlead" } } }],
  }),
  route({ id: "rest", when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }] }),
];

const lead = (fields: Partial<Lead> = {}): Lead => ({ custom: {}, ...fields });
const ids = (routes: RouteConfig[]) => routes.map((r) => r.id);
const statuses = (trace: RouteTrace[]) => trace.map((t) => `${t.route}:${t.status}`);

describe("evaluateRoutes", () => {
  it.each([
    [91, ["hot"]],
    [80, ["warm"]],
    [50, ["warm"]],
    [49, ["rest"]],
    [undefined, ["rest"]],
  ])("score %s goes to %j", async (score, expected) => {
    const { matched } = await evaluateRoutes(designRoutes, lead(score === undefined ? {} : { score }), "typeform-leads");
    expect(ids(matched)).toEqual(expected);
  });

  it("traces every route: tried, matched, then skipped after the first match", async () => {
    const { trace } = await evaluateRoutes(designRoutes, lead({ score: 60 }), "typeform-leads");
    expect(trace).toEqual([
      {
        route: "hot",
        status: "not_matched",
        condition: {
          kind: "all",
          result: false,
          children: [{ kind: "field", field: "score", op: "gt", expected: 80, actual: 60, result: false }],
        },
      },
      {
        route: "warm",
        status: "matched",
        continue: false,
        condition: {
          kind: "all",
          result: true,
          children: [{ kind: "field", field: "score", op: "gte", expected: 50, actual: 60, result: true }],
        },
      },
      { route: "rest", status: "skipped", reason: "earlier_match", matchedRoute: "warm" },
    ]);
  });

  it("keeps evaluating after a route with continue, in order", async () => {
    const routes = [
      route({ id: "audit", when: { always: true }, actions: [], continue: true }),
      route({ id: "de", when: { field: "country", op: "eq", value: "DE" }, actions: [], continue: true }),
      route({ id: "fr", when: { field: "country", op: "eq", value: "FR" }, actions: [] }),
      ...designRoutes,
    ];
    const result = await evaluateRoutes(routes, lead({ country: "DE", score: 91 }), "s");
    expect(ids(result.matched)).toEqual(["audit", "de", "hot"]);
    expect(statuses(result.trace)).toEqual(["audit:matched", "de:matched", "fr:not_matched", "hot:matched", "warm:skipped", "rest:skipped"]);
    expect(result.trace[0]).toMatchObject({ continue: true });
  });

  it("applies a route with sources only to those sources", async () => {
    const routes = [
      route({ id: "eu-form", sources: ["typeform-eu"], when: { always: true }, actions: [] }),
      route({ id: "nobody", sources: [], when: { always: true }, actions: [] }),
      ...designRoutes,
    ];
    const eu = await evaluateRoutes(routes, lead({ score: 91 }), "typeform-eu");
    expect(ids(eu.matched)).toEqual(["eu-form"]);
    const other = await evaluateRoutes(routes, lead({ score: 91 }), "typeform-leads");
    expect(ids(other.matched)).toEqual(["hot"]);
    expect(other.trace.slice(0, 2)).toEqual([
      { route: "eu-form", status: "skipped", reason: "other_source", sources: ["typeform-eu"] },
      { route: "nobody", status: "skipped", reason: "other_source", sources: [] },
    ]);
  });

  it("matches nothing when no route holds, and with no routes", async () => {
    const routes = designRoutes.slice(0, 2);
    const result = await evaluateRoutes(routes, lead({ score: 10 }), "s");
    expect(result.matched).toEqual([]);
    expect(statuses(result.trace)).toEqual(["hot:not_matched", "warm:not_matched"]);
    expect(await evaluateRoutes([], lead(), "s")).toEqual({ matched: [], trace: [], lead: lead() });
  });

  it("does not stop at a route whose condition is broken", async () => {
    const routes = [route({ id: "bad", when: { field: "email", op: "matches", value: "([" }, actions: [] }), ...designRoutes];
    const result = await evaluateRoutes(routes, lead({ email: "a@b.co", score: 95 }), "s");
    expect(ids(result.matched)).toEqual(["hot"]);
    expect(result.trace[0]).toMatchObject({ status: "not_matched", condition: { error: expect.any(String) } });
  });
});

describe("explain", () => {
  it("says why each route matched, failed or was skipped", async () => {
    const routes = [
      route({ id: "eu", sources: ["typeform-eu"], when: { always: true }, actions: [] }),
      route({
        id: "enterprise",
        when: {
          all: [
            { field: "employees", op: "gte", value: 1000 },
            { field: "country", op: "in", value: ["US", "CA"] },
          ],
        },
        actions: [],
      }),
      ...designRoutes,
    ];
    const { trace } = await evaluateRoutes(routes, lead({ score: 91, employees: 250, country: "DE" }), "typeform-leads");
    expect(explain(trace)).toEqual([
      "route eu: skipped — only for source typeform-eu",
      'route enterprise: no match — employees 250 not ≥ 1000, country "DE" not in ["US","CA"]',
      "route hot: matched — score 91 > 80",
      "route warm: skipped — route hot matched first",
      "route rest: skipped — route hot matched first",
    ]);
  });

  it("names the deciding leaves of any/not and missing fields", async () => {
    const routes = [
      route({
        id: "vip",
        when: {
          any: [{ field: "custom.plan", op: "eq", value: "enterprise" }, { not: { field: "email", op: "contains", value: "gmail" } }],
        },
        actions: [],
        continue: true,
      }),
      route({ id: "has-phone", when: { field: "phone", op: "exists" }, actions: [] }),
      route({ id: "regex", when: { field: "email", op: "matches", value: "([" }, actions: [] }),
    ];
    const { trace } = await evaluateRoutes(routes, lead({ email: "jo@gmail.com", custom: { plan: "Enterprise" } }), "s");
    expect(explain(trace)).toEqual([
      'route vip: matched — custom.plan "Enterprise" = "enterprise" (continue)',
      "route has-phone: no match — phone is missing",
      expect.stringMatching(/^route regex: no match — email matches: invalid regular expression/),
    ]);
  });

  it("adds a line when nothing matched and caps long reasons", async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ field: `custom.f${i}`, op: "eq" as const, value: i }));
    const { trace } = await evaluateRoutes([route({ id: "strict", when: { all: many }, actions: [] })], lead(), "s");
    expect(explain(trace)).toEqual([
      "route strict: no match — custom.f0 is missing, custom.f1 is missing, custom.f2 is missing, custom.f3 is missing, and 2 more",
      "no route matched",
    ]);
  });
});
