import { describe, expect, it } from "vitest";
import { compiledCacheSize, compileMapping, defaultMapping, mapLead } from "../../src/lead/mapping";

/** A Typeform `form_response` webhook as Typeform documents it, trimmed to what matters. */
const typeformPayload = {
  event_id: "01HX2Z9V8Q0M3K7R4T5Y6U7I8O",
  event_type: "form_response",
  form_response: {
    form_id: "lT4Z3j",
    token: "a3a12ec67a1365927098a606107fac15",
    landed_at: "2024-05-07T10:13:01Z",
    submitted_at: "2024-05-07T10:15:32Z",
    hidden: { email: "  Jane.Doe@Acme.IO ", first_name: "Jane", company: "Acme GmbH", utm_source: "google" },
    calculated: { score: 91 },
    definition: {
      id: "lT4Z3j",
      title: "Book a demo",
      fields: [
        { id: "DlXFaesGBpoF", ref: "last_name", type: "short_text", title: "Last name" },
        { id: "SMEUb7VJz92Q", ref: "phone", type: "phone_number", title: "Phone" },
        { id: "JwWggjAKtOkA", ref: "plan", type: "multiple_choice", title: "Which plan?" },
        { id: "pn48RmPazVdM", ref: "employees", type: "number", title: "Company size" },
      ],
    },
    answers: [
      { type: "text", text: "Doe", field: { id: "DlXFaesGBpoF", type: "short_text", ref: "last_name" } },
      { type: "phone_number", phone_number: "+4930901820", field: { id: "SMEUb7VJz92Q", type: "phone_number", ref: "phone" } },
      { type: "choice", choice: { label: "Enterprise" }, field: { id: "JwWggjAKtOkA", type: "multiple_choice", ref: "plan" } },
      { type: "number", number: 250, field: { id: "pn48RmPazVdM", type: "number", ref: "employees" } },
    ],
  },
};

/** A Typeform mapping like the one in docs/configuration.md's example document. */
const designMapping = {
  email: "form_response.hidden.email",
  firstName: "form_response.hidden.first_name",
  company: "form_response.hidden.company",
  score: "$number(form_response.calculated.score)",
};

const answer = (ref: string, key: string) => `form_response.answers[field.ref='${ref}'].${key}`;

describe("mapLead with a JSONata mapping", () => {
  it("maps the example Typeform mapping over a Typeform payload and normalizes it", async () => {
    const result = await mapLead({ mapping: designMapping }, typeformPayload);
    expect(result).toEqual({
      ok: true,
      lead: { email: "jane.doe@acme.io", firstName: "Jane", company: "Acme GmbH", score: 91, domain: "acme.io", custom: {} },
      raw: { email: "  Jane.Doe@Acme.IO ", firstName: "Jane", company: "Acme GmbH", score: 91 },
      warnings: [],
    });
  });

  it("reads answers by ref, and puts non-lead keys into custom", async () => {
    const result = await mapLead(
      {
        mapping: {
          ...designMapping,
          lastName: answer("last_name", "text"),
          phone: answer("phone", "phone_number"),
          employees: answer("employees", "number"),
          "custom.plan": answer("plan", "choice.label"),
          utm: "form_response.hidden.utm_source",
          "custom.form.id": "form_response.form_id",
        },
      },
      typeformPayload,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead).toMatchObject({ lastName: "Doe", phone: "+4930901820", employees: 250 });
    expect(result.lead.custom).toEqual({ plan: "Enterprise", utm: "google", form: { id: "lT4Z3j" } });
  });

  it("merges an object mapped to `custom`, explicit custom keys winning", async () => {
    const result = await mapLead({ mapping: { custom: "form_response.hidden", "custom.utm_source": "'override'" } }, typeformPayload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead.custom).toEqual({
      email: "  Jane.Doe@Acme.IO ",
      first_name: "Jane",
      company: "Acme GmbH",
      utm_source: "override",
    });
  });

  it("leaves out fields whose expression finds nothing", async () => {
    const result = await mapLead({ mapping: { ...designMapping, lastName: "form_response.hidden.nope" } }, typeformPayload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead).not.toHaveProperty("lastName");
    expect(result.raw).not.toHaveProperty("lastName");
  });

  it("coerces a numeric string score through $number", async () => {
    const payload = { form_response: { ...typeformPayload.form_response, calculated: { score: "42" } } };
    const result = await mapLead({ mapping: designMapping }, payload);
    expect(result.ok && result.lead.score).toBe(42);
  });

  it("rejects, without throwing, when an expression fails at evaluation", async () => {
    const result = await mapLead({ mapping: { ...designMapping, score: "$number(form_response.hidden.company)" } }, typeformPayload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.field).toBe("score");
    expect(result.reason).toMatch(/score/);
  });

  it("rejects when an expression does not compile", async () => {
    const result = await mapLead({ mapping: { email: "form_response.hidden.email[" } }, typeformPayload);
    expect(result).toMatchObject({ ok: false, problems: [{ field: "email" }] });
  });

  it("rejects an invalid email with the field named", async () => {
    const payload = { form_response: { hidden: { email: "jane at acme" } } };
    const result = await mapLead({ mapping: designMapping }, payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([{ field: "email", message: expect.stringContaining("not a valid email") }]);
  });

  it("reads numbers without a country code in the source's defaultRegion", async () => {
    const payload = { contact: { phone: "(415) 555-0132" } };
    const mapping = { phone: "contact.phone" };
    const us = await mapLead({ mapping, defaultRegion: "US" }, payload);
    expect(us.ok && us.lead.phone).toBe("+14155550132");
    const none = await mapLead({ mapping }, payload);
    expect(none.ok && none.lead.phone).toBeUndefined();
    expect(none.ok && none.warnings[0]).toMatch(/^phone: .*defaultRegion/);
  });

  it("drops functions and keeps JSON in custom", async () => {
    const result = await mapLead({ mapping: { fn: "function($x) { $x }", list: "[1, 2]", obj: "{ 'a': true }" } }, {});
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead.custom).toEqual({ list: [1, 2], obj: { a: true } });
  });

  it("rejects a non-object mapped to custom and reserved key segments", async () => {
    const notObject = await mapLead({ mapping: { custom: "'text'" } }, {});
    expect(notObject).toMatchObject({ ok: false, problems: [{ field: "custom" }] });
    const reserved = await mapLead({ mapping: { "custom.__proto__.polluted": "'yes'" } }, {});
    expect(reserved).toMatchObject({ ok: false, problems: [{ field: "custom.__proto__.polluted" }] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("stops runaway recursion instead of hanging or throwing", async () => {
    // JSONata runs tail calls as a loop, so no stack limit stops this; inside Workers
    // the clock stands still during CPU work, so only the step budget does.
    const result = await mapLead({ mapping: { x: "($f := function($n) { $f($n + 1) }; $f(0))" } }, {});
    expect(result).toMatchObject({ ok: false, problems: [{ field: "x", message: expect.stringMatching(/evaluation steps/) }] });
  });

  it("gives each evaluation its own step count", async () => {
    // Over a thousand steps each (a lambda call per element): six leads together would
    // exceed the budget if they shared one count. Not more than six: they interleave, and
    // locally JSONata's 1 s timeout counts the others' time too (a loaded machine).
    const mapping = { score: "$sum($map([1..1000], function($v) { $v }))" };
    const results = await Promise.all(Array.from({ length: 6 }, () => mapLead({ mapping }, {})));
    for (const result of results) expect(result.ok && result.lead.score).toBe(500500);
  });

  it("compiles each expression once per isolate", async () => {
    const mapping = { "custom.unique": `'cache-probe-${crypto.randomUUID()}'` };
    const before = compiledCacheSize();
    await mapLead({ mapping }, {});
    await mapLead({ mapping }, {});
    expect(compiledCacheSize()).toBe(Math.min(before + 1, 500));
  });

  it("bounds the compiled-expression cache", () => {
    for (let i = 0; i < 700; i++) compileMapping({ x: `${i} + 1` });
    expect(compiledCacheSize()).toBe(500);
  });
});

describe("mapLead without a mapping", () => {
  it("takes top-level fields by name or common alias", async () => {
    const payload = {
      Email: "Sam@Example.org",
      first_name: "Sam",
      "Last-Name": "Lee",
      phone_number: "+44 20 7946 0958",
      company_name: "Example Ltd",
      website: "https://www.example.org/about",
      country: "United Kingdom",
      employee_count: "1,200",
      lead_score: "77",
      plan: "pro",
    };
    const result = await mapLead({}, payload);
    if (!result.ok) throw new Error(result.reason);
    expect(result.lead).toEqual({
      email: "sam@example.org",
      firstName: "Sam",
      lastName: "Lee",
      phone: "+442079460958",
      company: "Example Ltd",
      domain: "example.org",
      country: "GB",
      employees: 1200,
      score: 77,
      custom: {},
    });
  });

  it("treats an empty mapping like none", async () => {
    const result = await mapLead({ mapping: {} }, { email: "a@b.co" });
    expect(result.ok && result.lead.email).toBe("a@b.co");
  });

  it("ignores nested values and non-object payloads", () => {
    expect(defaultMapping({ email: { address: "x@y.z" } })).toEqual({ ok: true, raw: {} });
    expect(defaultMapping(["email"])).toEqual({ ok: true, raw: {} });
    expect(defaultMapping("email=x")).toEqual({ ok: true, raw: {} });
  });
});

describe("compileMapping", () => {
  it("lists each bad expression and key with its field", () => {
    const problems = compileMapping({
      email: "form_response.hidden.email",
      score: "$number(",
      company: "a..b]",
      "custom.": "1",
      "custom.constructor": "1",
    });
    expect(problems.map((p) => p.field)).toEqual(["score", "company", "custom.", "custom.constructor"]);
    for (const problem of problems) expect(problem.message).not.toBe("");
  });

  it("accepts the example Typeform mapping", () => {
    expect(compileMapping(designMapping)).toEqual([]);
  });
});
