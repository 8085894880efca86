import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { comparable } from "../../src/config/offline";
import { configSchema } from "../../src/config/schema";
import { hasSecrets } from "../../src/config/secret-fields";
import { readCurrentConfig } from "../../src/config/store";
import { configWriteSchema } from "../../src/config/write-schema";
import { admin, json, problem } from "../admin/helpers";

/**
 * An `http` enrichment's token is a secret like a destination's: masked on every
 * read, kept when a write leaves it out or sends it masked, encrypted in KV.
 */

const token = "enrich-token-abcdefgh-1234";
const clearbit: Record<string, unknown> = {
  id: "clearbit",
  type: "http",
  url: "https://enrich.example.com/v1/company",
  token,
  fields: { employees: "company.employees" },
};
const company = { id: "company", type: "hubspot-company", destination: "hubspot", fields: { industry: "properties.industry" } };

/** The document with the http enrichment changed by `changes` (a `token: undefined` leaves it out). */
function documentWith(changes: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
  const entry = Object.fromEntries(Object.entries({ ...clearbit, ...changes }).filter(([, v]) => v !== undefined));
  return {
    destinations: [{ id: "hubspot", type: "hubspot", token: "pat-na1-hubspot-token-0000", baseUrl: "https://api.hubapi.com" }],
    enrichments: [entry, company],
    routes: [{ id: "all", when: { always: true }, actions: [{ enrich: { enrichment: "clearbit" } }] }],
    settings,
  };
}
const document = documentWith();

type Enrichments = { enrichments: Record<string, unknown>[] };
const storedToken = async (): Promise<Record<string, unknown> | undefined> =>
  (await readCurrentConfig(env))?.document.enrichments.find((e) => e.id === "clearbit");

beforeAll(async () => {
  await json(await admin("PUT", "/v1/config", { body: document }));
});

describe("the http enrichment token", () => {
  it("is masked in GET /v1/config, in the versions, and in GET /v1/enrichments", async () => {
    const current = await json<Enrichments>(await admin("GET", "/v1/config"));
    expect(current.enrichments[0]).toMatchObject({ id: "clearbit", token: "••••1234" });
    expect(current.enrichments[1]).not.toHaveProperty("token");
    expect(JSON.stringify(current)).not.toContain(token);

    const listed = await json<{ items: Record<string, unknown>[] }>(await admin("GET", "/v1/enrichments"));
    expect(listed.items.map((e) => e.token)).toEqual(["••••1234", undefined]);
    expect(await json(await admin("GET", "/v1/enrichments/clearbit"))).toMatchObject({ token: "••••1234" });

    const versions = await json<{ active: number }>(await admin("GET", "/v1/config/versions"));
    const version = versions.active;
    const old = await json<{ document: Enrichments }>(await admin("GET", `/v1/config/versions/${version}`));
    expect(JSON.stringify(old)).not.toContain(token);
  });

  it("a write that changes nothing but an enrichment is stored as a new version", async () => {
    const before = await json<{ active: number }>(await admin("GET", "/v1/config/versions"));
    const changed = documentWith({ fields: { employees: "company.size" } });
    const written = await json<{ unchanged: boolean; version: number; summary?: { enrichments?: { changed: string[] } } }>(
      await admin("PUT", "/v1/config", { body: changed }),
    );
    expect(written.unchanged).toBe(false);
    expect(written.version).toBe(before.active + 1);
    expect(written.summary?.enrichments?.changed).toEqual(["clearbit"]);
    await json(await admin("PUT", "/v1/config", { body: document }));
  });

  it("is kept on a write that omits it or sends it masked, and replaced by a new value", async () => {
    const shown = await json<Enrichments & Record<string, unknown>>(await admin("GET", "/v1/config"));
    expect(await json(await admin("PUT", "/v1/config", { body: { ...shown, settings: { retentionDays: 11 } } }))).toMatchObject({ unchanged: false });
    expect((await storedToken())?.token).toBe(token);

    const omitted = documentWith({ token: undefined, fields: { employees: "company.metrics.employees" } }, { retentionDays: 12 });
    expect(await json(await admin("PUT", "/v1/config", { body: omitted }))).toMatchObject({ unchanged: false });
    expect(await storedToken()).toMatchObject({ token, fields: { employees: "company.metrics.employees" } });

    await json(await admin("PUT", "/v1/config", { body: documentWith({ token: "rotated-token-zzzz-9876" }, { retentionDays: 13 }) }));
    expect((await storedToken())?.token).toBe("rotated-token-zzzz-9876");
    expect(await json<Enrichments>(await admin("GET", "/v1/config"))).toMatchObject({ enrichments: [{ token: "••••9876" }, {}] });
    await json(await admin("PUT", "/v1/config", { body: document }));
  });

  it("keeps the token through PUT /v1/enrichments/{id} without one", async () => {
    await json(
      await admin("PUT", "/v1/enrichments/clearbit", {
        body: { id: "clearbit", type: "http", url: "https://enrich.example.com/v2", fields: { employees: "e" } },
      }),
    );
    expect(await storedToken()).toMatchObject({ token, url: "https://enrich.example.com/v2" });
    await json(await admin("PUT", "/v1/config", { body: document }));
  });

  it("refuses a masked value that masks nothing stored", async () => {
    const refused = await problem(await admin("PUT", "/v1/config", { body: documentWith({ token: "••••0000" }) }), 422);
    expect(refused.problems).toContainEqual(expect.objectContaining({ pointer: "/enrichments/0/token" }));

    const fresh = await problem(
      await admin("PUT", "/v1/enrichments/new-one", {
        body: { id: "new-one", type: "http", url: "https://x.example", token: "••••1234", fields: { employees: "e" } },
      }),
      422,
    );
    expect(fresh.problems).toContainEqual(expect.objectContaining({ pointer: "/token" }));
  });

  it("is stored encrypted: the raw KV values never contain it", async () => {
    const names = (await env.CONFIG.list()).keys.map((k) => k.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const raw = (await env.CONFIG.get(name)) ?? "";
      expect(raw).not.toContain(token);
      expect(raw).not.toContain("rotated-token-zzzz-9876");
    }
  });

  it("counts as a secret, and the config CLI compares it masked", () => {
    expect(hasSecrets(configSchema.parse({ enrichments: [clearbit] }))).toBe(true);
    expect(hasSecrets(configSchema.parse({ enrichments: [{ ...clearbit, token: undefined }, company] }))).toBe(false);

    const remote = configSchema.parse(document);
    expect(comparable(configWriteSchema.parse(document), remote).enrichments[0]).toMatchObject({ token: "••••1234" });
    // Left out locally: shown as the remote (masked) one, since a push keeps it.
    const pulled = configSchema.parse(documentWith({ token: "••••1234" }));
    expect(comparable(configWriteSchema.parse(documentWith({ token: undefined })), pulled).enrichments[0]).toMatchObject({ token: "••••1234" });
  });

  it("a referenced enrichment cannot be deleted", async () => {
    const refused = await problem(await admin("DELETE", "/v1/enrichments/clearbit"), 422);
    expect(refused.problems?.[0]).toMatchObject({ in: "config", message: expect.stringContaining("clearbit") });
    expect((await problem(await admin("DELETE", "/v1/enrichments/nope"), 404)).code).toBe("entry_not_found");
  });

  it("an unreferenced enrichment can be deleted", async () => {
    await json(await admin("DELETE", "/v1/enrichments/company"));
    expect((await readCurrentConfig(env))?.document.enrichments.map((e) => e.id)).toEqual(["clearbit"]);
  });
});
