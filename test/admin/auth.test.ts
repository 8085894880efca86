import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
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

  it("serves the docs page with a CSP that allows its own script and inline start-up only, and no framing", async () => {
    const page = await admin("GET", "/docs", { token: null, headers: { authorization: `Basic ${btoa(`me:${readToken}`)}` } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = page.headers.get("content-security-policy") ?? "";
    const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("default-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    // The script file is same-origin; the inline start-up script is allowed by its hash, nothing else inline.
    expect(html).toContain('<script src="/_assets/scalar/standalone.js"></script>');
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
    expect(inline).toHaveLength(1);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inline[0])));
    expect(directives.get("script-src")).toEqual(["'self'", `'sha256-${btoa(String.fromCharCode(...digest))}'`]);
    expect(csp).not.toContain("unsafe-eval");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("answers unknown admin paths with a 404 problem once authenticated", async () => {
    expect((await problem(await admin("GET", "/v1/nothing-here"), 404)).code).toBe("not_found");
  });
});

describe("failed-auth throttling", () => {
  const from = (address: string) => ({ "cf-connecting-ip": address });

  it("answers 429 with Retry-After after 10 wrong tokens from one address; other addresses are unaffected", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 40; i++) {
      last = await admin("GET", "/v1/config", { token: `wrong-token-${i}`, headers: from("203.0.113.7") });
      statuses.push(last.status);
      if (i < 39) await last.body?.cancel();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
    const body = await problem(last as Response, 429);
    expect(body.code).toBe("auth_throttled");
    const retryAfter = Number(last?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // The right token from another address works; from the blocked one it is refused
    // too, or a 200 among the 429s would tell the guesser it was right.
    await json(await admin("GET", "/v1/config", { headers: from("203.0.113.8") }));
    expect((await problem(await admin("GET", "/v1/config", { headers: from("203.0.113.7") }), 429)).code).toBe("auth_throttled");
  });

  it("counts an IPv6 client by its /64", async () => {
    for (let i = 0; i < 10; i++) await problem(await admin("GET", "/v1/config", { token: "nope", headers: from(`2001:db8:1:2::${i + 1}`) }), 401);
    expect((await problem(await admin("GET", "/v1/config", { token: "nope", headers: from("2001:db8:1:2:ffff::1") }), 429)).code).toBe("auth_throttled");
    await problem(await admin("GET", "/v1/config", { token: "nope", headers: from("2001:db8:1:3::1") }), 401);
  });

  it("lets an address try again once its failures have left the one-minute window", async () => {
    const throttle = env.AUTH_THROTTLE.getByName("window-test");
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 10; i++) expect(await throttle.fail(t0 + i * 1000)).toEqual({});
    // The next try counts only once two of the eleven have left the window (at t0 + 61 s).
    expect(await throttle.fail(t0 + 10_000)).toEqual({ retryAfterSeconds: 51 });
    expect(await throttle.fail(t0 + 61_500)).toEqual({});
  });

  it("does not count requests without a token, nor right tokens", async () => {
    for (let i = 0; i < 15; i++) await problem(await admin("GET", "/v1/config", { token: null, headers: from("198.51.100.20") }), 401);
    for (let i = 0; i < 15; i++) await json(await admin("GET", "/v1/config", { headers: from("198.51.100.20") }));
    await problem(await admin("GET", "/v1/config", { token: "nope", headers: from("198.51.100.20") }), 401);
  });
});

describe("token length", () => {
  const call = (path: string, tokens: { ADMIN_TOKEN?: string; ADMIN_READ_TOKEN?: string }, headers: Record<string, string> = {}) =>
    worker.fetch(new Request(`https://gateway.test${path}`, { headers }), { ...env, ...tokens }, createExecutionContext());

  it("refuses the management surface with a problem naming the short token, and logs it", async () => {
    const error = vi.spyOn(console, "error");
    const short = { ADMIN_TOKEN: "a".repeat(31) };
    for (const path of ["/admin/v1/config", "/console", "/healthz"]) {
      const body = await problem(await call(path, short, { authorization: `Bearer ${"a".repeat(31)}` }), 503);
      expect(body.code, path).toBe("token_too_short");
      expect(body.detail).toContain("ADMIN_TOKEN is shorter than 32 characters");
    }
    expect(error.mock.calls.some(([line]) => String(line).includes("admin token too short"))).toBe(true);
    const read = await problem(await call("/admin/v1/config", { ADMIN_READ_TOKEN: "r".repeat(20) }), 503);
    expect(read.detail).toContain("ADMIN_READ_TOKEN is shorter");
    error.mockRestore();
  });

  it("serves as usual with 32-character tokens", async () => {
    const tokens = { ADMIN_TOKEN: "a".repeat(32), ADMIN_READ_TOKEN: "r".repeat(32) };
    expect((await call("/admin/v1/config", tokens, { authorization: `Bearer ${"r".repeat(32)}` })).status).toBe(200);
    expect((await call("/healthz", tokens)).status).toBe(200);
  });
});
