import { describe, expect, it } from "vitest";
import { type Condition, configSchema, type Operator } from "../../src/config/schema";
import { checkConfig, zodProblems } from "../../src/config/validate";
import type { Lead } from "../../src/lead/schema";
import { applyOperator, evaluateCondition, readField } from "../../src/routing/conditions";

/** What the configuration check says of a route with this condition: "pointer: message" lines. */
function conditionProblems(when: unknown): string[] {
  const parsed = configSchema.safeParse({ routes: [{ id: "r", when, actions: [] }] });
  const problems = parsed.success ? checkConfig(parsed.data) : zodProblems(parsed.error);
  return problems.map((p) => `${p.pointer}: ${p.message}`);
}

const lead: Lead = {
  email: "jane@acme.io",
  firstName: "Jane",
  company: "Acme GmbH",
  domain: "acme.io",
  country: "DE",
  employees: 250,
  score: 91,
  custom: {
    plan: "Enterprise",
    tags: ["vip", "Beta"],
    seats: "12",
    active: true,
    nested: { tier: "gold", levels: [1, 2] },
    nothing: null,
    blank: "",
    long: "a".repeat(4097),
    signup: "2024-05-07",
  },
};

const check = (field: string, op: Operator, value?: unknown) => evaluateCondition(value === undefined ? { field, op } : { field, op, value }, lead);

type Case = [field: string, value: unknown, expected: boolean];

describe("reading fields", () => {
  it.each([
    ["score", 91],
    ["country", "DE"],
    ["custom.plan", "Enterprise"],
    ["plan", "Enterprise"],
    ["custom.nested.tier", "gold"],
    ["nested.levels.1", 2],
    ["custom.tags.0", "vip"],
    ["custom.tags.x", undefined],
    ["custom.nested.tier.deeper", undefined],
    ["phone", undefined],
    ["website", undefined],
    ["custom.constructor", undefined],
    ["toString", undefined],
    ["custom.__proto__", undefined],
  ])("%s → %j", (path, expected) => {
    expect(readField(lead, path)).toEqual(expected);
  });
});

describe("operators", () => {
  const cases: Record<Operator, Case[]> = {
    eq: [
      ["country", "DE", true],
      ["country", "de", true],
      ["country", "FR", false],
      ["score", 91, true],
      ["score", "91", true],
      ["score", 90, false],
      ["custom.seats", 12, true],
      ["custom.seats", "12.0", false],
      ["custom.active", true, true],
      ["custom.active", "true", false],
      ["score", true, false],
      ["custom.tags", "vip", false],
      ["phone", "+4930901820", false],
      ["custom.nothing", 0, false],
    ],
    neq: [
      ["country", "FR", true],
      ["country", "de", false],
      ["score", 91, false],
      ["score", "abc", true],
      ["phone", "+4930901820", true],
      ["custom.blank", "x", true],
    ],
    gt: [
      ["score", 80, true],
      ["score", 91, false],
      ["score", "80", true],
      ["custom.seats", 10, true],
      ["custom.seats", 12, false],
      ["custom.signup", "2024-01-01", true],
      ["custom.signup", "2025-01-01", false],
      ["country", 3, false],
      ["custom.active", 0, false],
      ["phone", 0, false],
    ],
    gte: [
      ["score", 91, true],
      ["score", 92, false],
      ["employees", "250", true],
      ["company", 1, false],
      ["lastName", 0, false],
    ],
    lt: [
      ["score", 100, true],
      ["score", 91, false],
      ["custom.signup", "2024-12-31", true],
      ["custom.tags", 5, false],
      ["phone", 1e9, false],
    ],
    lte: [
      ["score", 91, true],
      ["score", 90.5, false],
      ["country", "de", true],
      ["custom.nested", 1, false],
      ["industry", "z", false],
    ],
    in: [
      ["country", ["FR", "de", "AT"], true],
      ["country", ["FR", "AT"], false],
      ["score", [90, 91], true],
      ["score", ["91"], true],
      ["custom.tags", ["beta", "x"], true],
      ["custom.tags", ["x"], false],
      ["custom.active", [true], true],
      ["phone", ["+4930901820"], false],
      ["country", [], false],
    ],
    contains: [
      ["company", "gmbh", true],
      ["company", "Inc", false],
      ["email", "@ACME.", true],
      ["custom.tags", "beta", true],
      ["custom.tags", "bet", false],
      ["score", 9, false],
      ["custom.nested", "gold", false],
      ["custom.seats", 1, true],
      ["phone", "+49", false],
    ],
    matches: [
      ["email", "@acme\\.io$", true],
      ["email", "^JANE", false],
      ["email", "/^JANE/i", true],
      ["score", "^9\\d$", true],
      ["custom.tags", "vip", false],
      ["custom.active", "true", false],
      ["phone", ".*", false],
      ["custom.nested.tier", "/^g.l/s", true],
    ],
    exists: [
      ["email", true, true],
      ["email", false, false],
      ["phone", true, false],
      ["phone", false, true],
      ["custom.nothing", true, false],
      ["custom.blank", false, true],
      ["custom.tags", true, true],
    ],
  };

  for (const [op, list] of Object.entries(cases) as [Operator, Case[]][]) {
    it.each(list)(`${op}: %s %j → %s`, (field, value, expected) => {
      const trace = check(field, op, value);
      expect(trace).toMatchObject({ kind: "field", result: expected });
      expect(trace).not.toHaveProperty("error");
    });
  }

  it("exists defaults to true", () => {
    expect(check("email", "exists").result).toBe(true);
    expect(check("phone", "exists").result).toBe(false);
  });

  it("missing fields are false for every operator but neq and exists:false", () => {
    const values: Record<Operator, unknown> = {
      eq: "x",
      neq: "x",
      gt: 0,
      gte: 0,
      lt: 0,
      lte: 0,
      in: ["x"],
      contains: "x",
      matches: ".*",
      exists: false,
    };
    for (const field of ["phone", "custom.nothing", "custom.blank", "custom.none.deeper"]) {
      for (const [op, value] of Object.entries(values) as [Operator, unknown][]) {
        expect(applyOperator(op, readField(lead, field), value).result, `${field} ${op}`).toBe(op === "neq" || op === "exists");
      }
    }
  });

  it("neq is not eq, for every field", () => {
    for (const field of ["score", "country", "custom.tags", "phone", "custom.active", "custom.seats"]) {
      for (const value of [91, "91", "de", "DE", true, "vip", "12"]) {
        expect(check(field, "neq", value).result, `${field} ${String(value)}`).toBe(!check(field, "eq", value).result);
      }
    }
  });
});

describe("malformed leaves are false with an error, never a throw", () => {
  it.each([
    ["in", "DE", /list/],
    ["matches", "([a-z", /invalid regular expression/],
    ["matches", 42, /regular expression string/],
    ["matches", "/x/g", /unsupported flags/],
    ["matches", "(a)\\1", /not supported by the linear-time engine/],
    ["matches", "^(?=a)", /not supported by the linear-time engine/],
    ["matches", "(?<!a)b", /not supported by the linear-time engine/],
    ["matches", "x".repeat(1001), /pattern longer/],
    ["matches", "[a-z]{1000}", /too complex: 1002 RE2 instructions, over the limit of 600/],
    ["eq", ["DE"], /text, a number or a boolean/],
    ["eq", undefined, /text, a number or a boolean/],
    ["neq", { a: 1 }, /text, a number or a boolean/],
    ["gt", true, /number or text/],
    ["contains", null, /text, a number or a boolean/],
    ["exists", "yes", /true or false/],
  ])("%s %j", (op, value, message) => {
    const trace = check("country", op as Operator, value);
    expect(trace.result).toBe(false);
    expect(trace).toMatchObject({ kind: "field", error: expect.stringMatching(message) });
  });

  it("reports a config error even when the field is missing", () => {
    expect(check("phone", "in", "x")).toMatchObject({ result: false, missing: true, error: expect.any(String) });
  });

  it("does not run a regex over very long values", () => {
    expect(check("custom.long", "matches", "^a+$")).toMatchObject({ result: false, error: expect.stringMatching(/longer than 4096/) });
    expect(check("custom.long", "contains", "aaa").result).toBe(true);
  });

  it("an unknown operator is false with an error", () => {
    const trace = evaluateCondition({ field: "score", op: "like" } as unknown as Condition, lead);
    expect(trace).toMatchObject({ kind: "field", result: false, error: "unknown operator" });
  });

  it.each([
    [{}, /expected all, any/],
    [null, /not a condition/],
    [{ always: false }, /always must be true/],
    [{ field: "score" }, /expected all, any/],
  ])("an invalid node %j is false", (node, message) => {
    const trace = evaluateCondition({ all: [node] } as unknown as Condition, lead);
    expect(trace).toMatchObject({ result: false, children: [{ kind: "invalid", result: false, error: expect.stringMatching(message) }] });
  });

  it("stops at a nesting depth instead of overflowing the stack", () => {
    let condition: Condition = { always: true };
    for (let i = 0; i < 10_000; i++) condition = { not: condition };
    expect(() => evaluateCondition(condition, lead)).not.toThrow();
    let deepest = evaluateCondition(condition, lead);
    while (deepest.kind === "not") deepest = deepest.child;
    expect(deepest).toMatchObject({ kind: "invalid", error: expect.stringMatching(/nested deeper/) });
  });
});

describe("patterns run on RE2, in time linear in the value", () => {
  // The shapes of catastrophic backtracking: each takes seconds to hours on a
  // backtracking engine against 40 × "a" + "!" (the first alone held a gateway).
  const hostile = ["(a|a)*$", "(a|aa)*$", "^(a|a?)+$", "(.*a){12}$", "(\\w|\\d)*!$", "(a+)+$", "^(\\w+\\s?)*$", "(x+x+)+y"];
  const slow = { ...lead, company: `${"a".repeat(4000)}!` };

  it.each(hostile)("%s is accepted and answers at once on a 4,000-character value", (pattern) => {
    expect(conditionProblems({ field: "company", op: "matches", value: pattern })).toEqual([]);
    // A backtracking engine would not return from this before the test times out.
    const trace = evaluateCondition({ field: "company", op: "matches", value: pattern }, slow);
    expect(trace).not.toHaveProperty("error");
    expect(trace.result).toBe(new RegExp(pattern).test("aa!"));
  });

  it("accepts an alternation of eighty names (RE2 factors it into a small program)", () => {
    const names = Array.from({ length: 80 }, (_, i) => `company${i}`).join("|");
    expect(conditionProblems({ field: "company", op: "matches", value: `/^(${names}|acme gmbh)$/i` })).toEqual([]);
    expect(check("company", "matches", `/^(${names}|acme gmbh)$/i`).result).toBe(true);
  });

  it.each([
    ["(?<name>\\w+)@acme", "email", true],
    ["^\\u004Aane", "firstName", true],
    ["/^acme gmbh$/i", "company", true],
    ["/^a.*z$/is", "company", false],
    ["\\bGmbH\\b", "company", true],
    ["^\\d{2,}$", "score", true],
    ["\\p{Lu}cme", "company", true],
  ])("JavaScript syntax %s on %s → %s", (pattern, field, expected) => {
    const trace = check(field, "matches", pattern);
    expect(trace).toMatchObject({ result: expected });
    expect(trace).not.toHaveProperty("error");
  });
});

describe("combinators", () => {
  const yes: Condition = { field: "score", op: "gt", value: 80 };
  const no: Condition = { field: "country", op: "eq", value: "US" };

  it.each([
    [{ all: [yes, yes] }, true],
    [{ all: [yes, no] }, false],
    [{ all: [] }, true],
    [{ any: [no, yes] }, true],
    [{ any: [no, no] }, false],
    [{ any: [] }, false],
    [{ not: yes }, false],
    [{ not: no }, true],
    [{ always: true }, true],
    [{ all: [yes, { any: [no, { not: no }] }] }, true],
    [{ any: [{ all: [yes, no] }, { not: { any: [yes] } }] }, false],
    [{ not: { not: { all: [yes, { not: no }] } } }, true],
  ] as [Condition, boolean][])("%j → %s", (condition, expected) => {
    expect(evaluateCondition(condition, lead).result).toBe(expected);
  });
});

describe("trace", () => {
  it("records field, op, expected and the actual value for every leaf", () => {
    const trace = evaluateCondition(
      {
        all: [
          { field: "score", op: "gt", value: 80 },
          { any: [{ field: "country", op: "in", value: ["US", "CA"] }, { not: { field: "phone", op: "exists" } }] },
        ],
      },
      lead,
    );
    expect(trace).toEqual({
      kind: "all",
      result: true,
      children: [
        { kind: "field", field: "score", op: "gt", expected: 80, actual: 91, result: true },
        {
          kind: "any",
          result: true,
          children: [
            { kind: "field", field: "country", op: "in", expected: ["US", "CA"], actual: "DE", result: false },
            {
              kind: "not",
              result: true,
              child: { kind: "field", field: "phone", op: "exists", missing: true, result: false },
            },
          ],
        },
      ],
    });
  });

  it("evaluates every child, also after the outcome is decided", () => {
    const trace = evaluateCondition(
      {
        all: [
          { field: "country", op: "eq", value: "US" },
          { field: "score", op: "lt", value: 50 },
        ],
      },
      lead,
    );
    expect(trace).toMatchObject({
      result: false,
      children: [
        { result: false, actual: "DE" },
        { result: false, actual: 91 },
      ],
    });
  });

  it("clips long actual values and stays JSON", () => {
    const trace = check("custom.long", "exists");
    expect(trace).toMatchObject({ result: true, actual: `${"a".repeat(200)}…` });
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it("records the actual list for list fields", () => {
    expect(check("custom.tags", "contains", "beta")).toMatchObject({ actual: ["vip", "Beta"], result: true });
  });
});

describe("the configuration check of a condition", () => {
  it("finds config mistakes with their path", () => {
    const problems = conditionProblems({
      all: [
        { field: "score", op: "gt", value: 80 },
        { field: "country", op: "in", value: "DE" },
        { any: [{ field: "email", op: "matches", value: "(a)\\1" }, { not: { field: "x", op: "exists", value: 1 } }] },
      ],
    });
    expect(problems).toEqual([
      "/routes/0/when/all/1/value: value must be a list",
      expect.stringMatching(/^\/routes\/0\/when\/all\/2\/any\/0\/value: not supported by the linear-time engine/),
      "/routes/0/when/all/2/any/1/not/value: value must be true or false",
    ]);
  });

  it("accepts the example routes' conditions", () => {
    expect(conditionProblems({ all: [{ field: "score", op: "gt", value: 80 }] })).toEqual([]);
    expect(conditionProblems({ always: true })).toEqual([]);
  });
});
