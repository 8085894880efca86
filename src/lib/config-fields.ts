import { z } from "zod";
import { outboundProtocols } from "./outbound-url";

/**
 * Fields every kind of configuration entry shares. They live below both `config/`
 * (which assembles the document) and `connectors/` (which declare their own
 * destination schemas), so neither has to import the other for them.
 */

/** An entry's id: what routes and references name it by. */
export const entryIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 letters, digits, '-', '_' or '.', starting with a letter or digit");

/** A token bucket: calls per second and how many may go at once. */
export const rateSchema = z.object({
  perSecond: z.number().positive().max(100_000),
  burst: z.number().int().positive().max(1_000_000),
});
export type Rate = z.infer<typeof rateSchema>;

/**
 * A destination's circuit breaker: after `failures` retryable failures in a row (5xx,
 * network errors, timeouts) its deliveries are held for `coolDownSeconds`, then one
 * probe call decides. `false` switches it off.
 */
export const breakerSchema = z.union([
  z.literal(false),
  z.object({
    failures: z.number().int().min(1).max(1_000).default(5),
    coolDownSeconds: z.number().int().min(1).max(86_400).default(60),
  }),
]);
export type BreakerConfig = z.infer<typeof breakerSchema>;

/**
 * A URL the gateway calls (any destination's or enrichment's `url`, `baseUrl`,
 * `instanceUrl`, `tokenUrl`…): http or https here; whether http and local addresses
 * are allowed depends on ALLOW_HTTP_DESTINATIONS, which `checkWrite` applies to every
 * destination and enrichment field named `url` or `…Url` (src/lib/outbound-url.ts).
 */
export const outboundUrl = () => z.url({ protocol: outboundProtocols, error: "an https URL (http only when ALLOW_HTTP_DESTINATIONS is true)" });

/** An IANA time zone name the runtime knows (`Europe/Berlin`, `UTC`). */
export const timeZoneSchema = z.string().refine((name) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}, "an IANA time zone such as Europe/Berlin, America/New_York or UTC");
