import type { MiddlewareHandler } from "hono";
import { GatewayError, problemResponse } from "../errors";
import { clientAddressOf } from "../lib/client-address";
import { knownBlock, recordFailure, throttled } from "./auth-throttle";
import type { AdminEnv, AdminRole } from "./env";

const encoder = new TextEncoder();

/** Constant-time: both sides hashed first, so neither length nor content leaks through timing. */
async function sameToken(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(given)), crypto.subtle.digest("SHA-256", encoder.encode(expected))]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * The token of a request: `Authorization: Bearer <token>`, or HTTP Basic with the
 * token as password on the pages a browser opens (the docs page and the document it
 * loads), since a browser cannot send a bearer token by itself.
 */
function presentedToken(header: string | undefined, allowBasic: boolean): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === "bearer") return value;
  if (allowBasic && scheme.toLowerCase() === "basic") {
    try {
      const decoded = atob(value);
      return decoded.slice(decoded.indexOf(":") + 1);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Which role a token grants, compared in constant time. */
async function roleOf(token: string, env: Pick<AdminEnv["Bindings"], "ADMIN_TOKEN" | "ADMIN_READ_TOKEN">): Promise<AdminRole | undefined> {
  // Both compared every time, so timing does not tell which token is configured.
  const [admin, read] = await Promise.all([
    env.ADMIN_TOKEN ? sameToken(token, env.ADMIN_TOKEN) : false,
    env.ADMIN_READ_TOKEN ? sameToken(token, env.ADMIN_READ_TOKEN) : false,
  ]);
  return admin ? "admin" : read ? "read" : undefined;
}

/**
 * The role a presented token grants, for the admin API and the console's sign-in.
 * A wrong token counts against the client's address; throws `auth_throttled` when
 * that address is over its limit, before the token is even compared.
 */
export async function authenticate(
  token: string,
  env: Pick<AdminEnv["Bindings"], "ADMIN_TOKEN" | "ADMIN_READ_TOKEN" | "AUTH_THROTTLE">,
  headers: Headers,
): Promise<AdminRole | undefined> {
  const address = clientAddressOf(headers);
  const wait = knownBlock(address);
  if (wait !== undefined) throw throttled(wait);
  const role = await roleOf(token, env);
  if (role) return role;
  const retryAfter = await recordFailure(env, address);
  if (retryAfter !== undefined) throw throttled(retryAfter);
  return undefined;
}

/** Requests that only read: GET/HEAD, and simulate, which has no side effects at all. */
function isRead(method: string, path: string): boolean {
  return method === "GET" || method === "HEAD" || (method === "POST" && path.endsWith("/v1/simulate"));
}

/** Paths a browser opens, where HTTP Basic (password = token) is accepted too. */
function isBrowserPage(path: string): boolean {
  return path.endsWith("/docs") || path.endsWith("/v1/openapi.json");
}

function refuse(code: "unauthorized" | "forbidden", detail: string, requestId: string, basicRealm: boolean): Response {
  const response = problemResponse(new GatewayError(code, detail), requestId);
  if (code === "unauthorized") {
    response.headers.set("www-authenticate", basicRealm ? 'Basic realm="switchboard admin"' : 'Bearer realm="switchboard admin"');
  }
  return response;
}

/**
 * Every /admin request needs a token: `ADMIN_TOKEN` for everything, the optional
 * `ADMIN_READ_TOKEN` for reads only (403 on a write). Nothing under /admin answers
 * without one, not even a 404, so unauthenticated callers learn nothing of the API.
 * A wrong token counts against the client's address (src/admin/auth-throttle.ts); a
 * missing one does not, since a browser asks without credentials first.
 */
export const adminAuth: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const browserPage = isBrowserPage(c.req.path) && c.req.method === "GET";
  const token = presentedToken(c.req.header("authorization"), browserPage);
  const requestId = c.get("requestId");
  if (!token) return refuse("unauthorized", "Send Authorization: Bearer <ADMIN_TOKEN>.", requestId, browserPage);
  const role = await authenticate(token, c.env, c.req.raw.headers);
  if (!role) return refuse("unauthorized", "The token is not valid.", requestId, browserPage);
  if (role === "read" && !isRead(c.req.method, c.req.path)) {
    return refuse("forbidden", "The read-only token cannot change anything.", requestId, false);
  }
  const actor = c.req
    .header("x-switchboard-actor")
    ?.slice(0, 100)
    .replace(/[^\w@.\- ]/g, "");
  c.set("role", role);
  c.set("actor", actor ? `${actor} (${role} token)` : `${role} token`);
  await next();
};
