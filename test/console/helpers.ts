import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { adminToken } from "../admin/helpers";

export const origin = "https://gateway.test";

export interface ConsoleRequest {
  /** The session cookie value (`sb_console`). */
  session?: string;
  /** Extra cookies, `name=value`. */
  cookies?: string[];
  /** A urlencoded form body. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Origin header for POSTs; `null` sends none. Default: the gateway's own origin. */
  origin?: string | null;
}

/** Calls the console like a browser on the gateway's origin would. */
export function consoleFetch(method: string, path: string, { session, cookies = [], form, headers = {}, origin: from = origin }: ConsoleRequest = {}) {
  const all: Record<string, string> = { ...headers };
  const jar = [...cookies, ...(session ? [`sb_console=${session}`] : [])];
  if (jar.length > 0) all.cookie = jar.join("; ");
  if (form) all["content-type"] = "application/x-www-form-urlencoded";
  if (method !== "GET" && from !== null) all.origin ??= from;
  return exports.default.fetch(
    new Request(`${origin}/console${path}`, { method, headers: all, body: form ? new URLSearchParams(form).toString() : undefined, redirect: "manual" }),
  );
}

/** Set-Cookie headers of a response, by cookie name. */
export function setCookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf("=")), line]));
}

export function cookieValue(line: string | undefined): string {
  if (!line) return "";
  return line.slice(line.indexOf("=") + 1).split(";")[0] ?? "";
}

/** The value of a hidden input in a page. */
export function hidden(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match?.[1] ?? "";
}

/** The page's HTML after checking the status. */
export async function page(response: Response, status = 200): Promise<string> {
  const html = await response.text();
  expect(response.status, html.slice(0, 2000)).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  return html;
}

/** A fresh single-use form token of a session, as a page would carry it. */
export async function formToken(session: string): Promise<string> {
  const token = hidden(await page(await consoleFetch("GET", "/events", { session })), "_csrf");
  expect(token).not.toBe("");
  return token;
}

/** Signs in through the login form; returns the session cookie and one form token (each works once). */
export async function signIn(token = adminToken): Promise<{ session: string; csrf: string }> {
  const form = await consoleFetch("GET", "/login");
  const html = await page(form);
  const nonce = cookieValue(setCookies(form).get("sb_console_login"));
  const response = await consoleFetch("POST", "/login", {
    cookies: [`sb_console_login=${nonce}`],
    form: { token, login_nonce: hidden(html, "login_nonce"), next: "/console" },
  });
  expect(response.status).toBe(303);
  const session = cookieValue(setCookies(response).get("sb_console"));
  expect(session).not.toBe("");
  return { session, csrf: await formToken(session) };
}

/** Text content of HTML, roughly: tags removed, entities of the escaper decoded, spaces collapsed. */
export function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ");
}
