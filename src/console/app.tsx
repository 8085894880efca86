import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { authenticate } from "../admin/auth";
import { cancelJob, readJob, startRetryJob } from "../admin/bulk-retry";
import { validationFailed } from "../admin/problems";
import { rollbackConfig } from "../admin/routes/config";
import { replayEvent } from "../admin/routes/events";
import { endOwnerAway, listOwnerStatuses, setOwnerAway } from "../admin/routes/owners";
import { endSession, spendFormNonce } from "../db/console-sessions";
import { controlDestination } from "../delivery/destination-control";
import { errorCodes, GatewayError } from "../errors";
import { errorMessage, log } from "../lib/log";
import { momentFromForm } from "../lib/zoned-time";
import { serveAsset } from "./assets";
import { type ConsoleContext, type ConsoleEnv, consoleBase, href } from "./env";
import { ErrorPage } from "./pages/error-page";
import { EventDetailPage, loadEvent } from "./pages/event-detail";
import { EventsPage, loadEvents } from "./pages/events";
import { JobPage } from "./pages/job";
import { defaultKpiWindow, KpisPage, loadKpis } from "./pages/kpis";
import { LoginPage } from "./pages/login";
import { defaultWindow, loadOverview, OverviewPage } from "./pages/overview";
import { loadRetryPlan, RetryPage, retryFieldsOf, retryRequestOf } from "./pages/retry";
import { loadRouting, RoutingPage } from "./pages/routing";
import { loadSimulateForm, SimulatePage, simulateForm } from "./pages/simulate";
import { loadVersion, VersionPage } from "./pages/version";
import { securityHeaders } from "./security";
import { activeSession, formNonce, loginCookie, randomToken, type Session, sameSecret, sessionCookie, sessionSeconds, signIn } from "./session";

const cookieBase = { httpOnly: true, secure: true, sameSite: "Strict" } as const;
const loginPath = `${consoleBase}/login`;

/** The session, on pages behind the login; undefined on the login page and early errors. */
function sessionOf(c: ConsoleContext): Session | undefined {
  const session: Session | undefined = c.get("session");
  return session;
}

/** A path inside the console to return to after signing in; anything else becomes the overview. */
export function safeNext(value: string | undefined): string {
  if (!value || value.length > 500) return consoleBase;
  if (value !== consoleBase && !value.startsWith(`${consoleBase}/`) && !value.startsWith(`${consoleBase}?`)) return consoleBase;
  if (value.includes("//") || value.includes("\\") || value.startsWith(loginPath)) return consoleBase;
  return value;
}

function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === "string" ? value : "";
}

function refuse(c: ConsoleContext, status: 401 | 403 | 404 | 409 | 413, title: string, detail: string) {
  return c.html(<ErrorPage status={status} title={title} detail={detail} session={sessionOf(c)} />, status);
}

/** The login form, with a fresh double-submit nonce in a cookie only the login path sees. */
function loginForm(c: ConsoleContext, status: 200 | 401 | 403, error?: string, next?: string) {
  const nonce = randomToken();
  setCookie(c, loginCookie, nonce, { ...cookieBase, path: loginPath, maxAge: 30 * 60 });
  return c.html(<LoginPage next={safeNext(next ?? c.req.query("next"))} nonce={nonce} error={error} />, status);
}

/** Every page behind the login: a valid signed session cookie of a session not ended, else the login form (GET) or 401. */
const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const session = await activeSession(c.env, getCookie(c, sessionCookie));
  if (!session) {
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      const url = new URL(c.req.url);
      return c.redirect(href("/login", { next: safeNext(`${url.pathname}${url.search}`) }), 303);
    }
    return refuse(c, 401, "Signed out", "Your session has ended or was never started. Sign in again, then repeat the action.");
  }
  c.set("session", session);
  await next();
};

/**
 * Every POST behind the login carries a form token of this session in `_csrf`
 * (SameSite and Origin are checked too), and each token works once: the second
 * copy of a POST is refused before anything runs.
 */
const requireFormToken: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const form = await c.req.parseBody();
  const session = sessionOf(c);
  const nonce = session && (await formNonce(session, field(form, "_csrf")));
  if (!session || !nonce) {
    return refuse(c, 403, "Refused", "The form did not carry this session's security token. Reload the page and try again.");
  }
  if (!(await spendFormNonce(c.env.DB, nonce, session.id, Math.floor(Date.now() / 1000)))) {
    log("warn", "console form sent twice", { requestId: c.get("requestId"), path: c.req.path });
    return refuse(c, 409, "Already sent", "This form was sent already, so it was not run again. Reload the page to do it once more.");
  }
  await next();
};

const requireAdmin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (sessionOf(c)?.role !== "admin") return refuse(c, 403, "Read-only", "The read-only token can look but not change anything.");
  await next();
};

/** An error's detail, or on a page (which has no `problems` member to point at) the problems themselves. */
function problemDetail(error: GatewayError): string {
  const listed = error.extensions?.problems;
  if (!Array.isArray(listed) || listed.length === 0) return error.detail;
  return listed
    .map((p: unknown) =>
      typeof p === "object" && p !== null && "message" in p ? `${"pointer" in p ? String(p.pointer).slice(1) : ""}: ${String(p.message)}` : "",
    )
    .filter(Boolean)
    .join("; ");
}

/** A version number or owner id echoed in a notice: short and plain, else nothing. */
function noticeSubject(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9_.:-]{1,100}$/.test(value) ? value : undefined;
}

function need(session: Session | undefined): Session {
  if (!session) throw new Error("console page reached without a session");
  return session;
}

/**
 * The operator console, mounted at /console: server-rendered pages (Hono JSX) over
 * the admin API's own queries and functions, behind the admin tokens. Middleware
 * order matters: assets and the login form are registered before the session check,
 * so they answer without one.
 */
export function createConsoleApp() {
  const app = new Hono<ConsoleEnv>();

  app.use("*", securityHeaders);
  app.get("/assets/:name", serveAsset);
  app.use("*", bodyLimit({ maxSize: 1024 * 1024, onError: (c) => refuse(c, 413, "Too large", "The form is larger than 1 MiB.") }));
  // Origin / Sec-Fetch-Site on every form POST: a cross-site form never gets further.
  app.use("*", csrf());

  app.get("/login", async (c) => {
    if (await activeSession(c.env, getCookie(c, sessionCookie))) return c.redirect(safeNext(c.req.query("next")), 303);
    return loginForm(c, 200);
  });

  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = field(form, "next");
    const expected = getCookie(c, loginCookie) ?? "";
    if (!(await sameSecret(field(form, "login_nonce"), expected))) {
      return loginForm(c, 403, "The sign-in form expired or did not come from this console. Try again.", next);
    }
    // Throttled with the admin API's tokens, by the same per-address counter.
    const role = await authenticate(field(form, "token"), c.env, c.req.raw.headers);
    if (!role) {
      log("warn", "console sign-in refused", { requestId: c.get("requestId") });
      return loginForm(c, 401, "That token is not valid.", next);
    }
    const { value } = await signIn(c.env, role);
    setCookie(c, sessionCookie, value, { ...cookieBase, path: consoleBase, maxAge: sessionSeconds });
    deleteCookie(c, loginCookie, { ...cookieBase, path: loginPath });
    log("info", "console sign-in", { requestId: c.get("requestId"), role });
    return c.redirect(safeNext(next), 303);
  });

  app.use("*", requireSession);
  app.use("*", requireFormToken);

  app.post("/logout", async (c) => {
    await endSession(c.env.DB, need(sessionOf(c)).id, Math.floor(Date.now() / 1000));
    deleteCookie(c, sessionCookie, { ...cookieBase, path: consoleBase });
    return c.redirect(loginPath, 303);
  });

  app.get("/", async (c) => {
    const data = await loadOverview(c.env, c.req.query("hours") ?? defaultWindow);
    return c.html(<OverviewPage data={data} session={need(sessionOf(c))} />);
  });

  app.get("/kpis", async (c) => {
    const data = await loadKpis(c.env, c.req.query("days") ?? defaultKpiWindow);
    return c.html(<KpisPage data={data} session={need(sessionOf(c))} />);
  });

  app.get("/events", async (c) => {
    const data = await loadEvents(c.env, c.req.query());
    return c.html(<EventsPage data={data} session={need(sessionOf(c))} />, data.problems.length > 0 ? 422 : 200);
  });

  app.get("/events/:id", async (c) => {
    const data = await loadEvent(c.env, c.req.param("id"));
    return c.html(<EventDetailPage data={data} session={need(sessionOf(c))} notice={c.req.query("done")} />);
  });

  app.post("/events/:id/replay", requireAdmin, async (c) => {
    const replay = await replayEvent(c.env, c.req.param("id"), c.get("requestId"));
    log("info", "console replay", { requestId: c.get("requestId"), eventId: replay.replayOf, replayId: replay.id });
    return c.redirect(href(`/events/${encodeURIComponent(replay.id)}`, { done: "replayed" }), 303);
  });

  app.get("/retry", async (c) => {
    const fields = retryFieldsOf((name) => c.req.query(name), c.req.queries("status") ?? []);
    const data = await loadRetryPlan(c.env, fields, c.req.query("check") === "1");
    return c.html(<RetryPage data={data} session={need(sessionOf(c))} />, data.problems.length > 0 ? 422 : 200);
  });

  app.post("/retry", requireAdmin, async (c) => {
    const form = await c.req.parseBody();
    // The statuses travel as one comma-separated field (the form token check has parsed the body once).
    const fields = retryFieldsOf((name) => field(form, name), field(form, "status").split(","));
    const input = retryRequestOf(fields, false);
    if (!input.ok) throw validationFailed(input.problems);
    const job = await startRetryJob(c.env, input.request);
    log("info", "console bulk retry", { requestId: c.get("requestId"), jobId: job.id, matched: job.matched });
    return c.redirect(href(`/jobs/${encodeURIComponent(job.id)}`, { done: "started" }), 303);
  });

  app.get("/jobs/:id", async (c) => {
    const job = await readJob(c.env, c.req.param("id"));
    return c.html(<JobPage job={job} session={need(sessionOf(c))} notice={c.req.query("done")} />);
  });

  app.post("/jobs/:id/cancel", requireAdmin, async (c) => {
    const job = await cancelJob(c.env, c.req.param("id"));
    log("info", "console bulk retry cancelled", { requestId: c.get("requestId"), jobId: job.id, requeued: job.requeued });
    return c.redirect(href(`/jobs/${encodeURIComponent(job.id)}`, { done: "cancelled" }), 303);
  });

  app.get("/routing", async (c) => {
    const data = await loadRouting(c.env);
    return c.html(
      <RoutingPage
        data={data}
        session={need(sessionOf(c))}
        notice={c.req.query("done")}
        noticeSubject={noticeSubject(c.req.query("version") ?? c.req.query("owner") ?? c.req.query("destination"))}
      />,
    );
  });

  app.get("/routing/versions/:version{[0-9]+}", async (c) => {
    const data = await loadVersion(c.env, Number(c.req.param("version")));
    return c.html(<VersionPage data={data} session={need(sessionOf(c))} />);
  });

  app.post("/routing/rollback", requireAdmin, async (c) => {
    const form = await c.req.parseBody();
    const version = Number(field(form, "version"));
    const expected = field(form, "expected");
    if (!Number.isInteger(version) || version < 1) return refuse(c, 404, "No such version", "Pick a version from the list.");
    const info = await rollbackConfig(c.env, version, {
      actor: `console (${need(sessionOf(c)).role} token)`,
      ...(/^\d+$/.test(expected) ? { expectedVersion: Number(expected) } : {}),
    });
    log("info", "console rollback", { requestId: c.get("requestId"), rollbackOf: version, version: info.version });
    return c.redirect(href("/routing", { done: "rolledback", version }), 303);
  });

  app.post("/owners/:id/away", requireAdmin, async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const zone = (await listOwnerStatuses(c.env)).find((o) => o.id === id)?.timeZone ?? "UTC";
    const until = momentFromForm(field(form, "until"), zone);
    if (!until.ok) throw validationFailed([{ pointer: "/until", message: until.message }]);
    const reason = field(form, "reason").trim().slice(0, 200);
    await setOwnerAway(c.env, id, { until: new Date(until.ms).toISOString(), ...(reason ? { reason } : {}) });
    log("info", "console owner away", { requestId: c.get("requestId"), ownerId: id, until: until.ms });
    return c.redirect(href("/routing", { done: "away", owner: id }), 303);
  });

  app.post("/owners/:id/away/end", requireAdmin, async (c) => {
    const id = c.req.param("id");
    await endOwnerAway(c.env, id);
    log("info", "console owner back", { requestId: c.get("requestId"), ownerId: id });
    return c.redirect(href("/routing", { done: "back", owner: id }), 303);
  });

  for (const action of ["pause", "resume"] as const) {
    app.post(`/destinations/:id/${action}`, requireAdmin, async (c) => {
      const id = c.req.param("id");
      await controlDestination(c.env, id, action);
      log("info", `console destination ${action}`, { requestId: c.get("requestId"), destinationId: id });
      return c.redirect(href("/routing", { done: action === "pause" ? "paused" : "resumed", destination: id }), 303);
    });
  }

  app.get("/simulate", async (c) => {
    const data = await loadSimulateForm(c.env);
    return c.html(<SimulatePage data={data} session={need(sessionOf(c))} />);
  });

  app.post("/simulate", async (c) => {
    const form = await c.req.parseBody();
    const data = await simulateForm(
      c.env,
      { source: field(form, "source"), payload: field(form, "payload"), at: field(form, "at"), zone: field(form, "zone") },
      c.req.url,
    );
    return c.html(<SimulatePage data={data} session={need(sessionOf(c))} />, data.problems.length > 0 ? 422 : 200);
  });

  app.all("*", (c) => refuse(c, 404, "Not found", `The console has no page at ${c.req.path}.`));

  app.onError((error, c) => {
    const session = sessionOf(c);
    if (error instanceof HTTPException) {
      // hono/csrf: a form posted from another site (Origin / Sec-Fetch-Site).
      const status = error.status === 403 ? 403 : 400;
      const detail = status === 403 ? "The form was not sent from this console (cross-site request)." : "The request could not be read.";
      return c.html(<ErrorPage status={status} title="Refused" detail={detail} session={session} />, status);
    }
    if (error instanceof GatewayError) {
      if (error.retryAfter !== undefined) c.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfter))));
      const status = error.status as ContentfulStatusCode;
      return c.html(<ErrorPage status={status} title={errorCodes[error.code].title} detail={problemDetail(error)} session={session} />, status);
    }
    log("error", "console request failed", { requestId: c.get("requestId"), path: c.req.path, error: errorMessage(error) });
    return c.html(
      <ErrorPage status={500} title="Something went wrong" detail={`The request id ${c.get("requestId")} identifies it in the logs.`} session={session} />,
      500,
    );
  });

  return app;
}
