import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { bodyKey, bodyStoreOf, defaultBodyThresholdBytes } from "../../src/db/event-bodies";
import { dropEventBodies } from "../../src/db/retention";
import { events } from "../../src/db/schema";
import { runRetention } from "../../src/retention/run";
import { admin, json, problem } from "../admin/helpers";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import { flushInbox, post, routeAndDeliverEvents } from "../helpers";

const db = createDb(env.DB);
const dayMs = 86_400_000;
const hookSecret = `whsec_${btoa("bodies-secret-0123456789abcdef")}`;
let fetchSpy: MockInstance<typeof fetch>;

/** A JSON body of about `kib` KiB whose lead is `email`. */
function payload(email: string, kib: number): string {
  const base = JSON.stringify({ email, score: 90, notes: "" });
  return JSON.stringify({ email, score: 90, notes: "n".repeat(Math.max(0, kib * 1024 - base.length)) });
}

async function send(sourceId: string, body: string): Promise<string> {
  const response = await post(`/in/${sourceId}`, body, { "content-type": "application/json" });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  await flushInbox(sourceId);
  return id;
}

async function row(id: string) {
  const [found] = await db.select().from(events).where(eq(events.id, id));
  if (!found) throw new Error(`no event ${id}`);
  return found;
}

async function objectText(key: string): Promise<string | null> {
  const object = await env.BODIES.get(key);
  return object ? object.text() : null;
}

beforeAll(async () => {
  fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok", { status: 200 }));
  await json(
    await admin("PUT", "/v1/config", {
      body: {
        sources: [
          { id: "forms", provider: "none" },
          { id: "short", provider: "none", retentionDays: 1 },
          { id: "long", provider: "none", retentionDays: 60 },
          { id: "plain", provider: "none" },
        ],
        destinations: [{ id: "hook", type: "http", url: "http://127.0.0.1:9/hook", secret: hookSecret }],
        routes: [{ id: "all", when: { always: true }, actions: [{ forward: { destination: "hook" } }] }],
        settings: { retentionDays: 30 },
      },
    }),
  );
});

afterAll(() => fetchSpy.mockRestore());

describe("where an event's body is stored", () => {
  it("defaults to 64 KiB and reads BODY_R2_THRESHOLD_BYTES", () => {
    expect(bodyStoreOf(env).thresholdBytes).toBe(64 * 1024);
    expect(bodyStoreOf({ BODIES: env.BODIES, BODY_R2_THRESHOLD_BYTES: "1000" }).thresholdBytes).toBe(1000);
    expect(bodyStoreOf({ BODIES: env.BODIES, BODY_R2_THRESHOLD_BYTES: "lots" }).thresholdBytes).toBe(defaultBodyThresholdBytes);
  });

  it("writes a 100 KiB body to R2 and routes, shows and replays it as if it were in D1", async () => {
    const body = payload("big@example.com", 100);
    const id = await send("forms", body);

    const stored = await row(id);
    expect(stored).toMatchObject({ body: null, bodyRef: bodyKey("forms", id), bodySize: body.length });
    expect(await objectText(bodyKey("forms", id))).toBe(body);

    await routeAndDeliverEvents([id]);
    expect(await row(id)).toMatchObject({ status: "routed", routeId: "all" });
    expect(JSON.parse((await row(id)).lead ?? "{}")).toMatchObject({ email: "big@example.com" });
    const forwarded = fetchSpy.mock.calls.map(([, init]) => String(init?.body ?? ""));
    expect(forwarded.some((text) => text.includes("big@example.com"))).toBe(true);

    const detail = await json<{ body: string; bodyKept: boolean; bodyStoredIn: string; bodySize: number }>(await admin("GET", `/v1/events/${id}`));
    expect(detail).toMatchObject({ body, bodyKept: true, bodyStoredIn: "r2", bodySize: body.length });
    const listed = await json<{ items: { id: string; bodyKept: boolean }[] }>(await admin("GET", "/v1/events?source=forms"));
    expect(listed.items.find((item) => item.id === id)?.bodyKept).toBe(true);
    const { session } = await signIn();
    const html = text(await page(await consoleFetch("GET", `/events/${id}`, { session })));
    expect(html).toContain(`application/json, ${body.length} bytes, kept in R2.`);
    expect(html).toContain("big@example.com");
    expect(html).not.toContain("Retention has dropped the body.");

    const replay = await json<{ id: string }>(await admin("POST", `/v1/events/${id}/replay`), 202);
    // The replay names the same object: nothing is copied.
    expect(await row(replay.id)).toMatchObject({ body: null, bodyRef: bodyKey("forms", id), replayOf: id });
    await routeAndDeliverEvents([replay.id]);
    expect(await row(replay.id)).toMatchObject({ status: "routed", routeId: "all" });
  });

  it("writes no row until its object is in R2: a failed put leaves the event in the inbox for the next flush", async () => {
    const put = vi.spyOn(env.BODIES, "put").mockRejectedValueOnce(new Error("R2 unavailable"));
    const body = payload("retry@example.com", 100);
    const response = await post("/in/forms", body, { "content-type": "application/json" });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await flushInbox("forms");
    expect(put).toHaveBeenCalledTimes(1);
    expect(await db.select({ id: events.id }).from(events).where(eq(events.id, id))).toEqual([]);
    expect(await env.SOURCE_INBOX.getByName("forms").pending()).toBe(1);

    await flushInbox("forms");
    put.mockRestore();
    expect(await row(id)).toMatchObject({ body: null, bodyRef: bodyKey("forms", id) });
    expect(await objectText(bodyKey("forms", id))).toBe(body);
    expect(await env.SOURCE_INBOX.getByName("forms").pending()).toBe(0);
  });

  it("keeps a body at or under the threshold in the D1 row", async () => {
    const body = payload("small@example.com", 2);
    const id = await send("forms", body);
    const stored = await row(id);
    expect(stored.bodyRef).toBeNull();
    expect(new TextDecoder().decode(stored.body ?? new Uint8Array())).toBe(body);
    expect(await env.BODIES.head(bodyKey("forms", id))).toBeNull();
    const detail = await json<{ bodyStoredIn: string }>(await admin("GET", `/v1/events/${id}`));
    expect(detail.bodyStoredIn).toBe("d1");
  });
});

describe("retention", () => {
  it("refuses a source's retentionDays outside 1–3650", async () => {
    for (const retentionDays of [0, 3651, 1.5]) {
      const refused = await problem(await admin("PUT", "/v1/sources/odd", { body: { id: "odd", provider: "none", retentionDays } }), 422);
      expect(refused.problems?.map((p) => p.pointer)).toContain("/retentionDays");
    }
  });

  it("drops each body after its source's retentionDays, else settings.retentionDays, from D1 and from R2", async () => {
    const ids = {
      shortBig: await send("short", payload("sb@example.com", 100)),
      shortSmall: await send("short", payload("ss@example.com", 1)),
      plainBig: await send("plain", payload("pb@example.com", 100)),
      plainSmall: await send("plain", payload("ps@example.com", 1)),
      longBig: await send("long", payload("lb@example.com", 100)),
    };
    const kept = async (id: string) => {
      const stored = await row(id);
      const object = await env.BODIES.head(bodyKey(stored.sourceId, id));
      return { d1: stored.body !== null || stored.bodyRef !== null, r2: object !== null };
    };

    // Two days on: past `short`'s one day, within the global 30.
    await runRetention(env, createDb(env.DB), Date.now() + 2 * dayMs, { full: true });
    expect(await kept(ids.shortBig)).toEqual({ d1: false, r2: false });
    expect(await kept(ids.shortSmall)).toEqual({ d1: false, r2: false });
    expect(await kept(ids.plainBig)).toEqual({ d1: true, r2: true });
    expect(await kept(ids.plainSmall)).toEqual({ d1: true, r2: false });
    expect(await kept(ids.longBig)).toEqual({ d1: true, r2: true });
    // The audit row stays.
    expect(await row(ids.shortBig)).toMatchObject({ sourceId: "short", bodySize: expect.any(Number), status: "queued" });

    // 31 days on: past the global 30, within `long`'s 60.
    await runRetention(env, createDb(env.DB), Date.now() + 31 * dayMs, { full: true });
    expect(await kept(ids.plainBig)).toEqual({ d1: false, r2: false });
    expect(await kept(ids.plainSmall)).toEqual({ d1: false, r2: false });
    expect(await kept(ids.longBig)).toEqual({ d1: true, r2: true });

    await runRetention(env, createDb(env.DB), Date.now() + 61 * dayMs, { full: true });
    expect(await kept(ids.longBig)).toEqual({ d1: false, r2: false });
  });

  it("keeps an object while a replay that shares it keeps its body", async () => {
    const original = await send("plain", payload("shared@example.com", 100));
    const replay = await json<{ id: string }>(await admin("POST", `/v1/events/${original}/replay`), 202);
    const replayRow = await row(replay.id);
    const key = bodyKey("plain", original);
    expect(replayRow.bodyRef).toBe(key);
    expect((await row(original)).receivedAt).toBeLessThan(replayRow.receivedAt);

    // A cutoff between the two: the original's body goes, the object stays for the replay.
    expect(await dropEventBodies(db, env.BODIES, { cutoffMs: replayRow.receivedAt, sourceId: "plain" }, 100)).toBeGreaterThan(0);
    expect(await row(original)).toMatchObject({ body: null, bodyRef: null });
    expect(await objectText(key)).not.toBeNull();
    const detail = await json<{ body: string; bodyStoredIn: string }>(await admin("GET", `/v1/events/${replay.id}`));
    expect(detail.bodyStoredIn).toBe("r2");

    // Once the replay's body goes too, so does the object.
    await dropEventBodies(db, env.BODIES, { cutoffMs: replayRow.receivedAt + 1, sourceId: "plain" }, 100);
    expect(await row(replay.id)).toMatchObject({ body: null, bodyRef: null });
    expect(await env.BODIES.head(key)).toBeNull();
  });

  it("answers an event whose object is gone as one whose body was dropped", async () => {
    const id = await send("forms", payload("gone@example.com", 100));
    await env.BODIES.delete(bodyKey("forms", id));
    const detail = await json<{ body: string | null; bodyKept: boolean; bodyStoredIn: string | null }>(await admin("GET", `/v1/events/${id}`));
    expect(detail).toMatchObject({ body: null, bodyKept: false, bodyStoredIn: null });
  });
});
