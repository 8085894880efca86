import { describe, expect, it } from "vitest";
import { admin, adminToken, json, problem, readToken } from "./helpers";

describe("admin auth", () => {
  it("answers 401 with a problem and WWW-Authenticate when no token is sent", async () => {
    const response = await admin("GET", "/v1/config", { token: null });
    const body = await problem(response, 401);
    expect(body).toMatchObject({ code: "unauthorized", status: 401, title: "Unauthorized" });
    expect(body.instance).toMatch(/^req_/);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("answers 401 for a wrong token, a wrong scheme and an empty bearer", async () => {
    expect((await problem(await admin("GET", "/v1/config", { token: "nope" }), 401)).code).toBe("unauthorized");
    expect((await problem(await admin("GET", "/v1/config", { token: `${adminToken}x` }), 401)).code).toBe("unauthorized");
    const basic = await admin("GET", "/v1/config", { token: null, headers: { authorization: `Basic ${btoa(`x:${adminToken}`)}` } });
    expect((await problem(basic, 401)).code).toBe("unauthorized");
    const empty = await admin("GET", "/v1/config", { token: null, headers: { authorization: "Bearer " } });
    expect((await problem(empty, 401)).code).toBe("unauthorized");
  });

  it("lets nothing under /admin answer without a token: unknown paths, docs and the OpenAPI document too", async () => {
    for (const path of ["/v1/nothing-here", "/docs", "/v1/openapi.json", "/v1/events", "/v1/stats", "", "/"]) {
      const response = await admin("GET", path, { token: null });
      expect(response.status, path).toBe(401);
    }
    const write = await admin("PUT", "/v1/config", { token: null, body: {} });
    expect(write.status).toBe(401);
  });

  it("accepts the admin token for reads and writes", async () => {
    await json(await admin("GET", "/v1/config"));
    await json(await admin("PUT", "/v1/config", { body: { sources: [] } }));
  });

  it("lets the read-only token read and simulate, and answers 403 to its writes", async () => {
    await json(await admin("GET", "/v1/config", { token: readToken }));
    await json(await admin("GET", "/v1/events", { token: readToken }));
    const put = await admin("PUT", "/v1/config", { token: readToken, body: { sources: [] } });
    expect((await problem(put, 403)).code).toBe("forbidden");
    const del = await admin("DELETE", "/v1/routes/x", { token: readToken });
    expect((await problem(del, 403)).code).toBe("forbidden");
    const replay = await admin("POST", "/v1/events/replay", { token: readToken, body: { source: "x" } });
    expect((await problem(replay, 403)).code).toBe("forbidden");
    const rollback = await admin("POST", "/v1/config/rollback", { token: readToken, body: { version: 1 } });
    expect((await problem(rollback, 403)).code).toBe("forbidden");
    // Simulate has no side effects: a read. (404: no such source; auth passed.)
    const simulate = await admin("POST", "/v1/simulate", { token: readToken, body: { source: "none", payload: {} } });
    expect((await problem(simulate, 404)).code).toBe("source_not_found");
  });

  it("accepts HTTP Basic with the token as password on the docs page, so a browser can open it", async () => {
    const challenge = await admin("GET", "/docs", { token: null });
    expect(challenge.headers.get("www-authenticate")).toContain("Basic");
    const page = await admin("GET", "/docs", { token: null, headers: { authorization: `Basic ${btoa(`me:${readToken}`)}` } });
    expect(page.status).toBe(200);
    // …but nowhere else.
    const api = await admin("GET", "/v1/events", { token: null, headers: { authorization: `Basic ${btoa(`me:${adminToken}`)}` } });
    expect(api.status).toBe(401);
  });

  it("answers unknown admin paths with a 404 problem once authenticated", async () => {
    expect((await problem(await admin("GET", "/v1/nothing-here"), 404)).code).toBe("not_found");
  });
});
