import { beforeAll, describe, expect, it } from "vitest";
import { localTime } from "../../src/assign/availability";
import { admin, json, readToken } from "../admin/helpers";
import { consoleFetch, formToken, page, signIn, text } from "./helpers";

const weekdays = { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] };

const document = {
  sources: [{ id: "forms", provider: "none" }],
  owners: [
    { id: "101", name: "Ada", timeZone: "Europe/Berlin", workingHours: weekdays },
    { id: "102", name: "Grace", timeZone: "America/New_York", workingHours: weekdays },
    { id: "103", name: "Hiro", timeZone: "Asia/Tokyo", workingHours: weekdays },
  ],
  pools: [{ id: "global", availability: "working_hours", fallbackOwnerId: "900", members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "103" }] }],
  routes: [{ id: "all", when: { always: true }, actions: [{ assign: { pool: "global" } }] }],
};

interface OwnerStatus {
  id: string;
  away: boolean;
  runtimeAway?: { until: string; reason?: string };
}

async function owner(id: string): Promise<OwnerStatus | undefined> {
  return (await json<{ items: OwnerStatus[] }>(await admin("GET", "/v1/owners"))).items.find((o) => o.id === id);
}

let session = "";

beforeAll(async () => {
  await json(await admin("PUT", "/v1/config", { body: document }));
  ({ session } = await signIn());
});

describe("owners on the routing page", () => {
  it("lists each owner with their local time, zone, pools and whether they can take leads now", async () => {
    const html = await page(await consoleFetch("GET", "/routing", { session }));
    const words = text(html);
    expect(words).toContain("Owners now");
    for (const [id, name, zone] of [
      ["101", "Ada", "Europe/Berlin"],
      ["102", "Grace", "America/New_York"],
      ["103", "Hiro", "Asia/Tokyo"],
    ] as const) {
      // The page and this line read the clock a moment apart: either minute is right.
      const now = Date.now();
      const labels = [localTime(zone, now - 60_000).label, localTime(zone, now).label, localTime(zone, now + 60_000).label];
      expect(labels.some((label) => words.includes(`${name} ${id} ${label} ${zone}`))).toBe(true);
    }
    // 900 is only named by the pool: always available, in UTC.
    expect(words).toMatch(/900 \w{3} \d\d:\d\d UTC available yes global/);
    expect(html).toContain('action="/console/owners/101/away"');
    expect(html).toContain('<input id="away-101-until" name="until" type="datetime-local" required=""');
    expect(html).not.toContain("End time away");
  });

  it("sets an owner away until a time in their own zone, with a reason, then ends it", async () => {
    const response = await consoleFetch("POST", "/owners/101/away", {
      session,
      form: { _csrf: await formToken(session), until: "2099-01-02T09:00", reason: "home sick" },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/routing?done=away&owner=101");
    // 09:00 in Berlin in winter is 08:00 UTC.
    expect(await owner("101")).toMatchObject({ away: true, runtimeAway: { until: "2099-01-02T08:00:00.000Z", reason: "home sick" } });

    const words = text(await page(await consoleFetch("GET", "/routing?done=away&owner=101", { session })));
    expect(words).toContain("Owner 101 is set away: pools skip them from now on");
    expect(words).toContain("away no: away until 2099-01-02T08:00Z (home sick) (set away until 2099-01-02 08:00:00 UTC: home sick)");
    expect(words).toContain("End time away");

    const end = await consoleFetch("POST", "/owners/101/away/end", { session, form: { _csrf: await formToken(session) } });
    expect(end.status).toBe(303);
    expect(end.headers.get("location")).toBe("/console/routing?done=back&owner=101");
    expect(await owner("101")).toMatchObject({ away: false });
    expect((await owner("101"))?.runtimeAway).toBeUndefined();
    expect(text(await page(await consoleFetch("GET", "/routing?done=back&owner=101", { session })))).toContain("Owner 101 is back");
  });

  it("takes ISO text with an offset as well", async () => {
    const response = await consoleFetch("POST", "/owners/102/away", { session, form: { _csrf: await formToken(session), until: "2099-03-01T12:00:00Z" } });
    expect(response.status).toBe(303);
    expect(await owner("102")).toMatchObject({ away: true, runtimeAway: { until: "2099-03-01T12:00:00.000Z" } });
    expect((await owner("102"))?.runtimeAway?.reason).toBeUndefined();
    await json(await admin("DELETE", "/v1/owners/102/away"));
  });

  it("refuses a time in the past, an unreadable one and an unknown owner, as pages", async () => {
    const past = text(
      await page(await consoleFetch("POST", "/owners/103/away", { session, form: { _csrf: await formToken(session), until: "2001-01-01T09:00" } }), 422),
    );
    expect(past).toContain("`until` must be in the future");
    const garbled = text(
      await page(await consoleFetch("POST", "/owners/103/away", { session, form: { _csrf: await formToken(session), until: "tomorrow" } }), 422),
    );
    expect(garbled).toContain("neither YYYY-MM-DDTHH:MM nor ISO 8601");
    const unknown = text(
      await page(await consoleFetch("POST", "/owners/nobody/away", { session, form: { _csrf: await formToken(session), until: "2099-01-01T09:00" } }), 404),
    );
    expect(unknown).toContain("No owner has the id 'nobody'");
    expect((await owner("103"))?.away).toBe(false);
  });

  it("spends each form token once and keeps the read-only token out", async () => {
    const token = await formToken(session);
    expect((await consoleFetch("POST", "/owners/103/away", { session, form: { _csrf: token, until: "2099-01-01T09:00" } })).status).toBe(303);
    expect((await consoleFetch("POST", "/owners/103/away/end", { session, form: { _csrf: token } })).status).toBe(409);
    expect((await owner("103"))?.away).toBe(true);
    await json(await admin("DELETE", "/v1/owners/103/away"));

    const reader = (await signIn(readToken)).session;
    const readerPage = await page(await consoleFetch("GET", "/routing", { session: reader }));
    expect(readerPage).not.toContain("Set away");
    expect(
      (await consoleFetch("POST", "/owners/103/away", { session: reader, form: { _csrf: await formToken(reader), until: "2099-01-01T09:00" } })).status,
    ).toBe(403);
    expect((await owner("103"))?.away).toBe(false);
  });
});

describe("the simulator at a moment", () => {
  async function simulate(at: string, zone: string, status = 200) {
    return text(
      await page(
        await consoleFetch("POST", "/simulate", {
          session,
          form: { _csrf: await formToken(session), source: "forms", payload: '{"email": "when@acme.example"}', at, zone },
        }),
        status,
      ),
    );
  }

  it("offers the owners' zones and reads a wall clock in the chosen one", async () => {
    const form = await page(await consoleFetch("GET", "/simulate", { session }));
    for (const zone of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]) expect(form).toContain(`<option value="${zone}"`);
    // Monday 2026-12-07 09:30 in Berlin is 08:30 UTC: only Ada is at work.
    const berlinMorning = await simulate("2026-12-07T09:30", "Europe/Berlin");
    expect(berlinMorning).toContain("at 2026-12-07 08:30:00 UTC");
    expect(berlinMorning).toMatch(/Owner 101 from pool global/);
    // 23:30 UTC on Monday: nobody is at work, the fallback owner takes it.
    expect(await simulate("2026-12-07T23:30:00Z", "Asia/Tokyo")).toMatch(/Owner 900 from pool global \(the pool's fallback owner\)/);
    // Tuesday 09:30 in Tokyo is Tuesday 00:30 UTC: Hiro's morning.
    expect(await simulate("2026-12-08T09:30", "Asia/Tokyo")).toMatch(/Owner 103 from pool global/);
  });

  it("says what is wrong with the moment and keeps what was typed", async () => {
    const html = await page(
      await consoleFetch("POST", "/simulate", {
        session,
        form: { _csrf: await formToken(session), source: "forms", payload: "{}", at: "2026-12-07T09:30", zone: "Mars/Olympus" },
      }),
      422,
    );
    expect(text(html)).toContain("at: 'Mars/Olympus' is not an IANA time zone");
    expect(html).toContain('value="2026-12-07T09:30"');
  });
});
