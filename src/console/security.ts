import type { MiddlewareHandler } from "hono";
import type { ConsoleEnv } from "./env";

/**
 * Everything the console loads comes from the Worker itself: the policy says so, and
 * a page that tried to load a font, script or image from anywhere else would be
 * blocked by the browser. Inline scripts and style attributes are refused too, so
 * the pages use neither (charts are SVG with presentation attributes and classes).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

export const securityHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set("content-security-policy", contentSecurityPolicy);
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "same-origin");
  headers.set("cross-origin-opener-policy", "same-origin");
  headers.set("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
  // Pages show live operational data and must not linger in shared caches.
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
};
