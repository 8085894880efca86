import { outboundUrlProblem } from "../lib/outbound-url";
import type { DeliveryOutcome } from "./types";

/**
 * The one outbound HTTP path of the gateway: every connector sends through
 * `sendHttp` and turns what came back into a `DeliveryOutcome` with `classify`,
 * so timeouts, the https rule and the retryable/permanent split live in one place.
 */

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpOptions {
  timeoutMs: number;
  /** The Worker var ALLOW_HTTP_DESTINATIONS === "true": local fakes on 127.0.0.1. */
  allowHttp: boolean;
}

export type HttpResult =
  | { kind: "response"; status: number; headers: Headers; text: string; latencyMs: number }
  /** Connection refused or reset, DNS failure, TLS failure: nothing (reliable) came back. */
  | { kind: "network"; error: string; latencyMs: number }
  | { kind: "timeout"; error: string; latencyMs: number }
  /** Not sent at all: the URL breaks the outbound rules. Never worth a retry. */
  | { kind: "refused"; error: string; latencyMs: number };

export type DeliveryFailure = Extract<DeliveryOutcome, { ok: false }>;

const EXCERPT_CHARS = 500;

/** Allows `allowHttp` from the Worker's env var, which is a string. */
export function allowHttpFrom(env: { ALLOW_HTTP_DESTINATIONS?: string }): boolean {
  return env.ALLOW_HTTP_DESTINATIONS === "true";
}

export function excerpt(text: string): string {
  return text.slice(0, EXCERPT_CHARS);
}

/**
 * Sends one request with a hard deadline covering headers and body. Never throws.
 * Redirects are not followed: a 3xx from a CRM API is a configuration error, and
 * following one could leave https behind.
 */
export async function sendHttp(request: HttpRequest, options: HttpOptions): Promise<HttpResult> {
  const refusal = checkUrl(request.url, options.allowHttp);
  if (refusal) return { kind: "refused", error: refusal, latencyMs: 0 };

  const started = Date.now();
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal,
    });
    const text = await response.text();
    return { kind: "response", status: response.status, headers: response.headers, text, latencyMs: Date.now() - started };
  } catch (error) {
    const latencyMs = Date.now() - started;
    if (signal.aborted) return { kind: "timeout", error: `timeout after ${options.timeoutMs} ms`, latencyMs };
    return { kind: "network", error: `network error: ${describe(error)}`, latencyMs };
  }
}

function checkUrl(url: string, allowHttp: boolean): string | undefined {
  const problem = outboundUrlProblem(url, { allowHttp });
  return problem === undefined ? undefined : `refused: destination URL ${problem}`;
}

/** An error's name and message with any URL cut out: webhook URLs are credentials. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>").slice(0, 200);
}

/** 408, 429 and 5xx may pass with time; other statuses will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Retry-After as whole seconds from now: either delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Every HTTP-date form starts with the day name; Date.parse alone accepts "-3".
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * The outcome of one request: 2xx is success; network errors, timeouts, 408, 429
 * and 5xx are retryable; everything else (other 4xx, 3xx, a refused URL) is not.
 * `code` is the API's own error code, when the connector could read one; it goes
 * into `error` because the attempt log shows that line first.
 */
export function classify(result: HttpResult, code?: string): DeliveryOutcome {
  if (result.kind !== "response") {
    return { ok: false, retryable: result.kind !== "refused", error: result.error, latencyMs: result.latencyMs };
  }
  const { status, text, latencyMs } = result;
  if (status >= 200 && status < 300) return { ok: true, status, excerpt: excerpt(text), latencyMs };
  const retryAfterSeconds = parseRetryAfter(result.headers.get("retry-after"));
  return {
    ok: false,
    retryable: isRetryableStatus(status),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    status,
    error: code ? `HTTP ${status} ${code}` : `HTTP ${status}`,
    excerpt: excerpt(text),
    latencyMs,
  };
}

/** A failure decided before or without a request (bad input, bad config). */
export function permanentFailure(error: string, latencyMs = 0): DeliveryFailure {
  return { ok: false, retryable: false, error, latencyMs };
}

/**
 * A 2xx whose body is not what the API documents. The write may or may not have
 * happened; every CRM step here is an idempotent upsert, so trying again is safe.
 */
export function malformedResponse(result: Extract<HttpResult, { kind: "response" }>, what: string): DeliveryFailure {
  return {
    ok: false,
    retryable: true,
    status: result.status,
    error: `malformed response: ${what}`,
    excerpt: excerpt(result.text),
    latencyMs: result.latencyMs,
  };
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
