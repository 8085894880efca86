import { newId } from "./ids";

/** Longest request id taken from a caller; the rule is hono/request-id's, used by the admin app. */
const maxLength = 255;
const unsafe = /[^\w\-=]/;

/**
 * The request id: the caller's `X-Request-Id` when it is short and plain (so a
 * provider's or proxy's id can be followed through our logs), else a new one.
 */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given && given.length <= maxLength && !unsafe.test(given) ? given : newId("req");
}
