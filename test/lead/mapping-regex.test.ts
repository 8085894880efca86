import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { compileMapping, evaluateMapping, mapLead } from "../../src/lead/mapping";

// JSONata's `/…/` literals run on RE2 through its RegexEngine option: the results
// must be those of JavaScript's engine wherever both can run the pattern.

const payload = { company: "Acme GmbH & Co. KG", email: "Jane.Doe@acme.io", notes: "call 030-1234, fax 030-9876", empty: "" };

/** JSONata with its own (backtracking) engine: the reference for benign patterns. */
async function native(expression: string): Promise<unknown> {
  return JSON.parse(JSON.stringify((await jsonata(expression).evaluate(payload)) ?? null));
}

describe("JSONata regular expressions run on RE2", () => {
  it.each([
    "$match(notes, /(\\d{3})-(\\d+)/)",
    "$match(notes, /\\d+/, 2)",
    "$match(company, /^acme/i)",
    "$match(email, /(?<user>[^@]+)@(?<host>.+)/)",
    "$replace(notes, /(\\d{3})-(\\d+)/, '$2/$1')",
    "$replace(company, /\\s+/, '_', 2)",
    "$replace(email, /[aeiou]/i, function($m) { $uppercase($m.match) })",
    "$contains(company, /gmbh/i)",
    "$contains(company, /^Co/)",
    "$split(notes, /,\\s*/)",
    "$split(company, /\\s/, 2)",
    "email ~> /@ACME\\.io$/i",
    "$match(empty, /a*/)",
    "$replace('aaa', /a/, 'b')",
    "$match('line1\\nline2', /^line\\d$/m)",
    "$match('a\\nb', /a.b/)",
    "$match('aa', /^a/)",
    "$match('ba a', /\\ba/)",
  ])("%s gives what JavaScript's engine gives", async (expression) => {
    const result = await evaluateMapping({ x: expression }, payload);
    expect(result).toEqual({ ok: true, raw: (await native(expression)) === null ? {} : { x: await native(expression) } });
  });

  it("matches by code point: `.` takes a whole emoji, where JavaScript without `u` takes half", async () => {
    expect(await evaluateMapping({ x: "$match(s, /^./).match" }, { s: "\u{1F600}x" })).toEqual({ ok: true, raw: { x: "\u{1F600}" } });
  });

  it("fails a pattern that matches the empty string repeatedly, as JSONata does", async () => {
    const result = await evaluateMapping({ x: "$split('abc', /x*/)" }, payload);
    expect(result).toMatchObject({ ok: false, problems: [{ field: "x" }] });
    await expect(jsonata("$split('abc', /x*/)").evaluate(payload)).rejects.toMatchObject({ code: "D1004" });
  });

  it("answers at once where backtracking would hold the isolate", async () => {
    const company = `${"a".repeat(40)}!`;
    // On JavaScript's engine each of these takes from minutes to longer than the test runs.
    const mapping = {
      "custom.a": "$match(company, /(a|a)*$/).match",
      "custom.b": "$contains(company, /^(a|a?)+$/)",
      "custom.c": "$replace(company, /(\\w|\\d)*!$/, 'x')",
      "custom.d": "$split(company, /(.*a){12}$/)",
    };
    const result = await mapLead({ mapping }, { company });
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead.custom).toEqual({ a: "", b: false, c: "x", d: [company] });
  });

  it.each([
    ["$match(company, /(a)\\1/)", /backreferences/],
    ["$match(company, /(?<n>a)\\k<n>/)", /backreferences/],
    ["$contains(company, /a(?=b)/)", /linear-time engine/],
    ["$replace(company, /(?<!a)b/, '')", /linear-time engine/],
    ["$match(company, /([a-z/)", /./],
  ])("refuses %s when the mapping is checked", (expression, message) => {
    expect(compileMapping({ company: expression })).toEqual([{ field: "company", message: expect.stringMatching(message) }]);
  });

  it("fails only the lead's mapping, with the reason, for a refused pattern", async () => {
    const result = await mapLead({ mapping: { company: "$match(company, /(a)\\1/).match" } }, { company: "aa" });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/backreferences/) });
  });
});
