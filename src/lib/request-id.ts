import { newId } from "./ids";

/** Longest request id taken from a caller; the rule is hono/request-id's, used by the admin app. */
const maxLength = 255;
const unsafe = /[^\w\-=]/;

/**
 * The gateway's own id for a webhook request: stored with the event, sent back as
 * `X-Request-Id` and as the `instance` of a problem, and written in the log line.
 * Never the caller's: a sender could otherwise pick the id stored with its event
 * (reuse one, or take another request's).
 */
export function newRequestId(): string {
  return newId("req");
}

/**
 * The caller's `X-Request-Id` when it is short and plain, logged next to ours (as
 * `callerRequestId`) so a provider's or proxy's id can be followed through our logs.
 */
export function callerRequestId(headers: Headers): string | undefined {
  const given = headers.get("x-request-id");
  return given && given.length <= maxLength && !unsafe.test(given) ? given : undefined;
}
