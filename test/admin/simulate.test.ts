import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { admin, designExample, json, problem, readToken } from "./helpers";

interface Simulation {
  simulated: true;
  status: string;
  routeId?: string;
  ownerId?: string;
  lead?: Record<string, unknown>;
  trace: { routes: { route: string; status: string }[]; owner?: { ownerId?: string; pool?: string; sticky: boolean }; match?: unknown };
  actions: { action: string; destinationId: string; destinationType: string; ownerId?: string; properties: Record<string, unknown> }[];
  verification?: { ok: boolean; code?: string };
}

const hotPayload = {
  form_response: { hidden: { email: "Grace@Example.com", first_name: "Grace", company: "Navy" }, calculated: { score: "93" } },
};

/** Everything simulate could touch: every D1 table, every KV key and value, the pool's state. */
async function snapshot() {
  const tables = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'sqlite%' order by name",
  ).all<{ name: string }>();
  const d1: Record<string, unknown[]> = {};
  // Every row of every table, in a stable order (some tables are WITHOUT ROWID, so rows are sorted here).
  for (const { name } of tables.results) {
    const rows = (await env.DB.prepare(`select * from "${name}"`).all()).results;
    d1[name] = rows.map((row) => JSON.stringify(row)).sort();
  }
  const kv: Record<string, string | null> = {};
  for (const key of (await env.CONFIG.list()).keys) kv[key.name] = await env.CONFIG.get(key.name);
  const pool = await env.OWNER_POOL.getByName("enterprise-ae").stats();
  return { d1, kv, pool };
}

async function typeformSignature(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${btoa(String.fromCharCode(...mac))}`;
}

beforeAll(async () => {
  await json(await admin("PUT", "/v1/config", { body: designExample() }));
  // One real assignment first, so the pool has a rotation a simulation could move.
  const pool = designExample().pools[0];
  if (pool)
    await env.OWNER_POOL.getByName(pool.id).assign({
      eventId: "evt_real_1",
      pool: {
        ...pool,
        fallbackOwnerId: undefined,
        members: pool.members.map((m) => ({ ...m, paused: false, weight: m.weight ?? 1 })),
        strategy: "round_robin",
      },
    });
  // An earlier lead at another company, owned by 555.
  await env.DB.prepare(
    "insert into leads (id, email, phone, domain, owner_id, first_event_id, last_event_id, created_at, updated_at) values ('lead_1', 'linus@kernel.org', null, 'kernel.org', '555', 'evt_x', 'evt_x', 1, 1)",
  ).run();
});

afterEach(() => vi.restoreAllMocks());

describe("POST /admin/v1/simulate", () => {
  it("returns the mapped lead, the decision trace and the actions that would run", async () => {
    const result = await json<Simulation>(await admin("POST", "/v1/simulate", { body: { source: "typeform-leads", payload: hotPayload } }));
    expect(result).toMatchObject({ simulated: true, status: "routed", routeId: "hot" });
    expect(result.lead).toMatchObject({ email: "grace@example.com", firstName: "Grace", company: "Navy", score: 93 });
    expect(result.trace.routes.map((r) => [r.route, r.status])).toEqual([
      ["hot", "matched"],
      ["warm", "skipped"],
      ["rest", "skipped"],
    ]);
    expect(result.trace.owner).toMatchObject({ pool: "enterprise-ae", sticky: false });
    expect(result.actions).toEqual([
      expect.objectContaining({ action: "upsert", destinationId: "hubspot", destinationType: "hubspot", ownerId: result.ownerId }),
      expect.objectContaining({ action: "notify", destinationId: "sales-slack", destinationType: "slack" }),
    ]);
  });

  it("leaves no trace: D1, KV and the pool's rotation are exactly as before, and nothing is called", async () => {
    const before = await snapshot();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const routingSpy = vi.spyOn(env.ROUTING_QUEUE, "sendBatch");
    const deliverySpy = vi.spyOn(env.DELIVERY_QUEUE, "sendBatch");
    const owners = new Set<string | undefined>();
    for (let i = 0; i < 3; i++) {
      const result = await json<Simulation>(await admin("POST", "/v1/simulate", { body: { source: "typeform-leads", payload: hotPayload } }));
      owners.add(result.ownerId);
    }
    // The rotation did not advance: every simulation previews the same next owner.
    expect(owners.size).toBe(1);
    await json(
      await admin("POST", "/v1/simulate", { body: { source: "typeform-leads", payload: { form_response: { hidden: { email: "linus@kernel.org" } } } } }),
    );
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(routingSpy).not.toHaveBeenCalled();
    expect(deliverySpy).not.toHaveBeenCalled();
    expect(await snapshot()).toEqual(before);
  });

  it("keeps the owner of a matched earlier lead (read-only lookup)", async () => {
    const result = await json<Simulation>(
      await admin("POST", "/v1/simulate", {
        body: { source: "typeform-leads", payload: { form_response: { hidden: { email: "linus@kernel.org" }, calculated: { score: 99 } } } },
      }),
    );
    expect(result).toMatchObject({ status: "routed", ownerId: "555", trace: { match: { by: "email", ownerId: "555" }, owner: { sticky: true } } });
  });

  it("reports an unmatched lead and an invalid payload without failing", async () => {
    const doc = designExample();
    doc.routes = doc.routes.filter((r) => r.id !== "rest");
    await json(await admin("PUT", "/v1/config", { body: doc }));
    const cold = await json<Simulation>(
      await admin("POST", "/v1/simulate", {
        body: { source: "typeform-leads", payload: { form_response: { hidden: { email: "x@y.io" }, calculated: { score: 1 } } } },
      }),
    );
    expect(cold).toMatchObject({ status: "unmatched", actions: [] });
    const invalid = await json<Simulation & { reason: string }>(
      await admin("POST", "/v1/simulate", { body: { source: "typeform-leads", payload: { form_response: { hidden: { email: "not-an-email" } } } } }),
    );
    expect(invalid.status).toBe("invalid");
    expect(invalid.reason).toContain("email");
  });

  it("checks the signature when headers are given and reports the result without failing", async () => {
    const rawBody = JSON.stringify(hotPayload);
    const good = await json<Simulation>(
      await admin("POST", "/v1/simulate", {
        body: {
          source: "typeform-leads",
          rawBody,
          headers: { "content-type": "application/json", "typeform-signature": await typeformSignature(rawBody, "tf-secret") },
        },
      }),
    );
    expect(good.verification).toEqual({ ok: true, secretIndex: 0 });
    expect(good.lead).toMatchObject({ email: "grace@example.com" });
    const bad = await json<Simulation>(
      await admin("POST", "/v1/simulate", { body: { source: "typeform-leads", rawBody, headers: { "typeform-signature": "sha256=AAAA" } } }),
    );
    expect(bad.verification).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(bad.status).toBe("routed");
  });

  it("answers 404 for an unknown source and 422 without a payload; the read token may simulate", async () => {
    expect((await problem(await admin("POST", "/v1/simulate", { body: { source: "ghost", payload: {} } }), 404)).code).toBe("source_not_found");
    const missing = await problem(await admin("POST", "/v1/simulate", { body: { source: "typeform-leads" } }), 422);
    expect(missing.problems?.[0]?.pointer).toBe("/payload");
    const noSource = await problem(await admin("POST", "/v1/simulate", { body: { payload: {} } }), 422);
    expect(noSource.problems?.[0]?.pointer).toBe("/source");
    expect((await admin("POST", "/v1/simulate", { token: readToken, body: { source: "typeform-leads", payload: hotPayload } })).status).toBe(200);
  });

  it("refuses an outcome source: its reports are linked, not routed", async () => {
    const doc = designExample();
    doc.sources.push({ id: "crm-outcomes", provider: "none", kind: "outcomes", outcomes: { format: "generic" } });
    await json(await admin("PUT", "/v1/config", { body: doc }));
    const refused = await problem(await admin("POST", "/v1/simulate", { body: { source: "crm-outcomes", payload: { email: "a@b.co", outcome: "won" } } }), 422);
    expect(refused.problems?.[0]).toEqual({ pointer: "/source", message: "'crm-outcomes' reports outcomes; simulate a lead source" });
  });
});
