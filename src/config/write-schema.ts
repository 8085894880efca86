import { z } from "zod";
import {
  configSchema,
  httpDestinationSchema,
  httpEnrichmentSchema,
  hubspotCompanyEnrichmentSchema,
  hubspotDestinationSchema,
  pipedriveDestinationSchema,
  poolMemberSchema,
  poolSchema,
  routeSchema,
  salesforceClientCredentialsAuthSchema,
  salesforceDestinationSchema,
  salesforceRefreshTokenAuthSchema,
  settingsSchema,
  slackDestinationSchema,
  sourceSchema,
} from "./schema";

/**
 * What the admin API and the config CLI accept: the configuration document, except
 * that secrets may be left out or sent masked (as `GET` returns them), meaning
 * "keep the stored value". Once secrets are resolved (`resolveSecrets`) the result
 * must pass `configSchema` itself.
 */

/** The masked form `GET` returns: `••••` and at most the last four characters. */
export const maskPrefix = "••••";

const masked = z
  .string()
  .startsWith(maskPrefix)
  .meta({ description: "A masked secret as GET returns it: keeps the stored value." });

/** A secret field on write: absent or masked keeps the stored value. */
function keep<T extends z.ZodType>(schema: T) {
  return z.union([masked, schema]).optional();
}

/*
 * Writes are strict where a typo would otherwise be dropped in silence: the
 * document's top level and each entry's own fields. A misspelt `rotues` must not
 * store a configuration without routes, nor `dailyCapp` a pool without a cap.
 */

export const sourceWriteSchema = sourceSchema
  .extend({
    /** Secrets, newest first. Absent keeps all stored ones; a masked entry keeps the stored secret it masks. */
    secrets: z.array(z.string().min(1)).max(10).optional(),
  })
  .strict();

export const destinationWriteSchema = z.discriminatedUnion("type", [
  hubspotDestinationSchema.extend({ token: keep(z.string().min(1)) }).strict(),
  salesforceDestinationSchema
    .extend({
      accessToken: keep(z.string().min(1)),
      auth: z
        .discriminatedUnion("type", [
          salesforceRefreshTokenAuthSchema.extend({ clientSecret: keep(z.string().min(1)), refreshToken: keep(z.string().min(1)) }).strict(),
          salesforceClientCredentialsAuthSchema.extend({ clientSecret: keep(z.string().min(1)) }).strict(),
        ])
        .optional(),
    })
    .strict(),
  pipedriveDestinationSchema.extend({ apiToken: keep(z.string().min(1)) }).strict(),
  slackDestinationSchema.extend({ url: keep(z.url()) }).strict(),
  httpDestinationSchema.extend({ secret: keep(z.string().min(1)) }).strict(),
]);

export const enrichmentWriteSchema = z.discriminatedUnion("type", [
  httpEnrichmentSchema.extend({ token: keep(z.string().min(1)) }).strict(),
  hubspotCompanyEnrichmentSchema.strict(),
]);

export const routeWriteSchema = routeSchema.strict();
export const poolWriteSchema = poolSchema.extend({ members: z.array(poolMemberSchema.strict()).min(1) }).strict();

export const configWriteSchema = configSchema
  .extend({
    sources: z.array(sourceWriteSchema).default([]),
    pools: z.array(poolWriteSchema).default([]),
    destinations: z.array(destinationWriteSchema).default([]),
    enrichments: z.array(enrichmentWriteSchema).default([]),
    routes: z.array(routeWriteSchema).default([]),
    settings: settingsSchema.strict().default({}),
  })
  .strict();

export type ConfigWrite = z.infer<typeof configWriteSchema>;
export type SourceWrite = z.infer<typeof sourceWriteSchema>;
export type DestinationWrite = z.infer<typeof destinationWriteSchema>;

/** The kinds of entries of the document that have their own admin endpoints. */
export type EntryKind = "sources" | "destinations" | "enrichments" | "routes" | "pools";
