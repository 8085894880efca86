import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { evaluatePlainPath } from "../../src/lead/mapping";

/** What JSONata itself answers, as plain JSON (as the mapping stores it). */
async function viaJsonata(text: string, payload: unknown): Promise<unknown> {
  const value = await jsonata(text).evaluate(payload);
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

const names = ["a", "b", "email", "hidden", "form_response", "x1"];
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, 42, -1.5, "", "text"),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...names), tie("value"), { maxKeys: 4 }),
  ),
})).value;
const path = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 4 }).map((segments) => segments.join("."));

describe("plain paths walked without the JSONata evaluator", () => {
  it("answer exactly what JSONata answers, whenever they answer at all", async () => {
    await fc.assert(
      fc.asyncProperty(json, path, async (payload, text) => {
        const walked = evaluatePlainPath(text, payload);
        if (walked) expect(walked.value).toEqual(await viaJsonata(text, payload));
      }),
      { numRuns: 2000 },
    );
  });

  it("take the common cases and leave arrays, literals and operators to JSONata", () => {
    const payload = { form_response: { hidden: { email: "ada@acme.io" }, answers: [{ text: "x" }] }, n: null };
    expect(evaluatePlainPath("form_response.hidden.email", payload)).toEqual({ value: "ada@acme.io" });
    expect(evaluatePlainPath("form_response.missing.email", payload)).toEqual({ value: undefined });
    expect(evaluatePlainPath("n", payload)).toEqual({ value: null });
    expect(evaluatePlainPath("form_response.answers.text", payload)).toBeUndefined();
    expect(evaluatePlainPath("true", payload)).toBeUndefined();
    expect(evaluatePlainPath("$number(a)", payload)).toBeUndefined();
    expect(evaluatePlainPath("a.`b c`", payload)).toBeUndefined();
  });
});
