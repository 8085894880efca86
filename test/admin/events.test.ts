import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { attempts, events } from "../../src/db/schema";
import { runRetention } from "../../src/retention/run";
import { eventsOf, flushInbox, post, routeAndDeliverEvents } from "../helpers";
import { admin, json, problem } from "./helpers";

const hookSecret = `whsec_${btoa("forward-secret-0123456789abcdef")}`;
const db = createDb(env.DB);
let fetchSpy: ReturnType<typeof vi.spyOn>;
const ids = { ada: "", bob: "", cy: "", dee: "" };

interface Summary {
  id: string;
  sourceId: string;
  status: string;
  routeId: string | null;
  email: string | null;
  replayOf: string | null;
}
interface Page {
  items: Summary[];
  nextCursor?: string;
}

async function send(sourceId: string, email: string, score: number): Promise<string> {
  const response = await post(`/in/${sourceId}`, JSON.stringify({ email, score }), {
    "content-type": "application/json",
    "x-hub-signature-256": "sha256=0123456789abcdef",
    "x-request-token": "tok-abcdefghijkl",
    "user-agent": "provider/1.0",
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  // Destinations answer 200, except the "flaky" one, which always fails with 503.
  fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return url.includes("flaky") ? new Response("down", { status: 503 }) : new Response("ok", { status: 200 });
  });
  const put = await admin("PUT", "/v1/config", {
    body: {
      sources: [
        { id: "forms", provider: "none" },
        { id: "chat", provider: "none" },
      ],
      destinations: [
        { id: "hook", type: "http", url: "http://127.0.0.1:9/hook", secret: hookSecret },
        { id: "flaky", type: "http", url: "http://127.0.0.1:9/flaky", secret: hookSecret, maxAttempts: 1 },
      ],
      routes: [
        { id: "hot", when: { field: "score", op: "gte", value: 80 }, actions: [{ forward: { destination: "hook" } }] },
        { id: "broken", sources: ["chat"], when: { always: true }, actions: [{ forward: { destination: "flaky" } }] },
      ],
    },
  });
  await json(put);
  ids.ada = await send("forms", "Ada@Example.com", 91);
  ids.bob = await send("forms", "bob@example.com", 20);
  ids.cy = await send("forms", "cy@example.com", 85);
  ids.dee = await send("chat", "dee@example.com", 10);
  await flushInbox("forms");
  await flushInbox("chat");
  await routeAndDeliverEvents([ids.ada, ids.bob, ids.cy, ids.dee]);
});

afterAll(() => fetchSpy.mockRestore());

describe("GET /admin/v1/events", () => {
  it("lists newest first with status, route and the lead's email", async () => {
    const page = await json<Page>(await admin("GET", "/v1/events"));
    expect(page.items.map((e) => e.id)).toEqual([ids.dee, ids.cy, ids.bob, ids.ada]);
    expect(page.items.find((e) => e.id === ids.ada)).toMatchObject({ sourceId: "forms", status: "routed", routeId: "hot", email: "ada@example.com" });
    expect(page.items.find((e) => e.id === ids.bob)).toMatchObject({ status: "unmatched", routeId: null });
    expect(page.items.find((e) => e.id === ids.dee)).toMatchObject({ status: "dead", routeId: "broken" });
  });

  it("filters by source, status, route, destination, email and time", async () => {
    const idsOf = async (query: string) => (await json<Page>(await admin("GET", `/v1/events?${query}`))).items.map((e) => e.id);
    expect(await idsOf("source=chat")).toEqual([ids.dee]);
    expect(await idsOf("status=unmatched")).toEqual([ids.bob]);
    expect(await idsOf("route=hot")).toEqual([ids.cy, ids.ada]);
    expect(await idsOf("destination=flaky")).toEqual([ids.dee]);
    expect(await idsOf("email=ADA@example.com")).toEqual([ids.ada]);
    expect(await idsOf("source=forms&route=hot&status=routed")).toEqual([ids.cy, ids.ada]);
    expect(await idsOf(`until=${new Date(Date.now() - 3_600_000).toISOString()}`)).toEqual([]);
    expect(await idsOf(`since=${Date.now() - 3_600_000}&until=${Date.now() + 1000}`)).toHaveLength(4);
  });

  it("pages with a cursor until there is none", async () => {
    const first = await json<Page>(await admin("GET", "/v1/events?limit=3"));
    expect(first.items).toHaveLength(3);
    const second = await json<Page>(await admin("GET", `/v1/events?limit=3&cursor=${first.nextCursor}`));
    expect(second.items.map((e) => e.id)).toEqual([ids.ada]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("rejects bad filters with a pointer to the query parameter", async () => {
    const body = await problem(await admin("GET", "/v1/events?status=lost&since=yesterday&limit=0"), 422);
    expect(body.problems?.map((p) => [p.pointer, p.in])).toEqual([
      ["/status", "query"],
      ["/since", "query"],
      ["/limit", "query"],
    ]);
  });
});

describe("GET /admin/v1/events/{id}", () => {
  it("shows headers with credentials masked, the body, verification, trace, deliveries and attempts", async () => {
    const detail = await json<Record<string, unknown> & { headers: Record<string, string>; deliveries: unknown[]; attempts: { outcome: string }[] }>(
      await admin("GET", `/v1/events/${ids.ada}`),
    );
    expect(detail.headers["user-agent"]).toBe("provider/1.0");
    expect(detail.headers["x-hub-signature-256"]).toBe("••••cdef");
    expect(detail.headers["x-request-token"]).toBe("••••ijkl");
    expect(detail.body).toBe(JSON.stringify({ email: "Ada@Example.com", score: 91 }));
    expect(detail.bodyEncoding).toBe("utf-8");
    expect(detail.verification).toMatchObject({ provider: "none" });
    expect(detail.trace).toMatchObject({ mapping: { ok: true }, routes: [{ route: "hot", status: "matched" }, expect.anything()] });
    expect(detail.lead).toMatchObject({ email: "ada@example.com", score: 91 });
    expect(detail.deliveries).toEqual([expect.objectContaining({ destinationId: "hook", status: "succeeded", action: "forward" })]);
    expect(detail.attempts).toEqual([expect.objectContaining({ outcome: "succeeded", httpStatus: 200, attempt: 1 })]);
  });

  it("answers 404 for an unknown event", async () => {
    expect((await problem(await admin("GET", "/v1/events/evt_nope"), 404)).code).toBe("event_not_found");
  });
});

describe("replay", () => {
  it("replays one event: a new event that routes again and records new attempts", async () => {
    const sent = vi.spyOn(env.ROUTING_QUEUE, "sendBatch");
    const replay = await json<{ id: string; replayOf: string; status: string }>(await admin("POST", `/v1/events/${ids.ada}/replay`), 202);
    expect(replay).toMatchObject({ replayOf: ids.ada, status: "queued", sourceId: "forms" });
    expect(replay.id).not.toBe(ids.ada);
    expect(sent.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body))).toEqual([{ eventId: replay.id, sourceId: "forms" }]);
    sent.mockRestore();

    const [row] = await db.select().from(events).where(eq(events.id, replay.id));
    expect(row).toMatchObject({ status: "queued", replayOf: ids.ada, sourceId: "forms" });
    const [original] = await db.select().from(events).where(eq(events.id, ids.ada));
    expect(row?.body).toEqual(original?.body);
    expect(row?.headers).toBe(original?.headers);

    await routeAndDeliverEvents([replay.id]);
    const detail = await json<{ status: string; routeId: string; attempts: { eventId: string; outcome: string }[] }>(
      await admin("GET", `/v1/events/${replay.id}`),
    );
    expect(detail).toMatchObject({ status: "routed", routeId: "hot" });
    expect(detail.attempts).toEqual([expect.objectContaining({ eventId: replay.id, outcome: "succeeded" })]);
    // The original keeps its own single attempt.
    expect(await db.select().from(attempts).where(eq(attempts.eventId, ids.ada))).toHaveLength(1);
  });

  it("replays by filter as a bounded job with counts and a cursor", async () => {
    const first = await json<{ matched: number; replayed: number; skipped: number; done: boolean; nextCursor?: string; id: string }>(
      await admin("POST", "/v1/events/replay", { body: { route: "hot", limit: 1 } }),
      202,
    );
    expect(first).toMatchObject({ matched: 1, replayed: 1, skipped: 0, done: false });
    expect(first.id).toMatch(/^job_/);
    const rest = await json<{ matched: number; replayed: number; done: boolean; events: { replayOf: string }[] }>(
      await admin("POST", "/v1/events/replay", { body: { route: "hot", limit: 10, cursor: first.nextCursor } }),
      202,
    );
    // ada's first replay routed to `hot` too, so it is replayed as well.
    expect(rest).toMatchObject({ done: true });
    expect(rest.events.map((e) => e.replayOf)).toContain(ids.cy);
    expect(rest.replayed).toBe(rest.matched);
  });

  it("requires a filter and rejects bad ones with pointers", async () => {
    const none = await problem(await admin("POST", "/v1/events/replay", { body: {} }), 422);
    expect(none.problems?.[0]?.pointer).toBe("");
    const bad = await problem(await admin("POST", "/v1/events/replay", { body: { status: "gone", limit: 1000 } }), 422);
    expect(bad.problems?.map((p) => p.pointer)).toEqual(["/status", "/limit"]);
  });

  it("answers 404 for an unknown event", async () => {
    expect((await problem(await admin("POST", "/v1/events/evt_nope/replay"), 404)).code).toBe("event_not_found");
  });

  it("refuses new replays with 429 and Retry-After while 1,000 replays wait for routing", async () => {
    const now = Date.now();
    // 1,000 replays still queued, made in one statement.
    await env.DB.prepare(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000)
       insert into events (id, source_id, status, headers, body_size, verification, received_at, stored_at, updated_at, replay_of)
       select 'evt_backlog_' || i, 'forms', 'queued', '{}', 0, '{}', ?1, ?1, ?1, ?2 from n`,
    )
      .bind(now, ids.bob)
      .run();
    const one = await admin("POST", `/v1/events/${ids.bob}/replay`);
    expect((await problem(one, 429)).code).toBe("replay_rate_limited");
    expect(one.headers.get("retry-after")).toBe("30");
    const many = await admin("POST", "/v1/events/replay", { body: { source: "forms" } });
    expect((await problem(many, 429)).code).toBe("replay_rate_limited");
    await env.DB.prepare("delete from events where id like 'evt_backlog_%'").run();
    expect((await admin("POST", `/v1/events/${ids.bob}/replay`)).status).toBe(202);
  });
});

describe("dead letters and stats", () => {
  it("lists dead deliveries with their reason", async () => {
    const page = await json<{ items: Record<string, unknown>[] }>(await admin("GET", "/v1/dead-letters"));
    expect(page.items).toEqual([expect.objectContaining({ kind: "delivery", eventId: ids.dee, sourceId: "chat", destinationId: "flaky", attempts: 1 })]);
    expect(String(page.items[0]?.reason)).toContain("Out of attempts");
    expect((await json<{ items: unknown[] }>(await admin("GET", "/v1/dead-letters?kind=routing"))).items).toEqual([]);
    expect((await json<{ items: unknown[] }>(await admin("GET", "/v1/dead-letters?destination=hook"))).items).toEqual([]);
  });

  it("counts by status, source, route and destination, with latency percentiles and dead letters", async () => {
    const stats = await json<Record<string, Record<string, unknown>>>(await admin("GET", "/v1/stats"));
    expect(stats.events).toMatchObject({ bySource: { chat: 1 }, byRoute: { broken: 1 } });
    expect(((stats.events?.byStatus ?? {}) as Record<string, number>).unmatched).toBe(1);
    expect(stats.destinations?.hook).toMatchObject({ succeeded: expect.any(Number), failed: 0 });
    expect(stats.destinations?.flaky).toMatchObject({ attempts: 1, retryable: 1 });
    expect(stats.latency).toMatchObject({ attemptMs: { samples: expect.any(Number), p50: expect.any(Number), p99: expect.any(Number) } });
    expect(stats.deadLetters).toEqual({ deliveries: 1, events: 1 });
    const old = await json<{ events: { total: number } }>(await admin("GET", "/v1/stats?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"));
    expect(old.events.total).toBe(0);
    expect((await problem(await admin("GET", "/v1/stats?since=2020-01-01&until=2021-01-01"), 422)).problems?.[0]?.pointer).toBe("/since");
  });
});

describe("retention", () => {
  it("drops bodies older than the configured days and keeps the audit rows; such events cannot be replayed", async () => {
    const before = await eventsOf("forms");
    const result = await runRetention(env, createDb(env.DB), Date.now() + 31 * 86_400_000, { full: true });
    expect(result.dropped).toBeGreaterThanOrEqual(before.length);
    const after = await eventsOf("forms");
    expect(after).toHaveLength(before.length);
    for (const [i, row] of after.entries()) {
      expect(row.body).toBeNull();
      expect(row).toMatchObject({ status: before[i]?.status, trace: before[i]?.trace, headers: before[i]?.headers });
    }
    const detail = await json<{ body: null; bodyKept: boolean; trace: unknown }>(await admin("GET", `/v1/events/${ids.ada}`));
    expect(detail).toMatchObject({ body: null, bodyKept: false });
    expect(detail.trace).not.toBeNull();
    expect((await problem(await admin("POST", `/v1/events/${ids.ada}/replay`), 409)).code).toBe("replay_unavailable");
  });

  it("keeps bodies younger than the configured retention", async () => {
    const id = await send("chat", "eve@example.com", 1);
    await flushInbox("chat");
    expect((await runRetention(env, createDb(env.DB), Date.now(), { full: true })).dropped).toBe(0);
    const [row] = await db.select().from(events).where(eq(events.id, id));
    expect(row?.body).not.toBeNull();
  });
});
