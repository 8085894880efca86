import { DurableObject } from "cloudflare:workers";
import type { SalesforceAuth } from "../config/schema";
import { allowHttpFrom } from "./http";
import { type TokenAnswer, requestToken } from "./oauth-token";

/**
 * One per destination (by id): the access token every isolate uses for that
 * destination, and the only place that asks the token endpoint for a new one. A
 * Durable Object handles one call at a time but interleaves while a call waits on
 * `fetch`, so concurrent callers of a refresh share the one request in flight.
 *
 * The token is held in memory only: a plaintext credential never lands in storage,
 * and an evicted object costs one token request.
 */
export class CrmTokens extends DurableObject<Env> {
  private current: { key: string; answer: Extract<TokenAnswer, { ok: true }> } | undefined;
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
      answer: requestToken(auth, { timeoutMs, allowHttp: allowHttpFrom(this.env) }).then((answer) => {
        if (answer.ok) this.current = { key, answer };
        if (this.pending === pending) this.pending = undefined;
        return answer;
      }),
    };
    this.pending = pending;
    return pending.answer;
  }
}
