import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readCurrentConfig } from "../../src/config/store";
import { admin, designExample, json, problem } from "./helpers";

interface WriteResult {
  version: number;
  unchanged: boolean;
  summary: Record<string, { added: string[]; changed: string[]; removed: string[] }>;
}

describe("per-kind endpoints", () => {
  it("lists each kind (empty before any write)", async () => {
    for (const kind of ["sources", "destinations", "routes", "pools"]) {
      // Destinations come with their runtime states (pause, circuit breaker) beside them.
      expect(await json(await admin("GET", `/v1/${kind}`))).toEqual(kind === "destinations" ? { items: [], states: {} } : { items: [] });
    }
    await json(await admin("PUT", "/v1/config", { body: designExample() }));
    const routes = await json<{ items: { id: string }[] }>(await admin("GET", "/v1/routes"));
    expect(routes.items.map((r) => r.id)).toEqual(["hot", "warm", "rest"]);
    const destinations = await json<{ items: Record<string, unknown>[] }>(await admin("GET", "/v1/destinations"));
    expect(destinations.items.map((d) => d.token ?? d.url)).toEqual(["••••", "••••es/…"]);
  });

  it("gets one entry, masked, and 404 for an unknown id", async () => {
    expect(await json(await admin("GET", "/v1/pools/enterprise-ae"))).toMatchObject({ id: "enterprise-ae", strategy: "round_robin" });
    expect(await json(await admin("GET", "/v1/sources/typeform-leads"))).toMatchObject({ secrets: ["••••"] });
    expect((await problem(await admin("GET", "/v1/routes/nope"), 404)).code).toBe("entry_not_found");
  });

  it("creates an entry (201) as a new version, and replaces one (200)", async () => {
    const created = await admin("PUT", "/v1/pools/smb", {
      body: { id: "smb", strategy: "load_balanced", members: [{ ownerId: "201" }, { ownerId: "202" }] },
    });
    const result = await json<WriteResult>(created, 201);
    expect(result).toMatchObject({ version: 2, unchanged: false, summary: { pools: { added: ["smb"] } } });
    expect(created.headers.get("etag")).toBe('"2"');

    const replaced = await json<WriteResult>(
      await admin("PUT", "/v1/routes/rest", { body: { id: "rest", when: { always: true }, actions: [{ assign: { pool: "smb" } }] } }),
    );
    expect(replaced).toMatchObject({ version: 3, summary: { routes: { changed: ["rest"] } } });
    const order = (await readCurrentConfig(env))?.document.routes.map((r) => r.id);
    expect(order).toEqual(["hot", "warm", "rest"]);
  });

  it("keeps a destination's stored secret when the body omits it or sends it masked", async () => {
    await json(await admin("PUT", "/v1/destinations/hubspot", { body: { id: "hubspot", type: "hubspot", timeoutMs: 5000 } }));
    await json(await admin("PUT", "/v1/destinations/sales-slack", { body: { id: "sales-slack", type: "slack", url: "••••es/…", maxAttempts: 3 } }));
    const doc = (await readCurrentConfig(env))?.document;
    expect(doc?.destinations).toEqual([
      expect.objectContaining({ id: "hubspot", token: "pat-…", timeoutMs: 5000 }),
      expect.objectContaining({ id: "sales-slack", url: "https://hooks.slack.com/services/…", maxAttempts: 3 }),
    ]);
  });

  it("points schema problems into the body, and problems elsewhere into the stored config", async () => {
    const bad = await problem(
      await admin("PUT", "/v1/routes/vip", { body: { id: "vip", when: { field: "score", op: "gt" }, actions: [{ assign: { pool: "ghost" } }] } }),
      422,
    );
    expect(bad.problems).toEqual([
      { pointer: "/when/value", message: "value must be a number or text" },
      { pointer: "/actions/0/assign/pool", message: "no pool has the id 'ghost'" },
    ]);

    const schema = await problem(await admin("PUT", "/v1/pools/x", { body: { id: "x", members: [{ weight: 0 }] } }), 422);
    expect(schema.problems?.map((p) => p.pointer)).toEqual(["/members/0/ownerId", "/members/0/weight"]);

    const mismatch = await problem(await admin("PUT", "/v1/pools/x", { body: { id: "y", members: [{ ownerId: "1" }] } }), 422);
    expect(mismatch.problems).toEqual([{ pointer: "/id", message: "must be 'x', as in the path" }]);

    // Deleting a pool a route still assigns from breaks the route, not the request body.
    const inUse = await problem(await admin("DELETE", "/v1/pools/enterprise-ae"), 422);
    expect(inUse.problems).toEqual([{ pointer: "/routes/0/actions/0/assign/pool", message: "no pool has the id 'enterprise-ae'", in: "config" }]);
  });

  it("deletes an entry as a new version, and 404 for one that is not there", async () => {
    const result = await json<WriteResult>(await admin("DELETE", "/v1/routes/warm"));
    expect(result.summary.routes?.removed).toEqual(["warm"]);
    expect((await problem(await admin("DELETE", "/v1/routes/warm"), 404)).code).toBe("entry_not_found");
    const versions = await json<{ versions: { version: number }[] }>(await admin("GET", "/v1/config/versions"));
    expect(versions.versions[0]?.version).toBe(result.version);
  });

  it("respects If-Match on per-entry writes", async () => {
    const current = await admin("GET", "/v1/config");
    const etag = current.headers.get("etag") ?? "";
    const stale = await admin("PUT", "/v1/pools/late", { body: { id: "late", members: [{ ownerId: "9" }] }, headers: { "if-match": '"1"' } });
    expect((await problem(stale, 412)).code).toBe("config_version_conflict");
    const fresh = await admin("PUT", "/v1/pools/late", { body: { id: "late", members: [{ ownerId: "9" }] }, headers: { "if-match": etag } });
    expect(fresh.status).toBe(201);
  });
});
