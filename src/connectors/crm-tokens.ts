import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../lib/log";
import { configCryptoKey, encryptSecret, openSecret } from "../lib/secrets";
import { allowHttpFrom } from "./http";
import { requestToken, type TokenAnswer } from "./oauth-token";
import type { SalesforceAuth } from "./salesforce-auth";

type Token = Extract<TokenAnswer, { ok: true }>;

/** A rotated refresh token as stored: encrypted, and for which configured token it stands. */
interface Rotated {
  /** SHA-256 of the configured refresh token: a new one in the configuration wins. */
  of: string;
  token: string;
}

/**
 * One per destination (by id): the access token every isolate uses for that
 * destination, and the only place that asks the token endpoint for a new one. A
 * Durable Object handles one call at a time but interleaves while a call waits on
 * `fetch`, so concurrent callers of a refresh share the one request in flight.
 *
 * The access token is held in memory only: an evicted object costs one token
 * request. A refresh token the connected app rotated (refresh token rotation
 * invalidates the one used) must outlive the object, so it is stored, encrypted
 * with `CONFIG_KEY` like every secret of the configuration; while the key is
 * rotated it also opens with `CONFIG_KEY_PREVIOUS` and is sealed again with the new one.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 */
export class CrmTokens extends DurableObject<Env & { CONFIG_KEY?: string; CONFIG_KEY_PREVIOUS?: string }> {
  private current: { key: string; answer: Token } | undefined;
  private pending: { key: string; answer: Promise<TokenAnswer> } | undefined;

  /**
   * The current token for `auth`; a new one when there is none, when `auth` changed,
   * or when `stale` is the current one (the API refused it as expired).
   */
  async token(auth: SalesforceAuth, timeoutMs: number, stale?: string): Promise<TokenAnswer> {
    const key = JSON.stringify(auth);
    if (this.current?.key === key && this.current.answer.accessToken !== stale) return this.current.answer;
    if (this.pending?.key === key) return this.pending.answer;
    const pending = {
      key,
      answer: this.fetchToken(auth, timeoutMs)
        // Storage or crypto failing must not leave a rejected refresh in flight for good.
        .catch((error: unknown): TokenAnswer => ({ ok: false, retryable: true, error: `token store: ${errorMessage(error)}`, latencyMs: 0 }))
        .then((answer) => {
          if (answer.ok) this.current = { key, answer };
          if (this.pending === pending) this.pending = undefined;
          return answer;
        }),
    };
    this.pending = pending;
    return pending.answer;
  }

  private async fetchToken(auth: SalesforceAuth, timeoutMs: number): Promise<TokenAnswer> {
    const options = { timeoutMs, allowHttp: allowHttpFrom(this.env) };
    if (auth.type !== "refresh_token") return stripRefresh(await requestToken(auth, options));
    const of = await sha256(auth.refreshToken);
    const rotated = await this.rotatedToken(of);
    const grant = await requestToken({ ...auth, refreshToken: rotated ?? auth.refreshToken }, options);
    if (grant.ok && grant.refreshToken !== undefined && grant.refreshToken !== (rotated ?? auth.refreshToken)) {
      await this.keepRotated(of, grant.refreshToken);
    }
    return stripRefresh(grant);
  }

  private async rotatedToken(of: string): Promise<string | undefined> {
    const stored = await this.ctx.storage.get<Rotated>("rotated");
    if (stored?.of !== of || !this.env.CONFIG_KEY) return undefined;
    const keys = [this.env.CONFIG_KEY, this.env.CONFIG_KEY_PREVIOUS].filter((key): key is string => Boolean(key));
    const opened = await openSecret(await Promise.all(keys.map(configCryptoKey)), stored.token);
    if (opened === undefined) return undefined;
    if (opened.keyIndex > 0) await this.keepRotated(of, opened.plaintext);
    return opened.plaintext;
  }

  private async keepRotated(of: string, token: string): Promise<void> {
    // Without CONFIG_KEY no configuration secret can be stored either; nothing to keep.
    if (!this.env.CONFIG_KEY) return;
    await this.ctx.storage.put<Rotated>("rotated", { of, token: await encryptSecret(await configCryptoKey(this.env.CONFIG_KEY), token) });
  }
}

/** The worker never needs the refresh token: only this object uses it. */
function stripRefresh(grant: Awaited<ReturnType<typeof requestToken>>): TokenAnswer {
  if (!grant.ok) return grant;
  const { refreshToken: _, ...token } = grant;
  return token;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
