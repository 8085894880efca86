import { beforeAll, describe, expect, it } from "vitest";
import { admin, json } from "../admin/helpers";
import { configure, eventsOf, postSigned, routeQueued, standardSecret } from "../helpers";

// The leads that used to hold the routing consumer and the isolate: a company of
// 40 × "a" + "!" against (a|a)*$ in a route and in a mapping, and a mapping told to
// pad to 1e8 characters. Routed in one batch with 20 ordinary leads, each ends at
// once and the ordinary ones are routed as usual.

const hostileCompany = `${"a".repeat(40)}!`;

const lead = (email: string, company: string, width = 0) => ({
  event_id: crypto.randomUUID(),
  form_response: { hidden: { email, company, width } },
});

beforeAll(async () => {
  await configure({
    sources: [
      {
        id: "forms",
        provider: "standard-webhooks",
        secrets: [standardSecret],
        mapping: {
          email: "form_response.hidden.email",
          company: "form_response.hidden.company",
          "custom.tail": "$match(form_response.hidden.company, /(a|a)*$/).match",
          "custom.padded": "$length($pad('x', form_response.hidden.width))",
        },
      },
    ],
    routes: [
      { id: "hostile", when: { field: "company", op: "matches", value: "(a|a)*$" }, actions: [] },
      { id: "never", when: { field: "company", op: "matches", value: "^(a|a?)+$" }, actions: [] },
    ],
  });
});

describe("hostile leads in a routing batch", () => {
  it("end at once, alone; the 20 ordinary leads behind them are routed", async () => {
    await postSigned("forms", lead("regex@hostile.dev", hostileCompany));
    await postSigned("forms", lead("pad@hostile.dev", "Padding Inc", 1e8));
    for (let i = 0; i < 20; i++) await postSigned("forms", lead(`lead${i}@acme.dev`, `Acme ${i}`, 3));

    const { result } = await routeQueued("forms");
    expect(result.retryMessages).toEqual([]);

    const events = await eventsOf("forms");
    expect(events).toHaveLength(22);
    const bodyOf = (event: (typeof events)[number]) => (event.body ? new TextDecoder().decode(event.body) : "");
    const byEmail = (email: string) => events.find((e) => bodyOf(e).includes(email));
    // (a|a)*$ matches every value (at its end); on RE2 that is found in linear time.
    expect(byEmail("regex@hostile.dev")?.status).toBe("routed");
    const padded = byEmail("pad@hostile.dev");
    expect(padded?.status).toBe("invalid");
    expect(padded?.statusReason).toMatch(/custom\.padded: \$pad would build 99999999 characters/);
    const ordinary = events.filter((e) => bodyOf(e).includes("@acme.dev"));
    expect(ordinary).toHaveLength(20);
    for (const event of ordinary) expect(event.status).toBe("routed");
  }, 60_000);

  it("simulate shows the same, with the hostile leaf in the trace", async () => {
    const response = await admin("POST", "/v1/simulate", { body: { source: "forms", payload: lead("sim@hostile.dev", hostileCompany) } });
    const result = await json<{ status: string; routeId: string; lead: { custom: Record<string, unknown> }; trace: { explain: string[] } }>(response);
    expect(result).toMatchObject({ status: "routed", routeId: "hostile", lead: { custom: { tail: "", padded: 1 } } });
    expect(result.trace.explain).toContainEqual(expect.stringMatching(/^route hostile: matched/));
  });
});
