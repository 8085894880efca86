import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { events } from "../../src/db/schema";
import { admin, json } from "../admin/helpers";
import { flushInbox, post, routeAndDeliverEvents, standardSecret } from "../helpers";
import { consoleFetch, formToken, page, signIn, text } from "./helpers";

const hookSecret = `whsec_${btoa("console-secret-0123456789abcdef")}`;
const db = createDb(env.DB);
const ids = { ada: "", bob: "", dee: "", eve: "" };
let fetchSpy: ReturnType<typeof vi.spyOn>;
let session = "";

function configDocument(threshold: number) {
  return {
    sources: [
      { id: "forms", provider: "none" },
      { id: "chat", provider: "none" },
      { id: "signed", provider: "standard-webhooks", secrets: [standardSecret] },
    ],
    pools: [
      {
        id: "ae",
        members: [
          { ownerId: "101", name: "Ada Owner", weight: 2, dailyCap: 40 },
          { ownerId: "102", name: "Grace" },
        ],
      },
    ],
    destinations: [
      { id: "hook", type: "http", url: "http://127.0.0.1:9/hook", secret: hookSecret },
      { id: "flaky", type: "http", url: "http://127.0.0.1:9/flaky", secret: hookSecret, maxAttempts: 1 },
    ],
    routes: [
      { id: "hot", when: { field: "score", op: "gte", value: threshold }, actions: [{ assign: { pool: "ae" } }, { forward: { destination: "hook" } }] },
      { id: "broken", sources: ["chat"], when: { always: true }, actions: [{ forward: { destination: "flaky" } }] },
    ],
  };
}

async function send(sourceId: string, lead: Record<string, unknown>): Promise<string> {
  const response = await post(`/in/${sourceId}`, JSON.stringify(lead), {
    "content-type": "application/json",
    "x-hub-signature-256": "sha256=0123456789abcdef",
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  // Destinations answer 200, except "flaky", which always fails with 503.
  fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return url.includes("flaky") ? new Response("down for maintenance", { status: 503 }) : new Response("ok", { status: 200 });
  });
  await json(await admin("PUT", "/v1/config", { body: configDocument(80) }));
  ids.ada = await send("forms", { email: "Ada@Example.com", score: 91, firstName: "Ada" });
  ids.bob = await send("forms", { email: "bob@example.com", score: 20 });
  ids.dee = await send("chat", { email: "dee@example.com", score: 10 });
  // Another company than Ada's: same-domain leads keep the first one's owner, and this
  // page shows two assignments from the pool.
  ids.eve = await send("forms", { email: "eve@example.net", score: 85, company: '<img src=x onerror="alert(1)">' });
  await flushInbox("forms");
  await flushInbox("chat");
  await routeAndDeliverEvents([ids.ada, ids.bob, ids.dee, ids.eve]);
  // Two requests without a signature: refused, counted by the source's inbox after the response.
  for (let i = 0; i < 2; i++) expect((await post("/in/signed", "{}", { "content-type": "application/json" })).status).toBe(401);
  await vi.waitFor(async () => {
    expect(await env.SOURCE_INBOX.getByName("signed").rejectionsSince(Date.now() - 60_000)).toEqual({ signature_missing: 2 });
  });
  // Version 2 lowers the hot threshold.
  await json(await admin("PUT", "/v1/config", { body: configDocument(70) }));
  ({ session } = await signIn());
});

afterAll(() => fetchSpy.mockRestore());

describe("overview", () => {
  it("shows the window's figures, the chart, dead letters highlighted and destination health", async () => {
    const html = await page(await consoleFetch("GET", "", { session }));
    const words = text(html);
    expect(words).toContain("Events accepted 4");
    expect(words).toMatch(/Routed 2 50(\.0)? % of accepted/);
    expect(html).toMatch(/<div class="alert"><dt>Dead letters<\/dt><dd>2/); // the delivery and its event
    expect(html).toMatch(/<div class="alert"><dt>Verification failures<\/dt><dd>2<small>signed: 2 signature missing<\/small>/);
    // The chart: one SVG, bars for routed, unmatched and dead, a legend with totals.
    expect(html).toMatch(/<svg viewBox="0 0 720 200" role="img"/);
    for (const status of ["routed", "unmatched", "dead"]) expect(html).toContain(`class="f-${status}"`);
    expect(words).toContain("routed: 2");
    expect(words).toContain("dead: 1");
    // Dead letters with their reason and a replay button.
    expect(html).toContain(`href="/console/events/${ids.dee}"`);
    expect(words).toContain("forward → flaky dead after 1 attempt");
    expect(html).toContain(`action="/console/events/${ids.dee}/replay"`);
    // Destination health from the attempts.
    expect(words).toMatch(/hook \(signed HTTP\) healthy 2 2 \(100 %\) 0 0/);
    expect(words).toMatch(/flaky \(signed HTTP\) failing 1 0 \(0 %\) 1 0/);
    expect(html).toContain('data-refresh="30"');
  });

  it("offers other windows and falls back to 3 hours for an unknown one", async () => {
    expect(text(await page(await consoleFetch("GET", "?hours=24", { session })))).toContain("Events per 10 minutes, by status");
    const odd = text(await page(await consoleFetch("GET", "?hours=999", { session })));
    expect(odd).toContain("the last 3 hours");
    expect(odd).toContain("Events per minute, by status");
  });
});

describe("KPIs", () => {
  it("has its own page in the navigation, with the window's leads per route and owner", async () => {
    const html = await page(await consoleFetch("GET", "/kpis", { session }));
    const words = text(html);
    expect(html).toContain('<a href="/console/kpis" aria-current="page">KPIs</a>');
    // hot: Ada and Eve, forwarded (no CRM upsert, so no webhook-to-CRM time), no outcomes and no SLA; broken: Dee, whose forward died.
    expect(words).toMatch(/By route Route .* broken 1 0 \(0 %\) 0 \(0 %\) 0 \(0 %\) 0 \(0 %\) 0 \(0 %\) – – – – 100 % \(1 of 1\) hot 2 0 \(0 %\)/);
    expect(words).toMatch(/hot 2 (0 \(0 %\) ){5}– – – – 0 % \(0 of 2\)/);
    // Owners by their pool names: Dee (example.com, like Ada) keeps Ada's owner, Eve gets the other one.
    // Ada's and Eve's companies are decided side by side, so which of them takes the
    // pool's first turn is not fixed; the page must show the pair either way.
    const owners = new Map((await db.select().from(events)).map((e) => [e.id, e.ownerId ?? ""]));
    const adaOwner = owners.get(ids.ada) ?? "";
    expect(owners.get(ids.dee)).toBe(adaOwner);
    expect(owners.get(ids.eve)).not.toBe(adaOwner);
    const name = (id: string) => (id === "101" ? "Ada Owner \\(101\\)" : "Grace \\(102\\)");
    const row = (id: string) => (id === adaOwner ? `${name(id)} 2 (0 \\(0 %\\) ){5}– – – – 50(\\.0)? % \\(1 of 2\\)` : `${name(id)} 1 `);
    // Rows are listed by owner id.
    const [low, high] = [adaOwner, owners.get(ids.eve) ?? ""].sort();
    expect(words).toMatch(new RegExp(`By owner .* ${row(low ?? "")}.*${row(high ?? "")}`));
    // No split route: no experiments.
    expect(words).toContain("No route splits its leads");
  });
});

describe("events", () => {
  it("finds a lead by email, case-insensitively", async () => {
    const html = await page(await consoleFetch("GET", "/events?email=ADA%40example.com", { session }));
    expect(html).toContain(`href="/console/events/${ids.ada}"`);
    for (const other of [ids.bob, ids.dee, ids.eve]) expect(html).not.toContain(other);
    expect(html).toContain('value="ADA@example.com"');
  });

  it("lists every event newest first, filters by status and pages with a cursor", async () => {
    const all = await page(await consoleFetch("GET", "/events", { session }));
    const order = [ids.eve, ids.dee, ids.bob, ids.ada].map((id) => all.indexOf(`href="/console/events/${id}"`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    const dead = await page(await consoleFetch("GET", "/events?status=dead&source=&email=", { session }));
    expect(dead).toContain(ids.dee);
    expect(dead).not.toContain(ids.ada);
    const first = await page(await consoleFetch("GET", "/events?limit=2", { session }));
    const older = /href="(\/console\/events\?cursor=[^"]+)"/.exec(first)?.[1];
    expect(older).toBeDefined();
    const second = await page(await consoleFetch("GET", (older ?? "").replace("/console", "").replaceAll("&amp;", "&"), { session }));
    expect(second).toContain(ids.bob);
    expect(second).not.toContain(ids.eve);
  });

  it("reports bad filters with the admin API's validation, as a 422 page", async () => {
    const words = text(await page(await consoleFetch("GET", "/events?since=yesterday&status=lost", { session }), 422));
    expect(words).toContain("The filters have problems");
    expect(words).toContain("since: expected an ISO 8601 date-time or epoch milliseconds");
    expect(words).toMatch(/status: /);
  });
});

describe("one event", () => {
  it("tells the decision as a story: route, the deciding condition, owner and why, deliveries and attempts", async () => {
    const [row] = await db.select().from(events).where(eq(events.id, ids.ada));
    const html = await page(await consoleFetch("GET", `/events/${ids.ada}`, { session }));
    const words = text(html);
    expect(words).toContain("The source's mapping produced a valid lead.");
    expect(words).toContain("No earlier lead has this email, phone or company domain: it is a new lead.");
    expect(words).toContain("Route hot matched because score 91 ≥ 80.");
    expect(words).toContain("Route broken not tried : route hot matched first.");
    expect(words).toContain("Route hot decided where the lead goes.");
    expect(row?.ownerId).toMatch(/^10[12]$/);
    expect(words).toMatch(new RegExp(`Owner ${row?.ownerId} from pool ae: .+`));
    expect(words).toContain("forward → hook (route hot) succeeded after 1 attempt");
    // Every attempt, the mapped lead, the payload and headers with credentials masked.
    expect(words).toMatch(/hook 1 succeeded 200 \d+ ms/);
    expect(words).toContain("Email ada@example.com");
    expect(words).toContain('"email": "Ada@Example.com"');
    expect(words).toContain("x-hub-signature-256 ••••cdef");
    expect(html).not.toContain("0123456789abcdef");
    // Admin sees the replay button.
    expect(html).toContain(`action="/console/events/${ids.ada}/replay"`);
  });

  it("says when no route matched, and why each one did not", async () => {
    const words = text(await page(await consoleFetch("GET", `/events/${ids.bob}`, { session })));
    expect(words).toContain("Route hot did not match : score 20 not ≥ 80.");
    expect(words).toContain("No route matched: the event is unmatched and goes nowhere.");
  });

  it("shows a dead delivery with its error", async () => {
    const words = text(await page(await consoleFetch("GET", `/events/${ids.dee}`, { session })));
    expect(words).toMatch(/dead .*forward → flaky dead 1/);
    expect(words).toMatch(/flaky 1 retryable 503/);
  });

  it("escapes what came in the payload", async () => {
    const html = await page(await consoleFetch("GET", `/events/${ids.eve}`, { session }));
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=");
  });

  it("answers 404 for an unknown event, as a page", async () => {
    expect(text(await page(await consoleFetch("GET", "/events/evt_nope", { session }), 404))).toContain("There is no event 'evt_nope'.");
  });
});

describe("replay from the console", () => {
  it("replays a dead letter as a new event and shows it while it routes", async () => {
    const form = { _csrf: await formToken(session) };
    const response = await consoleFetch("POST", `/events/${ids.dee}/replay`, { session, form });
    expect(response.status).toBe(303);
    // The same POST again (a double click, or a captured request) runs nothing.
    expect(text(await page(await consoleFetch("POST", `/events/${ids.dee}/replay`, { session, form }), 409))).toContain("This form was sent already");
    expect(await db.select({ id: events.id }).from(events).where(eq(events.replayOf, ids.dee))).toHaveLength(1);
    const location = response.headers.get("location") ?? "";
    const replayId = /\/console\/events\/(evt_[^?]+)\?done=replayed$/.exec(location)?.[1] ?? "";
    expect(replayId).not.toBe("");
    const [row] = await db.select().from(events).where(eq(events.id, replayId));
    expect(row).toMatchObject({ status: "queued", replayOf: ids.dee, sourceId: "chat" });
    const html = await page(await consoleFetch("GET", location.replace("/console", ""), { session }));
    expect(text(html)).toContain("Replay queued");
    expect(html).toContain('data-refresh="3"');
    expect(html).toContain(`href="/console/events/${ids.dee}"`);
  });

  it("answers 404 for an unknown event", async () => {
    expect((await consoleFetch("POST", "/events/evt_nope/replay", { session, form: { _csrf: await formToken(session) } })).status).toBe(404);
  });
});

describe("routing", () => {
  it("renders sources → routes → actions, pools with today's counts and caps, and the versions", async () => {
    const stats = await env.OWNER_POOL.getByName("ae").stats();
    const html = await page(await consoleFetch("GET", "/routing", { session }));
    const words = text(html);
    expect(words).toContain("Configuration version 2");
    expect(words).toContain("From: every source → 1. hot when score ≥ 70 → Then: Assign an owner from pool ae Forward the lead to hook (signed HTTP)");
    expect(words).toContain("From: chat → 2. broken when always → Then: Forward the lead to flaky (signed HTTP)");
    expect(words).toContain("/in/forms none yes 50/s, burst 100 hot");
    expect(words).toContain("/in/chat none yes 50/s, burst 100 hot → broken");
    expect(words).toContain("/in/signed standard-webhooks yes");
    const ada = stats.counts["101"] ?? 0;
    const grace = stats.counts["102"] ?? 0;
    expect(ada + grace).toBe(2);
    expect(words).toContain(`Ada Owner 101 2 ${ada} 40 ${ada} of 40 taking leads`);
    expect(words).toContain(`Grace 102 1 ${grace} none taking leads`);
    expect(html).toContain(`<meter min="0" max="40" value="${ada}"`);
    // Secrets stay masked.
    expect(html).not.toContain(hookSecret);
    expect(words).toMatch(/2 active .* admin token routes: ~hot/);
    expect(html).toContain('action="/console/routing/rollback"');
    expect(html).toContain('name="version" value="1"');
  });

  it("diffs a version against the one before and against the active one", async () => {
    const words = text(await page(await consoleFetch("GET", "/routing/versions/2", { session })));
    expect(words).toContain("What version 2 changed, against version 1");
    expect(words).toContain("routes[hot].when.value 80 70");
    expect(words).not.toContain("Rolling back to version 2");
    const first = await page(await consoleFetch("GET", "/routing/versions/1", { session }));
    expect(text(first)).toContain("Rolling back to version 1 from the active version 2");
    expect(text(first)).toContain("routes[hot].when.value 70 80");
    expect(first).toContain("Roll back to version 1");
    expect((await consoleFetch("GET", "/routing/versions/99", { session })).status).toBe(404);
  });
});

describe("simulate", () => {
  it("shows the trace of a pasted payload and changes nothing", async () => {
    const before = await db.select({ id: events.id }).from(events);
    const poolBefore = await env.OWNER_POOL.getByName("ae").stats();
    const form = await page(await consoleFetch("GET", "/simulate", { session }));
    expect(form).toContain('<option value="forms" selected="">forms</option>');
    const html = await page(
      await consoleFetch("POST", "/simulate", {
        session,
        form: { _csrf: await formToken(session), source: "forms", payload: '{"email": "sim@newco.example", "score": 75}' },
      }),
    );
    const words = text(html);
    expect(words).toContain("Result: routed");
    expect(words).toContain("Simulated: nothing was written");
    expect(words).toContain("Route hot matched because score 75 ≥ 70.");
    expect(words).toMatch(/Owner 10[12] from pool ae/);
    expect(words).toMatch(/hot forward hook \(signed HTTP\) 10[12]/);
    expect(words).toContain("Email sim@newco.example");
    expect(html).toContain("sim@newco.example&quot;, &quot;score&quot;: 75}</textarea>");
    expect(await db.select({ id: events.id }).from(events)).toHaveLength(before.length);
    expect(await env.OWNER_POOL.getByName("ae").stats()).toEqual(poolBefore);
  });

  it("reports a payload that is not JSON and an unknown source", async () => {
    const bad = text(
      await page(await consoleFetch("POST", "/simulate", { session, form: { _csrf: await formToken(session), source: "forms", payload: "{nope" } }), 422),
    );
    expect(bad).toContain("payload: not JSON");
    const unknown = text(
      await page(await consoleFetch("POST", "/simulate", { session, form: { _csrf: await formToken(session), source: "ghost", payload: "{}" } }), 422),
    );
    expect(unknown).toContain("No source has the id 'ghost'.");
  });
});

describe("rollback from the console", () => {
  it("refuses a rollback based on a version that is no longer active", async () => {
    const stale = await consoleFetch("POST", "/routing/rollback", { session, form: { _csrf: await formToken(session), version: "1", expected: "1" } });
    expect(text(await page(stale, 412))).toContain("The active configuration is version 2, not 1");
  });

  it("restores a version as a new one, recorded as the console", async () => {
    const response = await consoleFetch("POST", "/routing/rollback", { session, form: { _csrf: await formToken(session), version: "1", expected: "2" } });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/routing?done=rolledback&version=1");
    const config = await json<{ routes: { id: string; when: { value?: number } }[] }>(await admin("GET", "/v1/config"));
    expect(config.routes[0]?.when.value).toBe(80);
    const versions = await json<{ active: number; versions: { version: number; rollbackOf?: number; updatedBy: string }[] }>(
      await admin("GET", "/v1/config/versions"),
    );
    expect(versions.active).toBe(3);
    expect(versions.versions[0]).toMatchObject({ version: 3, rollbackOf: 1, updatedBy: "console (admin token)" });
    const words = text(await page(await consoleFetch("GET", "/routing?done=rolledback&version=1", { session })));
    expect(words).toContain("Rolled back: the configuration of version 1 is active again");
    expect(words).toContain("when score ≥ 80");
  });
});
