import { z } from "zod";
import { connectors, type DestinationType } from "../connectors/registry";
import { hmacOptionProblems } from "./hmac-template";
import { ownerSchema } from "./owners-schema";
import {
  configSchema,
  hmacOptionsSchema,
  httpEnrichmentSchema,
  hubspotCompanyEnrichmentSchema,
  poolMemberSchema,
  poolSchema,
  routeSchema,
  settingsSchema,
  sourceSchema,
} from "./schema";
import { replaceFieldsAt, splitPath } from "./secret-paths";

/**
 * What the admin API and the config CLI accept: the configuration document, except
 * that secrets may be left out or sent masked (as `GET` returns them), meaning
 * "keep the stored value". Once secrets are resolved (`resolveSecrets`) the result
 * must pass `configSchema` itself.
 */

/** The masked form `GET` returns: `••••` and at most the last four characters. */
export const maskPrefix = "••••";

const masked = z.string().startsWith(maskPrefix).meta({ description: "A masked secret as GET returns it: keeps the stored value." });

/** A secret field on write: absent or masked keeps the stored value. */
function keep<T extends z.ZodType>(schema: T) {
  return z.union([masked, schema]).optional();
}

/*
 * Writes are strict where a typo would otherwise be dropped in silence: the
 * document's top level and each entry's own fields. A misspelt `rotues` must not
 * store a configuration without routes, nor `dailyCapp` a pool without a cap.
 */

/**
 * Generic HMAC options as a write accepts them: only settings whose signature covers
 * what they check (see `hmacOptionProblems`). Checked on write only, so a document
 * stored before still loads; the verifier refuses its requests instead.
 */
const hmacOptionsWriteSchema = hmacOptionsSchema.superRefine((options, ctx) => {
  for (const { field, message } of hmacOptionProblems(options)) ctx.addIssue({ code: "custom", path: [field], message });
});

export const sourceWriteSchema = sourceSchema
  .extend({
    /** Secrets, newest first. Absent keeps all stored ones; a masked entry keeps the stored secret it masks. */
    secrets: z.array(z.string().min(1)).max(10).optional(),
    hmac: hmacOptionsWriteSchema.optional(),
  })
  .strict();

/** `T` with the field at dot path `P` optional, through nested objects and unions. */
type OptionalAt<T, P extends string> = T extends unknown
  ? P extends `${infer Head}.${infer Rest}`
    ? Head extends keyof T
      ? Omit<T, Head> & { [K in Head]: OptionalAt<T[K], Rest> }
      : T
    : P extends keyof T
      ? Omit<T, P> & { [K in P]?: T[K] }
      : T
  : never;
type OptionalAtAll<T, Paths extends readonly string[]> = Paths extends readonly [infer P extends string, ...infer Rest extends readonly string[]]
  ? OptionalAtAll<OptionalAt<T, P>, Rest>
  : T;
type WriteOf<Type extends DestinationType> = OptionalAtAll<z.infer<(typeof connectors)[Type]["schema"]>, (typeof connectors)[Type]["secrets"]>;
export type DestinationWrite = { [Type in DestinationType]: WriteOf<Type> }[DestinationType];

/**
 * Built from the connector registry, in its order. The type is stated rather than
 * inferred: zod cannot follow the schemas rebuilt from secret paths, and
 * `DestinationWrite` says the same from the registry's types.
 */
export const destinationWriteSchema = z.discriminatedUnion(
  "type",
  Object.values(connectors).map((connector) => replaceFieldsAt(connector.schema, connector.secrets.map(splitPath), keep)) as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<DestinationWrite>;

export const enrichmentWriteSchema = z.discriminatedUnion("type", [
  httpEnrichmentSchema.extend({ token: keep(z.string().min(1)) }).strict(),
  hubspotCompanyEnrichmentSchema.strict(),
]);

export const routeWriteSchema = routeSchema.strict();
export const ownerWriteSchema = ownerSchema.strict();
export const poolWriteSchema = poolSchema.extend({ members: z.array(poolMemberSchema.strict()).min(1) }).strict();

export const configWriteSchema = configSchema
  .extend({
    sources: z.array(sourceWriteSchema).default([]),
    owners: z.array(ownerWriteSchema).default([]),
    pools: z.array(poolWriteSchema).default([]),
    destinations: z.array(destinationWriteSchema).default([]),
    enrichments: z.array(enrichmentWriteSchema).default([]),
    routes: z.array(routeWriteSchema).default([]),
    settings: settingsSchema.strict().default({}),
  })
  .strict();

export type ConfigWrite = z.infer<typeof configWriteSchema>;

/** The kinds of entries of the document that have their own admin endpoints. */
export type EntryKind = "sources" | "destinations" | "enrichments" | "routes" | "pools";
