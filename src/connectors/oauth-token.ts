import { z } from "zod";
import { type DeliveryFailure, excerpt, isRetryableStatus, parseJson, sendHttp } from "./http";
import type { SalesforceAuth } from "./salesforce-auth";

/** An access token as a token endpoint gave it. */
export interface AccessToken {
  accessToken: string;
  /** Salesforce's `instance_url`: where API calls for this token go. */
  instanceUrl?: string;
}

export type TokenAnswer = ({ ok: true } & AccessToken) | DeliveryFailure;

/** What the token endpoint gave: with refresh token rotation on, also the refresh token to use next. */
export type TokenGrant = ({ ok: true; refreshToken?: string } & AccessToken) | DeliveryFailure;

const tokenSchema = z.object({ access_token: z.string().min(1), instance_url: z.url().optional(), refresh_token: z.string().min(1).optional() });
const errorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * Asks a connected app's token endpoint for an access token (OAuth 2.0, RFC 6749
 * §4.4 and §6): a POST with the parameters form-encoded in the body, as Salesforce's
 * endpoints take them, and a JSON answer `{ access_token, instance_url, … }`.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
 *
 * Errors are `{ error, error_description }` with 400 (`invalid_grant`: the refresh
 * token was revoked or expired, or the user may not log in; `invalid_client_id`,
 * `invalid_client`, `unsupported_grant_type`): none passes with time, so they are
 * permanent until the configuration is fixed. 5xx, 408, 429, timeouts and network
 * errors are retryable. Never throws.
 *
 * With refresh token rotation on, the answer carries a new `refresh_token` and the
 * one just used is no longer valid; it is returned for the caller to keep.
 */
export async function requestToken(auth: SalesforceAuth, options: { timeoutMs: number; allowHttp: boolean }): Promise<TokenGrant> {
  const form = new URLSearchParams({ grant_type: auth.type, client_id: auth.clientId, client_secret: auth.clientSecret });
  if (auth.type === "refresh_token") form.set("refresh_token", auth.refreshToken);
  const result = await sendHttp(
    {
      url: auth.tokenUrl,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    },
    options,
  );
  if (result.kind !== "response") {
    return { ok: false, retryable: result.kind !== "refused", error: `token endpoint: ${result.error}`, latencyMs: result.latencyMs };
  }
  const body = parseJson(result.text);
  if (result.status === 200) {
    const token = tokenSchema.safeParse(body);
    if (token.success) {
      const { access_token: accessToken, instance_url: instanceUrl, refresh_token: refreshToken } = token.data;
      return { ok: true, accessToken, ...(instanceUrl ? { instanceUrl } : {}), ...(refreshToken ? { refreshToken } : {}) };
    }
  }
  const code = errorSchema.safeParse(body).data;
  return {
    ok: false,
    retryable: result.status !== 200 && isRetryableStatus(result.status),
    status: result.status,
    error: code
      ? `token endpoint: HTTP ${result.status} ${code.error}`
      : `token endpoint: HTTP ${result.status}${result.status === 200 ? " without an access_token" : ""}`,
    // Never the body of a 200: it holds the token.
    ...(result.status === 200 || !code ? {} : { excerpt: excerpt(JSON.stringify(code)) }),
    latencyMs: result.latencyMs,
  };
}
