import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { safeNext } from "../../src/console/app";
import { issueSession } from "../../src/console/session";
import { adminToken, readToken } from "../admin/helpers";
import { consoleFetch, cookieValue, formToken, hidden, page, setCookies, signIn } from "./helpers";

describe("console sign-in", () => {
  it("sends a visitor without a session to the login form, keeping where they were going", async () => {
    const response = await consoleFetch("GET", "/events?status=dead");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/console/login?next=${encodeURIComponent("/console/events?status=dead")}`);
    for (const path of ["", "/routing", "/simulate", "/events/evt_x", "/routing/versions/1", "/no-such-page"]) {
      expect((await consoleFetch("GET", path)).status, path).toBe(303);
    }
  });

  it("serves the login form with a labelled password field and a double-submit nonce cookie", async () => {
    const response = await consoleFetch("GET", "/login");
    const html = await page(response);
    expect(html).toContain('<label for="token">Admin token</label>');
    expect(html).toMatch(/<input id="token" name="token" type="password"[^>]*required/);
    const nonce = setCookies(response).get("sb_console_login") ?? "";
    expect(nonce).toMatch(/HttpOnly/i);
    expect(nonce).toMatch(/Secure/i);
    expect(nonce).toMatch(/SameSite=Strict/i);
    expect(nonce).toContain("Path=/console/login");
    expect(hidden(html, "login_nonce")).toBe(cookieValue(nonce));
  });

  it("sets an HttpOnly, Secure, SameSite=Strict session cookie on /console that is not the token", async () => {
    const form = await consoleFetch("GET", "/login?next=/console/routing");
    const html = await page(form);
    const nonce = cookieValue(setCookies(form).get("sb_console_login"));
    const response = await consoleFetch("POST", "/login", {
      cookies: [`sb_console_login=${nonce}`],
      form: { token: adminToken, login_nonce: hidden(html, "login_nonce"), next: hidden(html, "next") },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/routing");
    const cookie = setCookies(response).get("sb_console") ?? "";
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/console(;|$)/);
    expect(cookie).toMatch(/; Max-Age=28800/);
    const value = cookieValue(cookie);
    expect(value).toMatch(/^admin\.\d+\.[\w-]+\.[\w-]+$/);
    expect(value).not.toContain(adminToken);
    expect(value).not.toContain(btoa(adminToken).replace(/=+$/, ""));
    // The nonce cookie is spent.
    expect(setCookies(response).get("sb_console_login")).toMatch(/Max-Age=0/);
    await page(await consoleFetch("GET", "/routing", { session: value }));
  });

  it("refuses a wrong token (401) and a login post without its nonce (403), setting no session", async () => {
    const form = await consoleFetch("GET", "/login");
    const html = await page(form);
    const nonce = cookieValue(setCookies(form).get("sb_console_login"));
    const wrong = await consoleFetch("POST", "/login", {
      cookies: [`sb_console_login=${nonce}`],
      form: { token: `${adminToken}x`, login_nonce: hidden(html, "login_nonce") },
    });
    expect(await page(wrong, 401)).toContain("That token is not valid.");
    expect(setCookies(wrong).has("sb_console")).toBe(false);

    const noCookie = await consoleFetch("POST", "/login", { form: { token: adminToken, login_nonce: hidden(html, "login_nonce") } });
    expect(await page(noCookie, 403)).toContain("sign-in form expired");
    expect(setCookies(noCookie).has("sb_console")).toBe(false);
  });

  it("throttles wrong tokens per address with a 429 page and Retry-After, shared with the admin API", async () => {
    const headers = { "cf-connecting-ip": "192.0.2.55" };
    const attempt = async (token: string) => {
      const form = await consoleFetch("GET", "/login", { headers });
      const html = await page(form);
      const nonce = cookieValue(setCookies(form).get("sb_console_login"));
      return consoleFetch("POST", "/login", { headers, cookies: [`sb_console_login=${nonce}`], form: { token, login_nonce: hidden(html, "login_nonce") } });
    };
    for (let i = 0; i < 10; i++) await page(await attempt(`guess-${i}`), 401);
    const refused = await attempt("guess-10");
    expect(await page(refused, 429)).toContain("Too many failed authentications");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(setCookies(refused).has("sb_console")).toBe(false);
    // The right token from the blocked address is refused as well; the admin API too.
    await page(await attempt(adminToken), 429);
    const api = await exports.default.fetch(
      new Request("https://gateway.test/admin/v1/config", { headers: { ...headers, authorization: `Bearer ${adminToken}` } }),
    );
    expect(api.status).toBe(429);
  });

  it("refuses a login posted from another site (Origin check) before looking at the token", async () => {
    const form = await consoleFetch("GET", "/login");
    const html = await page(form);
    const nonce = cookieValue(setCookies(form).get("sb_console_login"));
    const response = await consoleFetch("POST", "/login", {
      origin: "https://evil.example",
      cookies: [`sb_console_login=${nonce}`],
      form: { token: adminToken, login_nonce: hidden(html, "login_nonce") },
    });
    expect(await page(response, 403)).toContain("cross-site");
    expect(setCookies(response).has("sb_console")).toBe(false);
  });

  it("accepts no forged, altered or expired session", async () => {
    const { session } = await signIn(readToken);
    expect(session.startsWith("read.")).toBe(true);
    const [, expires, nonce, mac] = session.split(".");
    const forged = [
      `admin.${expires}.${nonce}.${mac}`, // role promoted
      `read.${Number(expires) + 3600}.${nonce}.${mac}`, // life extended
      `read.${expires}.${nonce}.${mac?.slice(0, -2)}AA`, // signature altered
      "read.9999999999.x.y",
      "garbage",
    ];
    for (const value of forged) expect((await consoleFetch("GET", "/events", { session: value })).status, value).toBe(303);
    const expired = await issueSession({ ADMIN_TOKEN: adminToken }, "admin", Date.now() - 9 * 3600_000);
    expect((await consoleFetch("GET", "/events", { session: expired.value })).status).toBe(303);
  });

  it("signs out for real: the cookie is cleared, and a kept copy of it no longer works", async () => {
    const { session, csrf } = await signIn();
    const stillValid = await formToken(session);
    const other = await signIn();
    const response = await consoleFetch("POST", "/logout", { session, form: { _csrf: csrf } });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/login");
    expect(setCookies(response).get("sb_console")).toMatch(/Max-Age=0/);
    // The copied cookie: pages send it to the login form, which shows the form (no redirect loop), and POSTs are refused.
    expect((await consoleFetch("GET", "/events", { session })).status).toBe(303);
    await page(await consoleFetch("GET", "/login", { session }));
    const post = await consoleFetch("POST", "/simulate", { session, form: { _csrf: stillValid, source: "none", payload: "{}" } });
    expect(await page(post, 401)).toContain("Your session has ended");
    // Other sessions go on.
    await page(await consoleFetch("GET", "/events", { session: other.session }));
  });

  it("deletes expired sessions and their spent nonces at the next sign-in", async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO console_sessions (id, role, created_at, expires_at) VALUES ('old', 'admin', 1, 2)"),
      env.DB.prepare("INSERT INTO console_form_nonces (nonce, session_id, expires_at) VALUES ('n-old', 'old', 2)"),
    ]);
    await signIn();
    expect(await env.DB.prepare("SELECT id FROM console_sessions WHERE id = 'old'").first()).toBeNull();
    expect(await env.DB.prepare("SELECT nonce FROM console_form_nonces WHERE nonce = 'n-old'").first()).toBeNull();
  });

  it("accepts a session cookie only if the session was started by signing in", async () => {
    // Signed with the right key but never recorded (as a cookie from before a database reset would be).
    const { value } = await issueSession({ ADMIN_TOKEN: adminToken }, "admin");
    expect((await consoleFetch("GET", "/events", { session: value })).status).toBe(303);
  });

  it("only returns to console paths after signing in", () => {
    expect(safeNext("/console/events?status=dead")).toBe("/console/events?status=dead");
    expect(safeNext("/console")).toBe("/console");
    for (const bad of [
      "//evil.example/",
      "https://evil.example/console",
      "/console//evil.example",
      "/consolex",
      "/admin/v1/config",
      "/console/\\evil",
      "/console/login",
    ]) {
      expect(safeNext(bad), bad).toBe("/console");
    }
  });
});

describe("CSRF", () => {
  it("refuses a POST without the session's token, with another session's token, or from another origin", async () => {
    const admin = await signIn();
    const other = await signIn();
    expect(other.csrf).not.toBe(admin.csrf);
    const simulate = { source: "none", payload: "{}" };
    expect(await page(await consoleFetch("POST", "/simulate", { session: admin.session, form: simulate }), 403)).toContain("security token");
    expect((await consoleFetch("POST", "/simulate", { session: admin.session, form: { ...simulate, _csrf: other.csrf } })).status).toBe(403);
    expect((await consoleFetch("POST", "/simulate", { session: admin.session, form: { ...simulate, _csrf: "" } })).status).toBe(403);
    // JSON bodies carry no form token either.
    const json = await consoleFetch("POST", "/routing/rollback", {
      session: admin.session,
      headers: { "content-type": "application/json" },
    });
    expect(json.status).toBe(403);
    // With the right token but from another site (no Sec-Fetch-Site: same-origin).
    const crossSite = await consoleFetch("POST", "/simulate", {
      session: admin.session,
      origin: "https://evil.example",
      form: { ...simulate, _csrf: admin.csrf },
    });
    expect(crossSite.status).toBe(403);
    // With the right token from the console's origin, the form goes through (422: no such source).
    expect((await consoleFetch("POST", "/simulate", { session: admin.session, form: { ...simulate, _csrf: admin.csrf } })).status).toBe(422);
  });

  it("answers 401 to a POST without a session", async () => {
    expect(await page(await consoleFetch("POST", "/routing/rollback", { form: { version: "1" } }), 401)).toContain("Sign in again");
  });
});

describe("single-use form tokens", () => {
  it("runs a form once: the same POST sent again is refused with 409", async () => {
    const { session, csrf } = await signIn();
    const form = { _csrf: csrf, source: "none", payload: "{}" };
    expect((await consoleFetch("POST", "/simulate", { session, form })).status).toBe(422);
    expect(await page(await consoleFetch("POST", "/simulate", { session, form }), 409)).toContain("This form was sent already");
    // Each page carries a new token.
    const first = await formToken(session);
    const second = await formToken(session);
    expect(first).not.toBe(second);
    expect((await consoleFetch("POST", "/simulate", { session, form: { ...form, _csrf: second } })).status).toBe(422);
    expect((await consoleFetch("POST", "/simulate", { session, form: { ...form, _csrf: first } })).status).toBe(422);
  });

  it("refuses a made-up nonce, and a token moved to another session", async () => {
    const a = await signIn();
    const b = await signIn();
    const [, mac] = a.csrf.split(".");
    const forms = [`madeup.${mac}`, `${a.csrf}x`, a.csrf.replace(".", ""), "x.y.z"];
    for (const _csrf of forms)
      expect((await consoleFetch("POST", "/simulate", { session: a.session, form: { _csrf, source: "none", payload: "{}" } })).status, _csrf).toBe(403);
    expect((await consoleFetch("POST", "/simulate", { session: b.session, form: { _csrf: a.csrf, source: "none", payload: "{}" } })).status).toBe(403);
  });
});

describe("read-only token", () => {
  it("can look and simulate but not replay or roll back", async () => {
    const { session } = await signIn(readToken);
    const csrf = () => formToken(session);
    const overview = await page(await consoleFetch("GET", "", { session }));
    expect(overview).toContain("read-only");
    expect(overview).not.toContain("/replay");
    const routing = await page(await consoleFetch("GET", "/routing", { session }));
    expect(routing).not.toContain("/routing/rollback");
    const replay = await consoleFetch("POST", "/events/evt_x/replay", { session, form: { _csrf: await csrf() } });
    expect(await page(replay, 403)).toContain("read-only token can look but not change anything");
    const rollback = await consoleFetch("POST", "/routing/rollback", { session, form: { _csrf: await csrf(), version: "1" } });
    expect(rollback.status).toBe(403);
    expect((await consoleFetch("POST", "/simulate", { session, form: { _csrf: await csrf(), source: "none", payload: "{}" } })).status).toBe(422);
  });
});

describe("headers and assets", () => {
  it("sends a CSP that allows nothing from another origin, on every page", async () => {
    const { session } = await signIn();
    for (const path of ["/login", "", "/events", "/routing", "/simulate", "/nothing"]) {
      const response = await consoleFetch("GET", path, path === "/login" ? {} : { session });
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const html = await response.text();
      // Nothing is loaded from elsewhere, and nothing inline needs 'unsafe-inline'.
      expect(html).not.toMatch(/(src|href|action)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(html).not.toMatch(/\sstyle="/);
      expect(html).not.toMatch(/\son[a-z]+="/);
    }
  });

  it("serves its stylesheet and script without a session", async () => {
    const css = await consoleFetch("GET", "/assets/console.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain(":focus-visible");
    const js = await consoleFetch("GET", "/assets/console.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await consoleFetch("GET", "/assets/other.js")).status).toBe(404);
  });

  it("leaves the admin API's bearer auth as it was", async () => {
    const { session } = await signIn();
    // The console cookie is no credential for /admin.
    const response = await exports.default.fetch(new Request("https://gateway.test/admin/v1/config", { headers: { cookie: `sb_console=${session}` } }));
    expect(response.status).toBe(401);
  });
});
