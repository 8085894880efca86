import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Condition, configSchema, type Operator, operators, type RouteConfig } from "../../src/config/schema";
import { mapLead } from "../../src/lead/mapping";
import type { Lead } from "../../src/lead/schema";
import { applyOperator, evaluateCondition, readField } from "../../src/routing/conditions";
import { type DecideDeps, decideLead } from "../../src/routing/decide";
import { explain } from "../../src/routing/evaluate";
import type { ConditionTrace } from "../../src/routing/trace";

const field = fc.oneof(
  fc.constantFrom("email", "phone", "firstName", "company", "domain", "country", "employees", "score"),
  fc.constantFrom("custom.plan", "custom.tags", "custom.tags.0", "plan", "custom.nested.x", "custom.__proto__", "constructor"),
  fc.string({ maxLength: 12 }),
);

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(".*", "^a", "(a+)+", "[", "/x/i", "/x/g", "DE", "de", 80, "80", true, false),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean()), { maxLength: 4 }),
  fc.constant(undefined),
);

const op: fc.Arbitrary<Operator> = fc.constantFrom(...operators);

const leaf: fc.Arbitrary<Condition> = fc
  .record({ field, op, value })
  .map(({ field, op, value }) => (value === undefined ? { field, op } : { field, op, value }));

const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.constant<Condition>({ always: true }),
    fc.array(tie("condition"), { maxLength: 4 }).map((all): Condition => ({ all })),
    fc.array(tie("condition"), { maxLength: 4 }).map((any): Condition => ({ any })),
    tie("condition").map((not): Condition => ({ not })),
  ),
}));

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));

const lead: fc.Arbitrary<Lead> = fc.record(
  {
    email: fc.emailAddress(),
    phone: fc.constantFrom("+14155550132", "+4930901820"),
    firstName: fc.string({ maxLength: 10 }),
    company: fc.string({ maxLength: 10 }),
    domain: fc.domain(),
    country: fc.constantFrom("DE", "US", "FR"),
    employees: fc.nat(100_000),
    score: fc.double({ min: -1000, max: 1000, noNaN: true }),
    custom: fc.dictionary(fc.constantFrom("plan", "tags", "nested", "x", "seats"), fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }))),
  },
  { requiredKeys: ["custom"] },
);

/** JSON text of a value after a JSON round trip: equal when the value was plain JSON. */
const roundTrips = (trace: unknown) => JSON.stringify(JSON.parse(JSON.stringify(trace))) === JSON.stringify(trace);

function leaves(trace: ConditionTrace): number {
  switch (trace.kind) {
    case "all":
    case "any":
      return trace.children.reduce((n, c) => n + leaves(c), 0);
    case "not":
      return leaves(trace.child);
    default:
      return 1;
  }
}

function conditionLeaves(c: Condition): number {
  if ("all" in c) return c.all.reduce((n, x) => n + conditionLeaves(x), 0);
  if ("any" in c) return c.any.reduce((n, x) => n + conditionLeaves(x), 0);
  if ("not" in c) return conditionLeaves(c.not);
  return 1;
}

describe("condition properties", () => {
  it("never throws, yields a boolean and a JSON trace with one node per leaf", () => {
    fc.assert(
      fc.property(condition, lead, (c, l) => {
        const trace = evaluateCondition(c, l);
        expect(typeof trace.result).toBe("boolean");
        expect(roundTrips(trace)).toBe(true);
        expect(leaves(trace)).toBe(conditionLeaves(c));
      }),
      { numRuns: 500 },
    );
  });

  it("not inverts", () => {
    fc.assert(
      fc.property(condition, lead, (c, l) => evaluateCondition({ not: c }, l).result === !evaluateCondition(c, l).result),
      { numRuns: 300 },
    );
  });

  it("obeys De Morgan", () => {
    fc.assert(
      fc.property(condition, condition, lead, (a, b, l) => {
        const left = evaluateCondition({ not: { all: [a, b] } }, l).result;
        const right = evaluateCondition({ any: [{ not: a }, { not: b }] }, l).result;
        return left === right;
      }),
      { numRuns: 300 },
    );
  });

  it("neq is not eq whenever the value is usable", () => {
    fc.assert(
      fc.property(field, value, lead, (f, v, l) => {
        const actual = readField(l, f);
        const eq = applyOperator("eq", actual, v);
        const neq = applyOperator("neq", actual, v);
        return eq.error ? neq.result === false && neq.error === eq.error : neq.result === !eq.result;
      }),
      { numRuns: 500 },
    );
  });

  it("a leaf that records an error is false", () => {
    fc.assert(
      fc.property(leaf, lead, (c, l) => {
        const trace = evaluateCondition(c, l);
        return !("error" in trace) || trace.result === false;
      }),
      { numRuns: 500 },
    );
  });
});

describe("route properties", () => {
  const routes = fc
    .array(
      fc.record({
        id: fc.constantFrom("a", "b", "c", "d", "e", "f"),
        sources: fc.option(fc.subarray(["s1", "s2", "s3"]), { nil: undefined }),
        when: condition,
        continue: fc.boolean(),
        upsert: fc.boolean(),
      }),
      { maxLength: 6 },
    )
    .map((list) => list.map(({ upsert, ...r }): RouteConfig => ({ ...r, actions: upsert ? [{ upsert: { destination: "crm" } }] : [] })));
  const base = configSchema.parse({ sources: [{ id: "s1", provider: "none" }], destinations: [{ id: "crm", type: "hubspot", token: "pat-test" }] });
  const deps: DecideDeps = {
    findLead: async () => undefined,
    assignOwner: async () => ({ ok: false, reason: "no pools here", day: "2026-12-06", counts: {} }),
    enrich: async () => ({ outcome: "skipped", reason: "no enrichments here" }),
  };

  // Through decideLead, the path the routing consumer and the simulator run.
  it("traces every route in order; matches are in order and stop at the first without continue", async () => {
    await fc.assert(
      fc.asyncProperty(routes, lead, fc.constantFrom("s1", "s2", "s4"), async (list, l, source) => {
        const [mappingSource] = base.sources;
        if (!mappingSource) throw new Error("the test configuration has a source");
        const decision = await decideLead({ ...base, routes: list }, mappingSource, { id: "evt_p", sourceId: source }, { lead: l, warnings: [] }, deps);
        if (decision.status === "invalid") throw new Error(decision.reason);
        const trace = decision.trace.routes;
        expect(trace.map((t) => t.route)).toEqual(list.map((r) => r.id));
        const matched = trace.flatMap((t, i) => (t.status === "matched" ? [list[i] as RouteConfig] : []));
        expect(decision.status).toBe(matched.length > 0 ? "routed" : "unmatched");
        if (decision.status === "routed") {
          expect(decision.routeId).toBe(matched[0]?.id);
          const upserting = matched.filter((r) => r.actions.length > 0);
          expect(decision.deliveries.map((p) => [p.delivery.routeId, p.delivery.deliveryId])).toEqual(upserting.map((r, n) => [r.id, `evt_p:${n}`]));
        }
        const stop = list.findIndex((r, i) => trace[i]?.status === "matched" && !r.continue);
        trace.forEach((t, i) => {
          const r = list[i] as RouteConfig;
          if (stop >= 0 && i > stop) expect(t).toMatchObject({ status: "skipped", reason: "earlier_match" });
          else if (r.sources && !r.sources.includes(source)) expect(t).toMatchObject({ status: "skipped", reason: "other_source" });
          else expect(t.status).toBe(evaluateCondition(r.when, l).result ? "matched" : "not_matched");
        });
        expect(decision.trace.explain).toEqual(explain(trace));
        expect(decision.trace.explain.length).toBe(trace.length + (matched.length === 0 ? 1 : 0));
      }),
      { numRuns: 300 },
    );
  });
});

describe("mapping properties", () => {
  it("never throws for random payloads and expressions", async () => {
    const expression = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom("a.b", "$number(a)", "$string(a)", "a[0]", "$uppercase(a)", "{ 'x': a }", "[a, b]", "$error('x')"),
    );
    const mapping = fc.dictionary(
      fc.oneof(fc.constantFrom("email", "phone", "score", "employees", "country", "website", "custom", "custom.x"), fc.string({ maxLength: 8 })),
      expression,
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(fc.option(mapping, { nil: undefined }), fc.jsonValue({ maxDepth: 3 }), async (m, payload) => {
        const result = await mapLead({ mapping: m }, payload);
        if (result.ok) expect(roundTrips(result.lead)).toBe(true);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
