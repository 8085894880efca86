import { beforeAll, describe, expect, it } from "vitest";
import { admin, json, readToken } from "../admin/helpers";
import { consoleFetch, formToken, page, signIn, text } from "./helpers";

const secret = `whsec_${btoa("console-destinations-secret-0123")}`;

interface Listed {
  states: Record<string, { state: string; held: number }>;
}

const stateOf = async (id: string) => (await json<Listed>(await admin("GET", "/v1/destinations", { token: readToken }))).states[id]?.state;

let session = "";

beforeAll(async () => {
  await json(await admin("PUT", "/v1/config", { body: { destinations: [{ id: "crm-hook", type: "http", url: "https://crm.example/hook", secret }] } }));
  ({ session } = await signIn());
});

describe("pausing a destination from the routing page", () => {
  it("shows each destination's state with a Pause button, then Resume once paused", async () => {
    const before = await page(await consoleFetch("GET", "/routing", { session }));
    expect(text(before)).toContain("crm-hook signed HTTP");
    expect(text(before)).toMatch(/10 s active Pause/);
    expect(before).toContain('action="/console/destinations/crm-hook/pause"');

    const paused = await consoleFetch("POST", "/destinations/crm-hook/pause", { session, form: { _csrf: await formToken(session) } });
    expect(paused.status).toBe(303);
    expect(paused.headers.get("location")).toBe("/console/routing?done=paused&destination=crm-hook");
    expect(await stateOf("crm-hook")).toBe("paused");
    const after = await page(await consoleFetch("GET", "/routing?done=paused&destination=crm-hook", { session }));
    expect(text(after)).toContain("Destination crm-hook is paused: its deliveries are held");
    expect(text(after)).toMatch(/10 s paused Resume/);
    expect(after).toContain('action="/console/destinations/crm-hook/resume"');

    const resumed = await consoleFetch("POST", "/destinations/crm-hook/resume", { session, form: { _csrf: await formToken(session) } });
    expect(resumed.headers.get("location")).toBe("/console/routing?done=resumed&destination=crm-hook");
    expect(await stateOf("crm-hook")).toBe("active");
  });

  it("refuses an unknown destination, a form sent twice and the read-only token", async () => {
    const unknown = text(await page(await consoleFetch("POST", "/destinations/nobody/pause", { session, form: { _csrf: await formToken(session) } }), 404));
    expect(unknown).toContain("There is no destination with the id 'nobody'");

    const token = await formToken(session);
    expect((await consoleFetch("POST", "/destinations/crm-hook/pause", { session, form: { _csrf: token } })).status).toBe(303);
    expect((await consoleFetch("POST", "/destinations/crm-hook/resume", { session, form: { _csrf: token } })).status).toBe(409);
    expect(await stateOf("crm-hook")).toBe("paused");

    const reader = (await signIn(readToken)).session;
    const readerPage = await page(await consoleFetch("GET", "/routing", { session: reader }));
    expect(text(readerPage)).toMatch(/10 s paused/);
    expect(readerPage).not.toContain("/destinations/crm-hook/resume");
    expect((await consoleFetch("POST", "/destinations/crm-hook/resume", { session: reader, form: { _csrf: await formToken(reader) } })).status).toBe(403);
    expect(await stateOf("crm-hook")).toBe("paused");
  });
});
