import type { AdminBindings, AdminRole } from "../admin/env";
import { isSessionActive, startSession } from "../db/console-sessions";

/**
 * Console sessions: the cookie is `<role>.<expires>.<id>.<mac>`, an HMAC over the
 * rest under a key derived from that role's token. It carries no token (nothing in
 * it gives one back), a tampered or expired cookie fails the MAC or the clock, and
 * rotating a token ends every session made with it. Each session also has a row in
 * D1 (src/db/console-sessions.ts): signing out ends the row, so a copied cookie is
 * worth nothing afterwards.
 *
 * Every page gets a fresh form token, `<nonce>.<mac>` over the session id and the
 * nonce; a POST must carry one, and its nonce is spent on use, so a captured POST
 * cannot be sent again and another site cannot make one up.
 */

export const sessionCookie = "sb_console";
/** The login form's double-submit cookie (see login.tsx). */
export const loginCookie = "sb_console_login";
export const sessionSeconds = 8 * 3600;

export interface Session {
  /** The cookie's nonce: the session's row in D1. */
  id: string;
  role: AdminRole;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** This page's single-use form token: every POST form carries it in `_csrf`. */
  csrf: string;
  /** The role's signing key, to check a posted form token. */
  key: CryptoKey;
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

/** A fresh form token of a session: a new nonce and its MAC under the session. */
async function formToken(key: CryptoKey, sessionId: string): Promise<string> {
  const nonce = randomToken();
  return `${nonce}.${await mac(key, `form.${sessionId}.${nonce}`)}`;
}

/** The nonce of a form token this session issued, or undefined when it is not one. */
export async function formNonce(session: Session, token: string): Promise<string | undefined> {
  if (token.length > 200) return undefined;
  const [nonce, signature, ...rest] = token.split(".");
  const signed = signature === undefined ? undefined : fromBase64url(signature);
  if (!nonce || !signed || rest.length > 0) return undefined;
  const ok = await crypto.subtle.verify("HMAC", session.key, signed, encoder.encode(`form.${session.id}.${nonce}`));
  return ok ? nonce : undefined;
}

/** A new session for `role`: the cookie value and the session it stands for (not yet recorded; see `signIn`). */
export async function issueSession(env: Tokens, role: AdminRole, nowMs = Date.now()): Promise<{ value: string; session: Session }> {
  const key = await roleKey(env, role);
  if (!key) throw new Error(`no token is configured for the ${role} role`);
  const expiresAt = Math.floor(nowMs / 1000) + sessionSeconds;
  const id = randomToken();
  const claim = `${role}.${expiresAt}.${id}`;
  return { value: `${claim}.${await mac(key, claim)}`, session: { id, role, expiresAt, csrf: await formToken(key, id), key } };
}

/** Issues a session and records it in D1: the sign-in itself. */
export async function signIn(env: Tokens & { DB: D1Database }, role: AdminRole, nowMs = Date.now()): Promise<{ value: string; session: Session }> {
  const issued = await issueSession(env, role, nowMs);
  await startSession(env.DB, issued.session, Math.floor(nowMs / 1000));
  return issued;
}

/** The session a cookie value stands for, or undefined when it is malformed, forged or expired (D1 not asked). */
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
  return ok ? { id: nonce, role, expiresAt, csrf: await formToken(key, nonce), key } : undefined;
}

/** The session of a cookie that is genuine and still signed in (its D1 row not ended). */
export async function activeSession(env: Tokens & { DB: D1Database }, value: string | undefined, nowMs = Date.now()): Promise<Session | undefined> {
  const session = await readSession(env, value, nowMs);
  if (!session) return undefined;
  return (await isSessionActive(env.DB, session.id, Math.floor(nowMs / 1000))) ? session : undefined;
}

/** Constant-time equality of two secrets of any length: both are hashed first. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  if (!expected) return false;
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(given)), crypto.subtle.digest("SHA-256", encoder.encode(expected))]);
  return crypto.subtle.timingSafeEqual(a, b);
}
