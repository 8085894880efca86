import { z } from "zod";
import type { ConnectorOptions } from "./connector";
import { classify, type DeliveryFailure, type HttpResult, parseJson, permanentFailure } from "./http";
import type { SalesforceDestination } from "./salesforce-destination";
import type { DeliveryOutcome } from "./types";

/** Where and with what a Salesforce call is made. */
export interface SalesforceSession {
  accessToken: string;
  /** Without a trailing slash. */
  instanceUrl: string;
}

type Response = Extract<HttpResult, { kind: "response" }>;

const errorsSchema = z.array(z.object({ errorCode: z.string(), message: z.string().optional() }));

/** The first `errorCode` of a Salesforce error body `[{ message, errorCode, fields }]`. */
export function errorCodeOf(text: string): string | undefined {
  return errorsSchema.safeParse(parseJson(text)).data?.[0]?.errorCode;
}

/**
 * Runs `call` with a session for the destination. With `auth` the token comes from
 * the destination's `CrmTokens` object; when the API answers 401
 * `INVALID_SESSION_ID` (the session timed out or was revoked) the token is refreshed
 * and the call made once more. A fixed `accessToken` is used as is: its 401 is final.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 *
 * Returns the call's result, or a failure when no token could be had.
 */
export async function withSession<T extends HttpResult>(
  destination: SalesforceDestination,
  options: ConnectorOptions,
  call: (session: SalesforceSession) => Promise<T>,
): Promise<T | DeliveryFailure> {
  const first = await sessionFor(destination, options);
  if (!("accessToken" in first)) return first;
  const result = await call(first);
  if (destination.auth === undefined || !isExpiredSession(result)) return result;
  const renewed = await sessionFor(destination, options, first.accessToken);
  return "accessToken" in renewed ? call(renewed) : renewed;
}

/**
 * The outcome of a whole call, before any per-record result: `classify`, plus what
 * passes with time at Salesforce: 403 REQUEST_LIMIT_EXCEEDED (the org's rolling
 * 24-hour API allocation) and, for an OAuth destination, a 401 INVALID_SESSION_ID
 * that outlived the refresh (the next attempt refreshes again). A fixed access
 * token's 401 is final.
 */
export function classifyCall(destination: SalesforceDestination, result: HttpResult, what: string): DeliveryOutcome {
  const code = result.kind === "response" ? errorCodeOf(result.text) : undefined;
  const outcome = classify(result, code);
  if (outcome.ok) return outcome;
  const passes =
    (result.kind === "response" && result.status === 403 && code === "REQUEST_LIMIT_EXCEEDED") ||
    (destination.auth !== undefined && code === "INVALID_SESSION_ID");
  return { ...outcome, retryable: outcome.retryable || passes, error: `${what}: ${outcome.error}` };
}

function isExpiredSession(result: HttpResult): result is Response {
  return result.kind === "response" && result.status === 401 && errorCodeOf(result.text) === "INVALID_SESSION_ID";
}

async function sessionFor(destination: SalesforceDestination, options: ConnectorOptions, stale?: string): Promise<SalesforceSession | DeliveryFailure> {
  const fallback = destination.instanceUrl?.replace(/\/+$/, "");
  if (destination.auth === undefined) {
    if (destination.accessToken === undefined || fallback === undefined)
      return permanentFailure("no Salesforce credentials: set `auth` or `accessToken` and `instanceUrl`");
    return { accessToken: destination.accessToken, instanceUrl: fallback };
  }
  if (!options.crmTokens) return permanentFailure("internal: no CRM_TOKENS binding for an OAuth destination");
  const stub = options.crmTokens.getByName(destination.id);
  const answer = await stub.token(destination.auth, options.timeoutMs ?? destination.timeoutMs, stale);
  if (!answer.ok) return answer;
  const instanceUrl = answer.instanceUrl?.replace(/\/+$/, "") ?? fallback;
  if (instanceUrl === undefined) return permanentFailure("the token answer has no instance_url and the destination no instanceUrl");
  return { accessToken: answer.accessToken, instanceUrl };
}
