/**
 * Errors are values with a stable `code`. Every code maps to one HTTP status and
 * title here, and `problemResponse` turns any of them into an RFC 9457 body, so a
 * handler never builds an error response by hand.
 */
export const errorCodes = {
  not_found: { status: 404, title: "Not found" },
  source_not_found: { status: 404, title: "Unknown or disabled source" },
  payload_too_large: { status: 413, title: "Payload too large" },
  ip_not_allowed: { status: 403, title: "Address not allowed" },
  signature_missing: { status: 401, title: "Signature missing" },
  signature_invalid: { status: 401, title: "Signature invalid" },
  timestamp_out_of_tolerance: { status: 401, title: "Timestamp outside tolerance" },
  rate_limited: { status: 429, title: "Source over its rate" },
  body_unparseable: { status: 400, title: "Body not parseable" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  // nginx's 499: the client went away mid-request, so nobody reads this answer.
  client_disconnected: { status: 499, title: "Client closed the request" },
  storage_unavailable: { status: 503, title: "Storage unavailable" },
  internal_error: { status: 500, title: "Internal error" },
  // Admin API
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  auth_throttled: { status: 429, title: "Too many failed authentications" },
  token_too_short: { status: 503, title: "Admin token too short" },
  validation_failed: { status: 422, title: "Validation failed" },
  config_too_large: { status: 413, title: "Configuration too large" },
  config_limit_exceeded: { status: 422, title: "Configuration over a limit" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  entry_not_found: { status: 404, title: "Configuration entry not found" },
  event_not_found: { status: 404, title: "Event not found" },
  destination_not_found: { status: 404, title: "Destination not found" },
  config_version_not_found: { status: 404, title: "Configuration version not found" },
  config_version_conflict: { status: 412, title: "Configuration changed meanwhile" },
  config_key_missing: { status: 503, title: "Configuration key missing" },
  config_key_mismatch: { status: 503, title: "Configuration key does not open the stored secrets" },
  replay_unavailable: { status: 409, title: "Event cannot be replayed" },
  replay_rate_limited: { status: 429, title: "Too many replays in flight" },
  job_not_found: { status: 404, title: "Job not found" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** Seconds, sent as `Retry-After` (429 and 503). */
    readonly retryAfter?: number,
    /** RFC 9457 extension members, e.g. `problems` of a `validation_failed`. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  /** Extension members (RFC 9457 §3.2); they never override the standard ones. */
  [extension: string]: unknown;
}

/** The problem document for an error; `type` is a stable, documented URI per code. */
export function toProblem(error: GatewayError, requestId?: string): Problem {
  const { status, title } = errorCodes[error.code];
  return {
    ...error.extensions,
    type: `https://switchboard.dev/problems/${error.code.replaceAll("_", "-")}`,
    title,
    status,
    detail: error.detail,
    code: error.code,
    ...(requestId ? { instance: requestId } : {}),
  };
}

export function problemResponse(error: GatewayError, requestId?: string): Response {
  const headers = new Headers({ "content-type": "application/problem+json" });
  if (error.retryAfter !== undefined) headers.set("retry-after", String(Math.max(1, Math.ceil(error.retryAfter))));
  return new Response(JSON.stringify(toProblem(error, requestId)), { status: error.status, headers });
}

/**
 * What an unexpected error (not a GatewayError) becomes. Failures of the storage
 * the gateway depends on (D1 errors, a lost connection to a Durable Object) are a
 * 503 the client may retry; anything else is a bug, a 500.
 */
export function unexpectedError(error: unknown): GatewayError {
  const message = error instanceof Error ? error.message : String(error);
  if (/D1_(EXEC_)?ERROR|Network connection lost|Durable Object (storage|reset)|SQLITE_BUSY/i.test(message)) {
    return new GatewayError("storage_unavailable", "Storage is unavailable right now; retry later.", 5);
  }
  return new GatewayError("internal_error", "Something went wrong; the request id identifies it in the logs.");
}
