import { z } from "@hono/zod-openapi";
import { conditionSchema, configSchema } from "../config/schema";
import { configWriteSchema, destinationWriteSchema, sourceWriteSchema } from "../config/write-schema";
import { eventStatuses } from "../db/schema";
import { destinationStates } from "../delivery/destination-state";

/**
 * Schemas the admin routes share, as OpenAPI components. The configuration ones are
 * the very schemas of src/config (named here for the document, not copied), so the
 * OpenAPI document and request validation cannot drift apart.
 */

// A recursive schema must be a named component, or the generator recurses forever.
conditionSchema.openapi("Condition");

export const configDocument = configSchema.openapi("Config", {
  description: "The configuration document; on GET every secret is masked (`••••` + last 4 characters).",
});
export const configWrite = configWriteSchema.openapi("ConfigWrite", {
  description: "The configuration document to store. A secret left out, or sent masked as GET returns it, keeps its stored value.",
});
export const sourceWrite = sourceWriteSchema.openapi("SourceWrite");
export const destinationWrite = destinationWriteSchema.openapi("DestinationWrite");

/** A destination's runtime state (src/delivery/destination-state.ts): paused, circuit breaker. */
export const destinationStateSchema = z
  .object({
    state: z.enum(destinationStates).meta({
      description: "`active`, `paused` (by an operator), `open` (circuit breaker holding deliveries), `half_open` (one probe call decides)",
    }),
    held: z.number().int().meta({ description: "Deliveries held until the destination takes calls again" }),
  })
  .openapi("DestinationState");

const kindChanges = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) });
export const changeSummary = z
  .object({
    sources: kindChanges,
    pools: kindChanges,
    destinations: kindChanges,
    enrichments: kindChanges.optional().meta({ description: "Absent from versions stored before enrichments existed" }),
    routes: kindChanges,
    routeOrder: z.boolean(),
    settings: z.boolean(),
    truncated: z.boolean().optional().meta({ description: "Id lists were cut to fit the history's metadata." }),
  })
  .openapi("ChangeSummary");

export const versionInfo = z
  .object({
    version: z.number().int(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    summary: changeSummary.optional(),
    rollbackOf: z.number().int().optional(),
  })
  .openapi("ConfigVersion");

/** The answer to every accepted configuration change. */
export const writeResult = versionInfo
  .extend({ unchanged: z.boolean().meta({ description: "True when the write changed nothing: no new version was made." }) })
  .openapi("ConfigWriteResult");

/** `If-Match: "<version>"`: refuse (412) unless this is still the active version. */
export const ifMatchHeaders = z.object({
  "if-match": z
    .string()
    .regex(/^(W\/)?"?\d+"?$/, 'expected a version, e.g. "3"')
    .optional()
    .meta({ description: 'The version the change was based on (the ETag of GET /config), e.g. "3".' }),
});

/** The version an `If-Match` header names. */
export function expectedVersion(header: string | undefined): number | undefined {
  const digits = header?.match(/\d+/)?.[0];
  return digits === undefined ? undefined : Number(digits);
}

export const limitParam = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .meta({ description: `Page size (at most ${max}).` });

/** A time as ISO 8601 or epoch milliseconds, in milliseconds. */
export const timeParam = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO 8601 date-time or epoch milliseconds" });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: "ISO 8601 date-time or epoch milliseconds", example: "2026-01-01T00:00:00Z" });

export const eventStatus = z.enum(eventStatuses);

/** Filters shared by the event list and replay by filter. */
export const eventFilterShape = {
  source: z.string().min(1).optional(),
  status: eventStatus.optional(),
  route: z.string().min(1).optional().meta({ description: "The first route that matched." }),
  destination: z.string().min(1).optional().meta({ description: "Events with a delivery to this destination." }),
  experiment: z.string().min(1).optional().meta({ description: "Leads that went through this experiment (the id of a route with a split)." }),
  arm: z.string().min(1).optional().meta({ description: "Leads that landed in this experiment arm." }),
  since: timeParam.optional().meta({ description: "Accepted at or after (ISO 8601 or epoch ms)." }),
  until: timeParam.optional().meta({ description: "Accepted before (ISO 8601 or epoch ms)." }),
  email: z.string().min(3).optional().meta({ description: "The mapped lead's email." }),
};
