import { describe, expect, it } from "vitest";
import { evaluateMapping, mapLead } from "../../src/lead/mapping";
import { STEP_BUDGET, TEXT_BUDGET } from "../../src/lead/mapping-budget";

// One lead's mapping is held to a step and a text budget: whatever its expressions
// do, it ends (at most a few milliseconds) with the limit as the reason.

async function failure(mapping: Record<string, string>, payload: unknown = {}) {
  const result = await evaluateMapping(mapping, payload);
  if (result.ok) throw new Error(`expected the budget to stop it, got ${JSON.stringify(result.raw).slice(0, 80)}`);
  return result.reason;
}

describe("the text budget", () => {
  it.each([
    ["$pad('', 1e8)", /\$pad would build 100000000 characters/],
    ["$pad('x', -1e9, 'ab')", /\$pad would build/],
    ["'x' ~> $pad(1e8)", /\$pad would build/],
    ["$reduce([1..40], function($a, $v) { $a & $a }, 'x')", /more than 2000000 characters/],
    ["$join([1..1000].$pad('', 5000))", /characters/],
    ["$join(['a', 'b'], $pad('', 1999999))", /\$join would build/],
    ["$replace($pad('', 2000, 'a'), 'a', $pad('', 1000, 'b'))", /\$replace would build/],
    ["$replace($pad('', 2000, 'a'), /a/, '$0$0$0$0$0$0$0$0$0$0' & $pad('', 1000, 'b'))", /\$replace would build/],
    ["$string([1..100000].$string($))", /more than 2000000 characters|evaluation steps/],
    ["$reduce([1..60], function($a, $v) { { 'a': $a, 'b': $a } }, 'x')", /a value of more than 2000000 characters as JSON/],
    ["$string($reduce([1..60], function($a, $v) { [$a, $a] }, 'x'))", /a value of more than 2000000 characters as JSON|maximum sequence length/],
    ["($o := $reduce([1..60], function($a, $v) { { 'a': $a, 'b': $a } }, 1); $o = $o)", /a value of more than 2000000 characters as JSON/],
  ])("%s ends with the limit as the reason", async (expression, reason) => {
    expect(await failure({ x: expression })).toMatch(reason);
  });

  it("counts the text of all of one lead's expressions together", async () => {
    const half = `$pad('', ${TEXT_BUDGET / 2 + 1})`;
    expect(await failure({ a: half, b: half })).toMatch(/characters/);
    const result = await evaluateMapping({ a: half }, {});
    expect(result.ok && (result.raw.a as string).length).toBe(TEXT_BUDGET / 2 + 1);
  });

  it("leaves ordinary uses alone and gives JSONata's results", async () => {
    const payload = { first: "Jane", tags: ["a", "b", "c"], notes: "x\ny\nz", id: 42 };
    const result = await evaluateMapping(
      {
        name: "first & ' ' & $pad('D', 3, '.')",
        left: "$pad($string(id), -6, '0')",
        tags: "$join(tags, ', ')",
        bare: "tags ~> $join",
        notes: "$replace(notes, '\\n', '<br>')",
        regex: "$replace(notes, /([a-z])/, '[$1]', 2)",
        fn: "$replace(first, /a/, function($m) { $uppercase($m.match) })",
        ctx: "first.$pad(6, '*')",
      },
      payload,
    );
    expect(result).toEqual({
      ok: true,
      raw: {
        name: "Jane D..",
        left: "000042",
        tags: "a, b, c",
        bare: "abc",
        notes: "x<br>y<br>z",
        regex: "[x]\n[y]\nz",
        fn: "JAne",
        ctx: "Jane**",
      },
    });
  });

  it("still refuses what JSONata refuses, with JSONata's error", async () => {
    expect(await failure({ x: "$replace('abc', '', 'x')" })).toMatch(/D3010|empty/i);
    expect(await failure({ x: "$pad(1, 2)" })).toMatch(/does not match function signature/);
  });
});

describe("$toMillis with a picture", () => {
  it("reads timestamps as JSONata does, and refuses text long enough to backtrack for seconds", async () => {
    const ok = await evaluateMapping({ t: "$toMillis('2024-05-07', '[Y0001]-[M01]-[D01]')", u: "$toMillis('2024-05-07T10:00:00Z')" }, {});
    expect(ok).toEqual({ ok: true, raw: { t: 1715040000000, u: 1715076000000 } });
    const words = "and ".repeat(800);
    expect(await failure({ t: "$toMillis(s, '[Yw][Mw][Dw]')" }, { s: words })).toMatch(/at most 100 characters/);
    // Without a picture JSONata reads ISO 8601 with a linear pattern: any length is fine.
    expect(await failure({ t: "$toMillis(s)" }, { s: words })).not.toMatch(/at most/);
  });
});

describe("the step budget", () => {
  it("stops a loop JSONata runs as a tail call", async () => {
    expect(await failure({ x: "($f := function($n) { $f($n + 1) }; $f(0))" })).toMatch(new RegExp(`more than ${STEP_BUDGET} evaluation steps`));
  });

  it("is shared by one lead's expressions and fresh for every lead", async () => {
    // Each alone fits the budget, three together do not.
    const loop = "$count($map([1..4000], function($v) { $v }))";
    expect(await evaluateMapping({ a: loop }, {})).toEqual({ ok: true, raw: { a: 4000 } });
    expect(await failure({ a: loop, b: loop, c: loop })).toMatch(/evaluation steps/);
    const leads = await Promise.all(Array.from({ length: 20 }, () => evaluateMapping({ a: loop }, {})));
    for (const lead of leads) expect(lead).toEqual({ ok: true, raw: { a: 4000 } });
  });

  it("cannot be replaced from inside an expression", async () => {
    const loop = "($f := function($n) { $f($n + 1) }; $f(0))";
    for (const name of ["$__switchboard_budget", "$switchboard", "$budget"]) {
      expect(await failure({ x: `(${name} := { 'steps': -1e9, 'text': 0 }; ${loop})` })).toMatch(/evaluation steps/);
    }
  });

  it("fails that lead with the limit as its reason", async () => {
    const result = await mapLead({ mapping: { email: "email", company: "$pad('', 1e8)" } }, { email: "a@b.co" });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^mapping failed: company: \$pad would build/) });
  });
});
