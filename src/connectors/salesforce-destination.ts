import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";
import { destinationCommon } from "./connector";
import { salesforceAuthSchema } from "./salesforce-auth";

/**
 * Exactly one of `accessToken` and `auth`, and `instanceUrl` with `accessToken`:
 * checked by src/config/validate.ts, since a write may leave a stored secret out.
 */
export const salesforceDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("salesforce"),
  /**
   * e.g. https://yourorg.my.salesforce.com. Required with `accessToken`; with `auth`
   * the token answer's `instance_url` is used and this is only a fallback.
   */
  instanceUrl: outboundUrl().optional(),
  /** A fixed OAuth access token (Bearer), for development: it expires with the session. Write-only. */
  accessToken: z.string().min(1).optional(),
  /** Tokens from a connected app, refreshed when they expire. Exactly one of `accessToken` and `auth`. */
  auth: salesforceAuthSchema.optional(),
  /** sObject Collections upsert needs v46.0 or later; the duplicate-rule header v52.0 or later. */
  apiVersion: z
    .string()
    .regex(/^v\d+\.0$/)
    .refine((v) => Number(v.slice(1)) >= 52, "v52.0 or later (sObject Collections upsert and the duplicate-rule header)")
    .default("v60.0"),
  /** sObject to upsert into. */
  object: z.string().min(1).default("Lead"),
  /**
   * The field the upsert is keyed on; its value is the lead's email. It must be a
   * field marked External ID on the object (e.g. a custom `Email__c`): Salesforce
   * does not allow upserts on the standard Email field.
   */
  externalIdField: z.string().min(1),
  /**
   * Where the lead's ISO country and state codes go. `CountryCode`/`StateCode` exist
   * when the org has State and Country/Territory Picklists on; without them the
   * object has no such field and `Country`/`State` are used instead.
   */
  countryField: z.string().min(1).default("CountryCode"),
  stateField: z.string().min(1).default("StateCode"),
  /**
   * `Sforce-Duplicate-Rule-Header: allowSave=…`: true saves a lead that a duplicate
   * rule with an *alert* action flags (rules that *block* still block).
   */
  allowSave: z.boolean().default(true),
});
export type SalesforceDestination = z.infer<typeof salesforceDestinationSchema>;
