import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { clearConfigCache } from "../../src/config/store";
import worker from "../../src/index";
import { queueNames } from "../../src/queue/messages";
import { adminToken, designExample, json, problem } from "./helpers";

/**
 * A `CONFIG_KEY` that changes: a gateway restarted with another key answers a clear
 * problem (never 500) and recovers with a PUT of the whole document; with the old key
 * as `CONFIG_KEY_PREVIOUS` it reads everything, and rekeying moves what is stored
 * under the new key.
 */

const keyA = (env as Env & { CONFIG_KEY: string }).CONFIG_KEY;
const keyB = "rotated-config-key-b-0123456789abcdef";
const keyC = "rotated-config-key-c-0123456789abcdef";

type Keys = { CONFIG_KEY: string; CONFIG_KEY_PREVIOUS?: string };

/** The gateway as a fresh isolate with these keys would answer (no cached configuration). */
async function call(keys: Keys, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  clearConfigCache();
  const { CONFIG_KEY_PREVIOUS: _previous, ...base } = env as Env & Keys;
  const ctx = createExecutionContext();
  const isAdmin = path.startsWith("/admin");
  const response = await worker.fetch(
    new Request(`https://gateway.test${path}`, {
      method,
      headers: {
        ...(isAdmin ? { authorization: `Bearer ${adminToken}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }),
    { ...base, ...keys } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** A Typeform-signed webhook for the example's source (`sha256=` base64 HMAC of the body). */
async function typeformWebhook(keys: Keys, secret = "tf-secret"): Promise<Response> {
  const body = JSON.stringify({ event_id: crypto.randomUUID(), form_response: { hidden: { email: "ada@example.com" }, calculated: { score: 10 } } });
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return call(keys, "POST", "/in/typeform-leads", body, { "typeform-signature": `sha256=${btoa(String.fromCharCode(...mac))}` });
}

/** Two versions stored under key A: the example, then the example with a second source secret. */
beforeEach(async () => {
  const listed = await env.CONFIG.list({ prefix: "config/" });
  await Promise.all(listed.keys.map((k) => env.CONFIG.delete(k.name)));
  await json(await call({ CONFIG_KEY: keyA }, "PUT", "/admin/v1/config", designExample()));
  const second = designExample();
  if (second.sources[0]) second.sources[0].secrets = ["tf-secret", "tf-secret-2"];
  await json(await call({ CONFIG_KEY: keyA }, "PUT", "/admin/v1/config", second));
});

describe("a gateway restarted with another CONFIG_KEY", () => {
  it("answers config_key_mismatch, never 500, on reads, rollback and ingest, with what to do", async () => {
    const keys = { CONFIG_KEY: keyB };
    const read = await problem(await call(keys, "GET", "/admin/v1/config"), 503);
    expect(read.code).toBe("config_key_mismatch");
    expect(read.detail).toMatch(/cannot be opened with CONFIG_KEY\b.*CONFIG_KEY_PREVIOUS.*npm run config -- rekey.*PUT \/admin\/v1\/config/);
    expect((await problem(await call(keys, "GET", "/admin/v1/config/versions/1"), 503)).code).toBe("config_key_mismatch");
    expect((await problem(await call(keys, "POST", "/admin/v1/config/rollback", { version: 1 }), 503)).code).toBe("config_key_mismatch");
    expect((await problem(await call(keys, "PUT", "/admin/v1/sources/x", { id: "x", provider: "none" }), 503)).code).toBe("config_key_mismatch");
    const ingest = await problem(await typeformWebhook(keys), 503);
    expect(ingest.code).toBe("config_key_mismatch");
    // The history still lists: it needs no key.
    const listed = await json<{ active: number; versions: { version: number }[] }>(await call(keys, "GET", "/admin/v1/config/versions"));
    expect(listed).toMatchObject({ active: 2, versions: [{ version: 2 }, { version: 1 }] });
  });

  it("refuses a PUT that keeps secrets it cannot read, pointing at each, and changes nothing", async () => {
    const keys = { CONFIG_KEY: keyB };
    const doc = designExample() as unknown as { sources: Record<string, unknown>[]; destinations: Record<string, unknown>[] };
    doc.sources[0] = { ...doc.sources[0], secrets: ["••••"] };
    delete doc.destinations[0]?.token;
    const refused = await problem(await call(keys, "PUT", "/admin/v1/config", doc), 422);
    expect(refused.problems?.map((p) => p.pointer)).toEqual(["/sources/0/secrets/0", "/destinations/0/token"]);
    expect(refused.problems?.[0]?.message).toMatch(/cannot be opened with CONFIG_KEY or CONFIG_KEY_PREVIOUS.*enter it again/);
    // Leaving a source's secrets out would drop them in silence: refused too.
    const { secrets: _secrets, ...withoutSecrets } = designExample().sources[0] ?? { secrets: [] };
    const omitted = await problem(await call(keys, "PUT", "/admin/v1/config", { ...designExample(), sources: [withoutSecrets] }), 422);
    expect(omitted.problems?.map((p) => p.pointer)).toEqual(["/sources/0/secrets"]);
    const listed = await json<{ active: number }>(await call(keys, "GET", "/admin/v1/config/versions"));
    expect(listed.active).toBe(2);
  });

  it("recovers with a PUT of the whole document with every secret entered again", async () => {
    const keys = { CONFIG_KEY: keyB };
    const stored = await json<{ version: number; unchanged: boolean; summary: { sources: { changed: string[] }; routes: { changed: string[] } } }>(
      await call(keys, "PUT", "/admin/v1/config", designExample()),
    );
    expect(stored).toMatchObject({ version: 3, unchanged: false });
    // Compared with the sealed entries: the ones with secrets count as changed, the rest as they are.
    expect(stored.summary.sources.changed).toEqual(["typeform-leads"]);
    expect(stored.summary.routes.changed).toEqual([]);
    const doc = await json<{ sources: { secrets: string[] }[] }>(await call(keys, "GET", "/admin/v1/config"));
    expect(doc.sources[0]?.secrets).toEqual(["••••"]);
    expect((await typeformWebhook(keys)).status).toBe(202);
  });
});

describe("rotating CONFIG_KEY with CONFIG_KEY_PREVIOUS", () => {
  it("reads everything stored under the previous key and writes under the new one", async () => {
    const keys = { CONFIG_KEY: keyB, CONFIG_KEY_PREVIOUS: keyA };
    const doc = await json<{ sources: { secrets: string[] }[] }>(await call(keys, "GET", "/admin/v1/config"));
    expect(doc.sources[0]?.secrets).toEqual(["••••", "••••"]);
    expect((await call(keys, "GET", "/admin/v1/config/versions/1")).status).toBe(200);
    expect((await typeformWebhook(keys)).status).toBe(202);
    // A write (here a rollback) seals under the new key: it opens without the previous one.
    await json(await call(keys, "POST", "/admin/v1/config/rollback", { version: 1 }));
    expect((await call({ CONFIG_KEY: keyB }, "GET", "/admin/v1/config")).status).toBe(200);
  });

  it("rekeys the active version and the history, so the previous key can go", async () => {
    const keys = { CONFIG_KEY: keyB, CONFIG_KEY_PREVIOUS: keyA };
    const first = await json<{ rekeyed: number; unchanged: number; unreadable: number[]; nextCursor?: string }>(
      await call(keys, "POST", "/admin/v1/config/rekey"),
    );
    expect(first).toEqual({ rekeyed: 3, unchanged: 0, unreadable: [] });
    // Run again: nothing left to do.
    expect(await json(await call(keys, "POST", "/admin/v1/config/rekey", {}))).toEqual({ rekeyed: 0, unchanged: 3, unreadable: [] });

    const newOnly = { CONFIG_KEY: keyB };
    for (const path of ["/admin/v1/config", "/admin/v1/config/versions/1", "/admin/v1/config/versions/2"]) {
      expect((await call(newOnly, "GET", path)).status, path).toBe(200);
    }
    expect((await typeformWebhook(newOnly)).status).toBe(202);
    // The history keeps its metadata, and no raw value holds a secret in clear.
    const listed = await json<{ versions: { version: number; updatedBy: string }[] }>(await call(newOnly, "GET", "/admin/v1/config/versions"));
    expect(listed.versions.map((v) => v.version)).toEqual([2, 1]);
    for (const { name } of (await env.CONFIG.list({ prefix: "config/" })).keys) {
      expect(await env.CONFIG.get(name)).not.toContain("tf-secret");
    }
  });

  it("pages the history with a cursor, and lists versions no key opens without touching them", async () => {
    // Version 3 under key B, so with C + previous B, versions 1 and 2 (key A) are unreadable.
    await json(await call({ CONFIG_KEY: keyB, CONFIG_KEY_PREVIOUS: keyA }, "PUT", "/admin/v1/config", { ...designExample(), settings: { retentionDays: 7 } }));
    const keys = { CONFIG_KEY: keyC, CONFIG_KEY_PREVIOUS: keyB };
    const before = await env.CONFIG.get("config/versions/9999999998");
    const seen = { rekeyed: 0, unchanged: 0, unreadable: [] as number[] };
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await json<{ rekeyed: number; unchanged: number; unreadable: number[]; nextCursor?: string }>(
        await call(keys, "POST", "/admin/v1/config/rekey", cursor ? { cursor } : undefined),
      );
      seen.rekeyed += page.rekeyed;
      seen.unchanged += page.unchanged;
      seen.unreadable.push(...page.unreadable);
      cursor = page.nextCursor;
      calls += 1;
    } while (cursor && calls < 10);
    // The active version and version 3's history entry; 1 and 2 stay as they were.
    expect(seen).toEqual({ rekeyed: 2, unchanged: 0, unreadable: [2, 1] });
    expect(await env.CONFIG.get("config/versions/9999999998")).toBe(before);
    expect((await call({ CONFIG_KEY: keyC }, "GET", "/admin/v1/config")).status).toBe(200);
  });

  it("refuses to rekey when no key opens the active version, and changes nothing", async () => {
    const before = await env.CONFIG.get("config/current");
    const response = await call({ CONFIG_KEY: keyC, CONFIG_KEY_PREVIOUS: keyB }, "POST", "/admin/v1/config/rekey");
    expect((await problem(response, 503)).code).toBe("config_key_mismatch");
    expect(await env.CONFIG.get("config/current")).toBe(before);
  });
});

describe("the routing consumer without a readable configuration", () => {
  it("retries the batch (with a backoff) instead of throwing, which would spend the queue's retries at once", async () => {
    clearConfigCache();
    const batch = createMessageBatch(queueNames.routing, [
      { id: "key-m1", timestamp: new Date(), attempts: 3, body: { eventId: "evt_00000000000000000000000KEY", sourceId: "typeform-leads" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...(env as Env), CONFIG_KEY: keyB } as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["key-m1"]);
  });
});
