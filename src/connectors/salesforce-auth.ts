import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";

/**
 * How a Salesforce destination gets access tokens from a connected app (OAuth 2.0,
 * form-encoded POST to `tokenUrl`, e.g. https://login.salesforce.com/services/oauth2/token
 * or the org's My Domain `…/services/oauth2/token`). `clientSecret` and
 * `refreshToken` are write-only secrets.
 */
const salesforceRefreshTokenAuthSchema = z.object({
  type: z.literal("refresh_token"),
  tokenUrl: outboundUrl(),
  /** The connected app's consumer key. */
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
});
const salesforceClientCredentialsAuthSchema = z.object({
  type: z.literal("client_credentials"),
  tokenUrl: outboundUrl(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export const salesforceAuthSchema = z.discriminatedUnion("type", [salesforceRefreshTokenAuthSchema, salesforceClientCredentialsAuthSchema]);
export type SalesforceAuth = z.infer<typeof salesforceAuthSchema>;
