import type { AdminBindings, AdminRole } from "../admin/env";

/**
 * Console sessions, stateless: the cookie is `<role>.<expires>.<nonce>.<mac>`, an
 * HMAC over the rest under a key derived from that role's token. It carries no token
 * (nothing in it gives one back), a tampered or expired cookie fails the MAC or the
 * clock, and rotating a token ends every session made with it. There is no server-side
 * list, so signing out clears the cookie and expiry bounds a stolen one.
 */

export const sessionCookie = "sb_console";
/** The login form's double-submit cookie (see login.tsx). */
export const loginCookie = "sb_console_login";
export const sessionSeconds = 8 * 3600;

export interface Session {
  role: AdminRole;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Per-session CSRF token: every POST form carries it in `_csrf`. */
  csrf: string;
}

type Tokens = Pick<AdminBindings, "ADMIN_TOKEN" | "ADMIN_READ_TOKEN">;

const encoder = new TextEncoder();
const keyLabel = "switchboard console session v1";

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Random bytes as base64url: nonces for sessions and the login form. */
export function randomToken(bytes = 18): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The role's signing key: HMAC(token, label), so the key is never the token itself. */
async function roleKey(env: Tokens, role: AdminRole): Promise<CryptoKey | undefined> {
  const token = role === "admin" ? env.ADMIN_TOKEN : env.ADMIN_READ_TOKEN;
  if (!token) return undefined;
  const base = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", base, encoder.encode(keyLabel));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function mac(key: CryptoKey, text: string): Promise<string> {
  return base64url(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

async function csrfFor(key: CryptoKey, nonce: string): Promise<string> {
  return mac(key, `csrf.${nonce}`);
}

/** A new session for `role`: the cookie value and the session it stands for. */
export async function issueSession(env: Tokens, role: AdminRole, nowMs = Date.now()): Promise<{ value: string; session: Session }> {
  const key = await roleKey(env, role);
  if (!key) throw new Error(`no token is configured for the ${role} role`);
  const expiresAt = Math.floor(nowMs / 1000) + sessionSeconds;
  const nonce = randomToken();
  const claim = `${role}.${expiresAt}.${nonce}`;
  return { value: `${claim}.${await mac(key, claim)}`, session: { role, expiresAt, csrf: await csrfFor(key, nonce) } };
}

/** The session a cookie value stands for, or undefined when it is malformed, forged or expired. */
export async function readSession(env: Tokens, value: string | undefined, nowMs = Date.now()): Promise<Session | undefined> {
  if (!value || value.length > 200) return undefined;
  const parts = value.split(".");
  if (parts.length !== 4) return undefined;
  const [role, expires, nonce, signature] = parts as [string, string, string, string];
  if (role !== "admin" && role !== "read") return undefined;
  if (!/^\d{1,12}$/.test(expires) || !nonce) return undefined;
  const expiresAt = Number(expires);
  if (expiresAt <= Math.floor(nowMs / 1000)) return undefined;
  const key = await roleKey(env, role);
  const signed = fromBase64url(signature);
  if (!key || !signed) return undefined;
  // verify() compares in constant time.
  const ok = await crypto.subtle.verify("HMAC", key, signed, encoder.encode(`${role}.${expires}.${nonce}`));
  return ok ? { role, expiresAt, csrf: await csrfFor(key, nonce) } : undefined;
}

/** Constant-time equality of two secrets of any length: both are hashed first. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  if (!expected) return false;
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
