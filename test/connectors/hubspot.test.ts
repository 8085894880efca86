import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HubspotDestination } from "../../src/connectors/hubspot";
import { upsertLeads } from "../../src/connectors/hubspot";
import { nextMidnight } from "../../src/lib/zoned-time";
import type { FakeHandle } from "../fakes/client";
import type { HubspotContact } from "../fakes/hubspot";
import { delivery, jsonOf, options, privateFake } from "./fixtures";

let fake: FakeHandle;
let destination: HubspotDestination;

beforeAll(async () => {
  fake = await privateFake("hubspot", { owners: ["101", "102"] });
});
beforeEach(async () => {
  await fake.reset();
  destination = {
    id: "hubspot",
    type: "hubspot",
    token: fake.credentials.token ?? "",
    baseUrl: fake.url,
    timeoutMs: 2000,
    maxAttempts: 8,
    plan: "starter",
    accountTimeZone: "UTC",
  };
});

interface BatchBody {
  inputs: { idProperty: string; id: string; properties: Record<string, string> }[];
}

describe("HubSpot batch upsert", () => {
  it("sends one batch call with email as idProperty, string properties and the bearer token", async () => {
    const lead = delivery(
      { email: "jane@acme.example", phone: "+14155550100", domain: "acme.example", country: "US", industry: "Software", employees: 40, score: 91 },
      { ownerId: "101", properties: { lifecyclestage: "marketingqualifiedlead" } },
    );
    const [outcome] = await upsertLeads(destination, [lead], options);
    expect(outcome).toMatchObject({ ok: true, status: 200 });

    const [request] = await fake.requests();
    expect(request).toMatchObject({ method: "POST", path: "/crm/v3/objects/contacts/batch/upsert" });
    expect(request?.headers.authorization).toBe(`Bearer ${destination.token}`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(jsonOf(request!)).toEqual({
      inputs: [
        {
          idProperty: "email",
          id: "jane@acme.example",
          properties: {
            email: "jane@acme.example",
            firstname: "Jane",
            lastname: "Doe",
            company: "Acme",
            phone: "+14155550100",
            website: "acme.example",
            country: "US",
            industry: "Software",
            hubspot_owner_id: "101",
            lifecyclestage: "marketingqualifiedlead",
          },
        },
      ],
    });
  });

  it("updates the same contact on a second upsert of the email, and the owner travels", async () => {
    const [first] = await upsertLeads(destination, [delivery({ email: "sam@acme.example", firstName: "Sam" }, { ownerId: "101" })], options);
    const [second] = await upsertLeads(destination, [delivery({ email: "SAM@acme.example", firstName: "Samuel" }, { ownerId: "102" })], options);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
    expect(first?.ok && second?.ok && second.externalId).toBe(first?.ok && first.externalId);

    const contacts = await fake.records<HubspotContact[]>();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties).toMatchObject({ email: "sam@acme.example", firstname: "Samuel", hubspot_owner_id: "102" });
  });

  it("puts many leads into as few calls as the 100-input limit allows and maps results back by email", async () => {
    const deliveries = Array.from({ length: 150 }, (_, i) => delivery({ email: `bulk${i}@acme.example` }, { ownerId: "101" }));
    const outcomes = await upsertLeads(destination, deliveries, options);

    const requests = await fake.requests();
    expect(requests.map((r) => (jsonOf(r) as BatchBody).inputs.length)).toEqual([100, 50]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // The fake answers in reverse order; each outcome must still carry its own contact.
    const contacts = await fake.records<HubspotContact[]>();
    const idByEmail = new Map(contacts.map((c) => [c.properties.email, c.id]));
    outcomes.forEach((outcome, i) => {
      expect(outcome.ok && outcome.externalId).toBe(idByEmail.get(`bulk${i}@acme.example`));
    });
  });

  it("merges deliveries with the same email into one input (HubSpot rejects duplicate ids)", async () => {
    const a = delivery({ email: "dup@acme.example", firstName: "Ann" }, { ownerId: "101" });
    const b = delivery({ email: "dup@acme.example", firstName: "Anna", company: undefined }, { properties: { lifecyclestage: "lead" } });
    const outcomes = await upsertLeads(destination, [a, b], options);

    const [request] = await fake.requests();
    const body = jsonOf(request!) as BatchBody;
    expect(body.inputs).toHaveLength(1);
    expect(body.inputs[0]?.properties).toMatchObject({ firstname: "Anna", hubspot_owner_id: "101", company: "Acme", lifecyclestage: "lead" });
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toMatchObject({ ok: true });
  });

  it("maps a 207 back per contact: named results succeed, inputs named in errors fail permanently", async () => {
    const body = {
      status: "COMPLETE",
      results: [{ id: "7", properties: { email: "ok@acme.example" } }],
      numErrors: 1,
      errors: [{ status: "error", category: "VALIDATION_ERROR", message: "Property values were not valid", context: { ids: ["BAD@acme.example"] } }],
    };
    await fake.fault({ status: 207, body: JSON.stringify(body) });
    const outcomes = await upsertLeads(
      destination,
      [delivery({ email: "ok@acme.example" }), delivery({ email: "bad@acme.example" }), delivery({ email: "lost@acme.example" })],
      options,
    );
    expect(outcomes[0]).toMatchObject({ ok: true, status: 207, externalId: "7" });
    expect(outcomes[1]).toMatchObject({
      ok: false,
      retryable: false,
      status: 207,
      error: "HubSpot VALIDATION_ERROR for this contact: Property values were not valid",
    });
    expect(outcomes[2]).toMatchObject({ ok: false, retryable: true, error: "malformed response: contact missing from HubSpot's results" });
  });

  it("counts every input of a 200 without errors as written, even when a result does not echo its email", async () => {
    await fake.fault({ status: 200, body: JSON.stringify({ status: "COMPLETE", results: [{ id: "9", properties: {} }] }) });
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: true, status: 200 }]);
  });

  it("fails a lead without email permanently and sends the others", async () => {
    const outcomes = await upsertLeads(destination, [delivery({ email: undefined }), delivery()], options);
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: false });
    expect(outcomes[1]).toMatchObject({ ok: true });
    expect(await fake.requests()).toHaveLength(1);

    expect(await upsertLeads(destination, [delivery({ email: undefined })], options)).toMatchObject([{ ok: false, retryable: false }]);
    expect(await fake.requests()).toHaveLength(1);
  });
});

describe("HubSpot failures", () => {
  it("treats a wrong token as permanent (401 INVALID_AUTHENTICATION), one request, no retry", async () => {
    const outcomes = await upsertLeads({ ...destination, token: "pat-wrong" }, [delivery(), delivery()], options);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401, error: "HTTP 401 INVALID_AUTHENTICATION" });
      expect(JSON.stringify(outcome)).not.toContain("pat-wrong");
    }
    expect(await fake.requests()).toHaveLength(1);
  });

  it("holds the destination for HubSpot's ten-second window on a TEN_SECONDLY_ROLLING 429 (HubSpot sends no Retry-After)", async () => {
    const limited = await privateFake("hubspot", { rateLimit: { requests: 2, perMs: 10_000 } });
    const dest = { ...destination, baseUrl: limited.url, token: limited.credentials.token ?? "" };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(...(await upsertLeads(dest, [delivery()], options)));
    expect(outcomes.slice(0, 2).every((o) => o.ok)).toBe(true);
    const third = outcomes[2];
    expect(third).toMatchObject({
      ok: false,
      retryable: true,
      status: 429,
      error: "HTTP 429 RATE_LIMIT",
      hold: { policy: "TEN_SECONDLY_ROLLING", daily: false },
    });
    expect(third?.ok === false && third.retryAfterSeconds).toBeUndefined();
    const until = third?.ok === false ? (third.hold?.untilMs ?? 0) : 0;
    expect(until - Date.now()).toBeGreaterThan(8_000);
    expect(until - Date.now()).toBeLessThanOrEqual(10_000);
  });

  it("holds the destination until HubSpot says the daily limit resets on a DAILY 429", async () => {
    const resetsAt = new Date(Date.now() + 5 * 3_600_000).toISOString();
    const limited = await privateFake("hubspot", { dailyLimit: 1, dailyResetsAt: resetsAt });
    const dest = { ...destination, baseUrl: limited.url, token: limited.credentials.token ?? "" };
    expect(await upsertLeads(dest, [delivery()], options)).toMatchObject([{ ok: true }]);
    const outcomes = await upsertLeads(dest, [delivery(), delivery()], options);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, retryable: true, status: 429, hold: { policy: "DAILY", daily: true, untilMs: Date.parse(resetsAt) } });
    }
    expect((await limited.requests()).map((r) => r.path)).toEqual([
      "/crm/v3/objects/contacts/batch/upsert",
      "/crm/v3/objects/contacts/batch/upsert",
      "/account-info/v3/api-usage/daily/private-apps",
    ]);
  });

  it("holds it until midnight in the account's time zone when HubSpot does not say when", async () => {
    const limited = await privateFake("hubspot", { dailyLimit: 1 });
    const dest = { ...destination, baseUrl: limited.url, token: limited.credentials.token ?? "", accountTimeZone: "America/New_York" };
    expect(await upsertLeads(dest, [delivery()], options)).toMatchObject([{ ok: true }]);
    await limited.fault({ status: 403, path: "/account-info/" });
    const [outcome] = await upsertLeads(dest, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 429, hold: { policy: "DAILY", daily: true } });
    const until = outcome?.ok === false ? (outcome.hold?.untilMs ?? 0) : 0;
    expect(until).toBe(nextMidnight(Date.now(), "America/New_York"));
  });

  it("retries 5xx", async () => {
    await fake.fault({ status: 503, count: 2 });
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: false, retryable: true, status: 503 }]);
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: false, retryable: true, status: 503 }]);
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: true }]);
  });

  it("retries a response slower than timeoutMs", async () => {
    await fake.fault({ delayMs: 1000, count: 1 });
    const [outcome] = await upsertLeads({ ...destination, timeoutMs: 150 }, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, error: "timeout after 150 ms" });
  });

  it("retries a 2xx whose body is not a batch response (the upsert is idempotent)", async () => {
    await fake.fault({ malformed: true });
    const [outcome] = await upsertLeads(destination, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 200 });
    expect(outcome?.ok === false && outcome.error).toMatch(/^malformed response/);
  });

  it("fails a contact HubSpot refuses for good with HubSpot's message (unknown property)", async () => {
    const [unknown] = await upsertLeads(destination, [delivery({}, { properties: { favourite_colour: "teal" } })], options);
    expect(unknown).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(unknown?.ok === false && unknown.error).toMatch(/^HTTP 400 VALIDATION_ERROR: Property values were not valid: .*PROPERTY_DOESNT_EXIST/);
    expect(await fake.records<HubspotContact[]>()).toHaveLength(0);
  });

  it("refuses http:// unless allowed, without a request", async () => {
    const [outcome] = await upsertLeads(destination, [delivery()], { allowHttp: false });
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("HubSpot fake contract: ids", () => {
  it("rejects duplicate ids in one batch and non-email idProperty like the API", async () => {
    const send = (inputs: unknown[]) =>
      fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, {
        method: "POST",
        headers: { authorization: `Bearer ${destination.token}`, "content-type": "application/json" },
        body: JSON.stringify({ inputs }),
      });
    const duplicate = await send([
      { idProperty: "email", id: "x@acme.example", properties: {} },
      { idProperty: "email", id: "X@acme.example", properties: {} },
    ]);
    expect(duplicate.status).toBe(400);
    expect(await duplicate.json()).toMatchObject({ category: "VALIDATION_ERROR" });
    const wrongKey = await send([{ idProperty: "firstname", id: "x", properties: {} }]);
    expect(wrongKey.status).toBe(400);
    const noAuth = await fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, { method: "POST", body: "{}" });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
  });
});

/** The batch sizes the connector sent, in order. */
async function batchSizes(): Promise<number[]> {
  return (await fake.requests()).map((r) => (jsonOf(r) as BatchBody).inputs.length);
}

describe("HubSpot per-record outcomes: a refused batch never fails the inputs HubSpot did not object to", () => {
  it("lands the 99 good inputs of a 100-input batch with one bad input, and fails that one with HubSpot's message", async () => {
    // An unknown property: HubSpot's message names the property, not the input, so
    // the batch is halved until the input stands alone.
    const deliveries = Array.from({ length: 100 }, (_, i) =>
      delivery({ email: `split${i}@acme.example` }, i === 61 ? { properties: { favourite_colour: "teal" } } : {}),
    );
    const outcomes = await upsertLeads(destination, deliveries, options);

    expect(outcomes.filter((o) => o.ok)).toHaveLength(99);
    const bad = outcomes[61];
    expect(bad).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(bad?.ok === false && bad.error).toMatch(/Property \\"favourite_colour\\" does not exist/);
    const contacts = await fake.records<HubspotContact[]>();
    expect(contacts).toHaveLength(99);
    expect(contacts.some((c) => c.properties.email === "split61@acme.example")).toBe(false);
    // Halves until the bad input stands alone (⌈log2 100⌉ = 7 splits); a half that
    // is known to hold it (its sibling landed) is split without being sent.
    expect(await batchSizes()).toEqual([100, 50, 25, 13, 7, 3, 2, 1, 1, 12, 25]);
  });

  it("uses the input HubSpot's message names to go faster, and still sends the others", async () => {
    const deliveries = Array.from({ length: 100 }, (_, i) => delivery({ email: i === 7 ? "not-an-email" : `named${i}@acme.example` }));
    const outcomes = await upsertLeads(destination, deliveries, options);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(99);
    expect(outcomes[7]).toMatchObject({ ok: false, retryable: false });
    expect(outcomes[7]?.ok === false && outcomes[7].error).toContain("Email address not-an-email is invalid");
    // The whole batch, then the 99 the message does not name; the named one is refused without another call.
    expect(await batchSizes()).toEqual([100, 99]);
  });

  it("separates several bad inputs (bad email, bad option, unknown property) and lands every other one", async () => {
    const deliveries = Array.from({ length: 40 }, (_, i) => delivery({ email: `many${i}@acme.example` }));
    deliveries[3] = delivery({ email: "many3@@acme" });
    deliveries[17] = delivery({ email: "many17@acme.example" }, { properties: { lifecyclestage: "nope" } });
    deliveries[30] = delivery({ email: "many30@acme.example" }, { properties: { favourite_colour: "teal" } });
    const outcomes = await upsertLeads(destination, deliveries, options);
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [i]));
    expect(failed).toEqual([3, 17, 30]);
    expect(await fake.records<HubspotContact[]>()).toHaveLength(37);
  });

  it("does not split a batch that failed for another reason than its inputs (5xx): every input retries", async () => {
    await fake.fault({ status: 503, count: 1 });
    const outcomes = await upsertLeads(destination, [delivery(), delivery()], options);
    expect(outcomes).toMatchObject([
      { ok: false, retryable: true },
      { ok: false, retryable: true },
    ]);
    expect(await fake.requests()).toHaveLength(1);
  });
});

describe("HubSpot owner refusal", () => {
  it("writes a lead whose owner HubSpot does not know with the pool's fallback owner, and says so", async () => {
    const deliveries = [
      delivery({ email: "known@acme.example" }, { ownerId: "101" }),
      delivery({ email: "unknown@acme.example" }, { ownerId: "999", fallbackOwnerId: "102" }),
    ];
    const outcomes = await upsertLeads(destination, deliveries, options);
    expect(outcomes[0]).toMatchObject({ ok: true });
    expect(outcomes[0]?.ok && outcomes[0].ownerFallback).toBeUndefined();
    expect(outcomes[1]).toMatchObject({ ok: true, ownerFallback: { refusedOwnerId: "999", ownerId: "102" } });
    expect(outcomes[1]?.ok && outcomes[1].ownerFallback?.message).toContain("hubspot_owner_id");
    const contacts = await fake.records<HubspotContact[]>();
    expect(Object.fromEntries(contacts.map((c) => [c.properties.email, c.properties.hubspot_owner_id]))).toEqual({
      "known@acme.example": "101",
      "unknown@acme.example": "102",
    });
  });

  it("writes it without an owner when there is no fallback, or the fallback is refused too", async () => {
    const outcomes = await upsertLeads(
      destination,
      [
        delivery({ email: "nofallback@acme.example" }, { ownerId: "999" }),
        delivery({ email: "badfallback@acme.example" }, { ownerId: "998", fallbackOwnerId: "997" }),
      ],
      options,
    );
    expect(outcomes[0]).toMatchObject({ ok: true, ownerFallback: { refusedOwnerId: "999" } });
    expect(outcomes[1]).toMatchObject({ ok: true, ownerFallback: { refusedOwnerId: "998" } });
    expect(outcomes.map((o) => o.ok && o.ownerFallback?.ownerId)).toEqual([undefined, undefined]);
    const contacts = await fake.records<HubspotContact[]>();
    expect(contacts.map((c) => c.properties.hubspot_owner_id)).toEqual([undefined, undefined]);
  });

  it("fails a lead refused for its owner and something else with HubSpot's message about the rest", async () => {
    const [outcome] = await upsertLeads(destination, [delivery({}, { ownerId: "999", properties: { lifecyclestage: "nope" } })], options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(outcome?.ok === false && outcome.error).toContain("nope was not one of the allowed options");
    expect(await fake.records<HubspotContact[]>()).toHaveLength(0);
  });
});

describe("HubSpot fake contract", () => {
  const send = (inputs: unknown[]) =>
    fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: "POST",
      headers: { authorization: `Bearer ${destination.token}`, "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    });

  it("refuses a batch whole for one invalid input, and answers 207 only when every input carries an objectWriteTraceId", async () => {
    const good = { idProperty: "email", id: "good@acme.example", properties: {} };
    const bad = { idProperty: "email", id: "bad@acme.example", properties: { hubspot_owner_id: "999" } };
    const whole = await send([good, bad]);
    expect(whole.status).toBe(400);
    expect(await whole.json()).toMatchObject({ status: "error", category: "VALIDATION_ERROR", message: expect.stringContaining("INVALID_OWNER_ID") });
    expect(await fake.records<HubspotContact[]>()).toHaveLength(0);

    const multi = await send([
      { ...good, objectWriteTraceId: "a" },
      { ...bad, objectWriteTraceId: "b" },
    ]);
    expect(multi.status).toBe(207);
    const body = (await multi.json()) as { results: { objectWriteTraceId: string }[]; errors: { context: Record<string, string[]> }[] };
    expect(body.results.map((r) => r.objectWriteTraceId)).toEqual(["a"]);
    expect(body.errors.map((e) => e.context.objectWriteTraceId)).toEqual([["b"]]);
    expect(await fake.records<HubspotContact[]>()).toHaveLength(1);
  });

  it("answers 429 with X-HubSpot-RateLimit-* headers and a policyName, never Retry-After", async () => {
    const limited = await privateFake("hubspot", { rateLimit: { requests: 1, perMs: 10_000 }, dailyLimit: 1000 });
    const call = () =>
      fetch(`${limited.url}/crm/v3/objects/contacts/batch/upsert`, {
        method: "POST",
        headers: { authorization: `Bearer ${destination.token}`, "content-type": "application/json" },
        body: JSON.stringify({ inputs: [] }),
      });
    const first = await call();
    expect(first.headers.get("x-hubspot-ratelimit-max")).toBe("1");
    expect(first.headers.get("x-hubspot-ratelimit-daily-remaining")).toBe("999");
    const second = await call();
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBeNull();
    expect(second.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    expect(second.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");
    expect(await second.json()).toMatchObject({ status: "error", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" });
  });
});

describe("nextMidnight", () => {
  it.each([
    ["UTC", "2026-12-06T08:00:00Z", "2026-12-07T00:00:00.000Z"],
    ["America/New_York", "2026-12-06T08:00:00Z", "2026-12-07T05:00:00.000Z"],
    ["America/New_York", "2026-12-07T03:00:00Z", "2026-12-07T05:00:00.000Z"],
    // The night the clocks go forward: midnight is still at the old offset.
    ["Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-28T23:00:00.000Z"],
    ["Asia/Kolkata", "2026-12-06T20:00:00Z", "2026-12-07T18:30:00.000Z"],
  ])("in %s after %s is %s", (zone, now, expected) => {
    expect(new Date(nextMidnight(Date.parse(now), zone)).toISOString()).toBe(expected);
  });
});

describe("HubSpot owner refusal, many leads", () => {
  it("writes every lead of the unknown owner with the fallback owner", async () => {
    const deliveries = Array.from({ length: 60 }, (_, i) =>
      delivery({ email: `pool${i}@acme.example` }, { ownerId: ["101", "102", "999"][i % 3], ...(i % 3 === 0 ? {} : { fallbackOwnerId: "101" }) }),
    );
    const outcomes = await upsertLeads(destination, deliveries, options);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const owners = (await fake.records<HubspotContact[]>()).map((c) => c.properties.hubspot_owner_id);
    expect(owners.filter((o) => o === "101")).toHaveLength(40);
    expect(outcomes.filter((o) => o.ok && o.ownerFallback?.refusedOwnerId)).toHaveLength(20);
    // Refused whole; the 40 the message does not name land; the 20 it names go again together, with the fallback owner.
    expect(await batchSizes()).toEqual([60, 40, 20]);
  });
});

describe("HubSpot's message as a hint", () => {
  it("takes an owner id as quoted only as a whole word: owner 101 is not the refused 1010", async () => {
    const outcomes = await upsertLeads(
      destination,
      [
        delivery({ email: "keeps@acme.example" }, { ownerId: "101", fallbackOwnerId: "102" }),
        delivery({ email: "refused@acme.example" }, { ownerId: "1010", fallbackOwnerId: "102" }),
        delivery({ email: "other@acme.example" }, { ownerId: "102" }),
      ],
      options,
    );
    expect(outcomes.map((o) => o.ok && (o.ownerFallback?.refusedOwnerId ?? "own"))).toEqual(["own", "1010", "own"]);
    const contacts = await fake.records<HubspotContact[]>();
    expect(Object.fromEntries(contacts.map((c) => [c.properties.email, c.properties.hubspot_owner_id]))).toEqual({
      "keeps@acme.example": "101",
      "refused@acme.example": "102",
      "other@acme.example": "102",
    });
    expect(await batchSizes()).toEqual([3, 2, 1]);
  });
});
