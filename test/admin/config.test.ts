import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig, readCurrentConfig } from "../../src/config/store";
import worker from "../../src/index";
import { post } from "../helpers";
import { admin, adminToken, designExample, json, problem } from "./helpers";

interface WriteResult {
  version: number;
  updatedBy: string;
  unchanged: boolean;
  summary: { sources: { added: string[]; changed: string[]; removed: string[] }; routes: { added: string[]; removed: string[] } };
}
type Doc = ReturnType<typeof designExample> & { settings?: Record<string, unknown> };

async function putConfig(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return admin("PUT", "/v1/config", { body, headers });
}

async function pointersOf(response: Response): Promise<string[]> {
  const body = await problem(response, 422);
  expect(body.code).toBe("validation_failed");
  return (body.problems ?? []).map((p) => p.pointer);
}

describe("PUT /admin/v1/config", () => {
  it("accepts a small example document in the documented shape, as version 1", async () => {
    const response = await putConfig(designExample(), { "x-switchboard-actor": "ada" });
    const result = await json<WriteResult>(response);
    expect(result).toMatchObject({ version: 1, unchanged: false, updatedBy: "ada (admin token)" });
    expect(result.summary.sources.added).toEqual(["typeform-leads"]);
    expect(result.summary.routes.added).toEqual(["hot", "warm", "rest"]);
    expect(response.headers.get("etag")).toBe('"1"');
  });

  it("returns the document with every secret masked, and the version as ETag", async () => {
    const response = await admin("GET", "/v1/config");
    const doc = await json<Doc>(response);
    expect(response.headers.get("etag")).toBe('"1"');
    expect(doc.sources[0]?.secrets).toEqual(["••••"]);
    expect(doc.destinations[0]).toMatchObject({ id: "hubspot", token: "••••" });
    expect(doc.destinations[1]).toMatchObject({ id: "sales-slack", url: "••••es/…" });
    expect(JSON.stringify(doc)).not.toContain("tf-secret");
    expect(JSON.stringify(doc)).not.toContain("hooks.slack.com");
  });

  it("stores no new version for a document equal to the active one (masked secrets included)", async () => {
    const masked = await json<Doc>(await admin("GET", "/v1/config"));
    const result = await json<WriteResult>(await putConfig(masked));
    expect(result).toMatchObject({ version: 1, unchanged: true });
  });

  it("rejects schema errors with a pointer to each field and changes nothing", async () => {
    const doc = designExample() as unknown as { sources: Record<string, unknown>[]; pools: Record<string, unknown>[]; routes: Record<string, unknown>[] };
    doc.sources[0] = { ...doc.sources[0], provider: "myspace", rate: { perSecond: -1, burst: 100 } };
    doc.pools[0] = { ...doc.pools[0], members: [] };
    doc.routes[0] = { ...doc.routes[0], when: { all: [{ field: "score", op: "bigger", value: 80 }] } };
    const pointers = await pointersOf(await putConfig(doc));
    expect(pointers).toEqual(expect.arrayContaining(["/sources/0/provider", "/sources/0/rate/perSecond", "/pools/0/members", "/routes/0/when/all/0/op"]));
    const still = await admin("GET", "/v1/config");
    expect(still.headers.get("etag")).toBe('"1"');
  });

  it("rejects references to missing pools and destinations, with pointers to the reference", async () => {
    const doc = designExample();
    doc.routes[0]?.actions?.splice(0, 1, { assign: { pool: "no-such-pool" } });
    doc.routes[2] = { id: "rest", when: { always: true }, actions: [{ upsert: { destination: "salesforce" } }] };
    const body = await problem(await putConfig(doc), 422);
    expect(body.problems).toEqual(
      expect.arrayContaining([
        { pointer: "/routes/0/actions/0/assign/pool", message: "no pool has the id 'no-such-pool'" },
        { pointer: "/routes/2/actions/0/upsert/destination", message: "no destination has the id 'salesforce'" },
      ]),
    );
  });

  it("rejects actions that do not fit the destination's type, unknown route sources and a bad alert destination", async () => {
    const doc: Doc = designExample();
    doc.routes[1] = {
      id: "warm",
      when: { all: [{ field: "score", op: "gte", value: 50 }] },
      actions: [{ upsert: { destination: "sales-slack", properties: {} } }],
    };
    (doc.routes[2] as Record<string, unknown>).sources = ["typeform-leads", "ghost"];
    doc.settings = { alertDestination: "hubspot" };
    const pointers = await pointersOf(await putConfig(doc));
    expect(pointers).toEqual(["/routes/1/actions/0/upsert/destination", "/routes/2/sources/1", "/settings/alertDestination"]);
  });

  it("rejects JSONata that does not compile, with a pointer to the mapping key", async () => {
    const doc = designExample();
    const source = doc.sources[0];
    if (source) source.mapping = { ...source.mapping, "custom.plan/tier": "form_response.(", email: "form_response.hidden.email" };
    const body = await problem(await putConfig(doc), 422);
    expect(body.problems?.map((p) => p.pointer)).toEqual(["/sources/0/mapping/custom.plan~1tier"]);
    expect(body.problems?.[0]?.message).toMatch(/\S/);
  });

  it("rejects duplicate ids, pointing at the second one", async () => {
    const doc = designExample();
    doc.routes.push({ id: "hot", when: { always: true }, actions: [] });
    doc.pools.push({ id: "enterprise-ae", strategy: "round_robin", members: [{ ownerId: "1", weight: 1 }] });
    const pointers = await pointersOf(await putConfig(doc));
    expect(pointers).toEqual(["/pools/1/id", "/routes/3/id"]);
  });

  it("rejects condition values that cannot work with their operator", async () => {
    const doc = designExample();
    doc.routes[0] = {
      id: "hot",
      when: {
        all: [
          { field: "email", op: "matches", value: "(unclosed" },
          { field: "country", op: "in", value: "DE" },
        ],
      },
      actions: [],
    } as unknown as (typeof doc.routes)[number];
    const pointers = await pointersOf(await putConfig(doc));
    expect(pointers).toEqual(["/routes/0/when/all/0/value", "/routes/0/when/all/1/value"]);
  });

  it("requires the secret of a new destination and refuses a masked value that masks nothing", async () => {
    const doc = designExample() as unknown as { destinations: Record<string, unknown>[]; sources: Record<string, unknown>[] };
    doc.destinations.push({ id: "pd", type: "pipedrive" });
    doc.sources[0] = { ...doc.sources[0], secrets: ["••••zzzz"] };
    const body = await problem(await putConfig(doc), 422);
    expect(body.problems).toEqual([
      { pointer: "/sources/0/secrets/0", message: "masked value matches no stored secret of this source" },
      { pointer: "/destinations/2/apiToken", message: "required (no stored value to keep)" },
    ]);
  });

  it("rejects unknown keys at the top and in entries, so a typo cannot drop a kind or a field in silence", async () => {
    const { routes, ...rest } = designExample();
    const doc = { ...rest, rotues: routes, pools: [{ id: "p", members: [{ ownerId: "1", dailyCapp: 3 }] }] };
    const body = await problem(await putConfig(doc), 422);
    expect(body.problems?.map((p) => p.pointer)).toEqual(["/pools/0/members/0", ""]);
    expect(body.problems?.map((p) => p.message).join(" ")).toMatch(/dailyCapp[\s\S]*rotues/);
  });

  it("answers 400 for a body that is not JSON and 415 for another content type, never 500", async () => {
    expect((await problem(await admin("PUT", "/v1/config", { raw: "{nope", headers: { "content-type": "application/json" } }), 400)).code).toBe(
      "body_unparseable",
    );
    expect((await problem(await admin("PUT", "/v1/config", { raw: "a: 1", headers: { "content-type": "text/yaml" } }), 415)).code).toBe(
      "unsupported_media_type",
    );
    const notObject = await pointersOf(await putConfig([1, 2]));
    expect(notObject).toEqual([""]);
  });
});

describe("secrets", () => {
  it("keeps stored secrets when a document omits them or sends them masked, and replaces them when sent in clear", async () => {
    const doc = designExample() as unknown as { sources: Record<string, unknown>[]; destinations: Record<string, unknown>[] };
    doc.sources[0] = { ...doc.sources[0], secrets: ["a-brand-new-secret-1234", "••••"] };
    delete doc.destinations[0]?.token;
    await json(await putConfig(doc));
    // What the ingest path and the consumer read is decrypted and complete.
    const active = await loadConfig(env, () => {});
    expect(active.version).toBe(2);
    expect(active.document.sources[0]?.secrets).toEqual(["a-brand-new-secret-1234", "tf-secret"]);
    expect(active.document.destinations[0]).toMatchObject({ token: "pat-…" });

    const masked = await json<Doc>(await admin("GET", "/v1/sources/typeform-leads"));
    expect(masked).toMatchObject({ secrets: ["••••1234", "••••"] });
  });

  it("stores every secret encrypted: the raw KV values contain none of them", async () => {
    const listed = await env.CONFIG.list({ prefix: "config/" });
    expect(listed.keys.length).toBeGreaterThan(1);
    for (const { name } of listed.keys) {
      const raw = (await env.CONFIG.get(name)) ?? "";
      for (const secret of ["tf-secret", "a-brand-new-secret-1234", "pat-…", "hooks.slack.com"]) {
        expect(raw, name).not.toContain(secret);
      }
      if (raw.includes('"document"')) expect(raw).toContain("enc:v1:");
    }
  });

  it("refuses a write with secrets when CONFIG_KEY is missing (503 config_key_missing), and changes nothing", async () => {
    const before = (await json<{ active: number }>(await admin("GET", "/v1/config/versions"))).active;
    const { CONFIG_KEY: _key, ...withoutKey } = env as Env & { CONFIG_KEY?: string };
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("https://gateway.test/admin/v1/config", {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ destinations: [{ id: "s", type: "slack", url: "https://hooks.slack.com/services/x" }] }),
      }),
      withoutKey as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await problem(response, 503)).code).toBe("config_key_missing");
    const after = (await json<{ active: number }>(await admin("GET", "/v1/config/versions"))).active;
    expect(after).toBe(before);
  });
});

describe("versions and rollback", () => {
  it("lists every version newest first with who, when and a summary", async () => {
    const listed = await json<{ active: number; versions: { version: number; updatedBy: string; updatedAt: string; summary: unknown }[] }>(
      await admin("GET", "/v1/config/versions"),
    );
    expect(listed.active).toBe(2);
    expect(listed.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(listed.versions[0]).toMatchObject({ updatedBy: "admin token", summary: { sources: { changed: ["typeform-leads"] } } });
    expect(Date.parse(listed.versions[1]?.updatedAt ?? "")).not.toBeNaN();
  });

  it("pages the history with a cursor", async () => {
    const first = await json<{ versions: { version: number }[]; nextCursor?: string }>(await admin("GET", "/v1/config/versions?limit=1"));
    expect(first.versions.map((v) => v.version)).toEqual([2]);
    expect(first.nextCursor).toBeDefined();
    const second = await json<{ versions: { version: number }[] }>(
      await admin("GET", `/v1/config/versions?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? "")}`),
    );
    expect(second.versions.map((v) => v.version)).toEqual([1]);
  });

  it("shows one version's document masked, and 404 for a version that does not exist", async () => {
    const one = await json<{ version: number; document: Doc }>(await admin("GET", "/v1/config/versions/1"));
    expect(one.document.sources[0]?.secrets).toEqual(["••••"]);
    expect((await problem(await admin("GET", "/v1/config/versions/99"), 404)).code).toBe("config_version_not_found");
    const bad = await problem(await admin("GET", "/v1/config/versions/abc"), 422);
    expect(bad.problems?.[0]).toMatchObject({ pointer: "/version", in: "path" });
  });

  it("rolls back by storing the old document as a new version; the ingest path sees it without a redeploy", async () => {
    const rolled = await json<WriteResult & { rollbackOf: number }>(await admin("POST", "/v1/config/rollback", { body: { version: 1 } }));
    expect(rolled).toMatchObject({ version: 3, rollbackOf: 1, unchanged: false });
    expect((await readCurrentConfig(env))?.document.sources[0]?.secrets).toEqual(["tf-secret"]);
    // This isolate dropped its cached copy when it wrote: the next load reads version 3.
    expect((await loadConfig(env, () => {})).version).toBe(3);
    expect((await problem(await admin("POST", "/v1/config/rollback", { body: { version: 42 } }), 404)).code).toBe("config_version_not_found");
  });

  it("refuses a write based on an older version (If-Match) with 412", async () => {
    const response = await putConfig({ sources: [] }, { "if-match": '"2"' });
    expect((await problem(response, 412)).code).toBe("config_version_conflict");
    const ok = await json<WriteResult>(await putConfig({ ...designExample(), settings: { retentionDays: 7 } }, { "if-match": '"3"' }));
    expect(ok.version).toBe(4);
  });

  it("makes a new source usable by the ingest path at once in this isolate", async () => {
    const doc = designExample() as unknown as { sources: Record<string, unknown>[] };
    doc.sources.push({ id: "open-form", provider: "none" });
    await json(await putConfig(doc));
    const response = await post("/in/open-form", JSON.stringify({ email: "a@example.com" }), { "content-type": "application/json" });
    expect(response.status).toBe(202);
  });
});

describe("outbound URLs", () => {
  /** PUT /config on a gateway whose ALLOW_HTTP_DESTINATIONS is `allowHttp`. */
  async function putWith(allowHttp: boolean, body: unknown): Promise<Response> {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("https://gateway.test/admin/v1/config", {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      { ...env, ALLOW_HTTP_DESTINATIONS: allowHttp ? "true" : "false" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }
  const hook = (url: string) => ({ destinations: [{ id: "hook", type: "http", url, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }] });
  const messages = async (response: Response) => (await problem(response, 422)).problems?.map((p) => `${p.pointer} ${p.message}`) ?? [];

  it("refuses file:, gopher: and other schemes at write time, whatever ALLOW_HTTP_DESTINATIONS says", async () => {
    for (const url of ["file:///etc/passwd", "gopher://example.com/1", "ftp://example.com/x", "javascript:alert(1)"]) {
      expect(await pointersOf(await putWith(true, hook(url))), url).toEqual(["/destinations/0/url"]);
    }
    const enrichment = { enrichments: [{ id: "clearbit", type: "http", url: "file:///x", fields: { company: "name" } }] };
    expect(await pointersOf(await putConfig(enrichment))).toEqual(["/enrichments/0/url"]);
    const salesforce = { destinations: [{ id: "sf", type: "salesforce", instanceUrl: "gopher://x.example", accessToken: "t", externalIdField: "Email__c" }] };
    expect(await pointersOf(await putConfig(salesforce))).toEqual(["/destinations/0/instanceUrl"]);
  });

  it("without ALLOW_HTTP_DESTINATIONS refuses http, localhost and loopback, private and link-local addresses (422 with a pointer)", async () => {
    const refused = [
      "http://crm.example.com/hook",
      "https://localhost/hook",
      "https://api.localhost./hook",
      "https://127.0.0.1/hook",
      "https://0x7f.1/hook", // 127.0.0.1, spelt otherwise
      "https://10.1.2.3/hook",
      "https://192.168.0.10/hook",
      "https://172.16.5.4/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
      "https://[fe80::1]/hook",
      "https://[fd00::5]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://0.0.0.0/hook",
    ];
    for (const url of refused) {
      const [message, ...rest] = await messages(await putWith(false, hook(url)));
      expect(rest, url).toEqual([]);
      expect(message, url).toMatch(/^\/destinations\/0\/url the URL must/);
    }
    expect((await messages(await putWith(false, hook("https://192.168.0.10/x"))))[0]).toContain("private address");
    // Every URL field of destinations and enrichments, a Slack URL (a secret) too.
    const doc = {
      destinations: [
        { id: "hs", type: "hubspot", token: "pat", baseUrl: "https://127.0.0.1:9000" },
        { id: "slack", type: "slack", url: "https://localhost/services/x" },
        // A URL inside a nested object: the token endpoint of a Salesforce connected app.
        {
          id: "sf",
          type: "salesforce",
          externalIdField: "Email__c",
          auth: {
            type: "client_credentials",
            tokenUrl: "https://169.254.169.254/services/oauth2/token",
            clientId: "3MVG9-key",
            clientSecret: "consumer-secret",
          },
        },
      ],
      enrichments: [{ id: "lookup", type: "http", url: "https://10.0.0.8/lookup", fields: { company: "name" } }],
    };
    expect(await pointersOf(await putWith(false, doc))).toEqual([
      "/destinations/0/baseUrl",
      "/destinations/1/url",
      "/destinations/2/auth/tokenUrl",
      "/enrichments/0/url",
    ]);
  });

  it("accepts public https URLs without ALLOW_HTTP_DESTINATIONS, and local http ones with it", async () => {
    await json(await putWith(false, hook("https://hooks.example.com/lead")));
    await json(await putWith(false, hook("https://93.184.215.14/lead")));
    await json(await putWith(true, hook("http://127.0.0.1:8080/lead")));
  });
});
