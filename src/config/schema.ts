import { z } from "zod";

/**
 * Configuration schemas: what operators write (the configuration document in
 * DESIGN.md) and what every part of the gateway reads. Field names may grow; those
 * documented in DESIGN.md must keep working.
 */

export const providers = [
  "standard-webhooks",
  "svix",
  "stripe",
  "github",
  "shopify",
  "slack",
  "twilio",
  "hubspot",
  "typeform",
  "zoom",
  "calendly",
  "paddle",
  "intercom",
  "linear",
  "mandrill",
  "sendgrid",
  "hmac",
  "basic-auth",
  "api-key",
  "none",
] as const;
export type Provider = (typeof providers)[number];

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 letters, digits, '-', '_' or '.', starting with a letter or digit");

export const rateSchema = z.object({
  perSecond: z.number().positive().max(100_000),
  burst: z.number().int().positive().max(1_000_000),
});

/** Options for the generic HMAC scheme (`provider: "hmac"`). */
export const hmacOptionsSchema = z.object({
  /** Header carrying the signature. */
  header: z.string().min(1).default("x-signature"),
  algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  /** Text before the digest in the header, e.g. `sha256=`. */
  prefix: z.string().default(""),
  /**
   * What is signed: `{body}` is the raw body, `{timestamp}` the value of
   * `timestampHeader`, `{url}` the URL, `{method}` the method. Default `{body}`.
   */
  template: z.string().default("{body}"),
  /** Header with a Unix timestamp (seconds); when set it is checked against the tolerance. */
  timestampHeader: z.string().min(1).optional(),
  /** Header with the provider's delivery id, used for dedup. */
  idHeader: z.string().min(1).optional(),
});

/** Options for `provider: "api-key"`: the header that carries one of `secrets`. */
export const apiKeyOptionsSchema = z.object({
  header: z.string().min(1).default("x-api-key"),
  /** Text before the key in the header, e.g. `Bearer `. */
  prefix: z.string().default(""),
});

export const dedupSchema = z.union([
  z.object({ by: z.literal("delivery-id") }),
  z.object({ by: z.literal("body-hash") }),
  z.object({ by: z.literal("json-path"), path: z.string().min(1) }),
  z.object({ by: z.literal("none") }),
]);

export const sourceSchema = z.object({
  id,
  provider: z.enum(providers),
  /** Secrets, newest first; any one of them verifies (rotation). Write-only. */
  secrets: z.array(z.string().min(1)).max(10).default([]),
  toleranceSeconds: z.number().int().positive().max(86_400).default(300),
  rate: rateSchema.default({ perSecond: 50, burst: 100 }),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  /** Default: the provider's delivery id when it sends one, else a hash of the body. */
  dedup: dedupSchema.optional(),
  /** How long a dedup key is remembered, in seconds (default 7 days). */
  dedupWindowSeconds: z.number().int().positive().max(90 * 86_400).default(7 * 86_400),
  /** The URL the provider signs, when the Worker sees another (Twilio, HubSpot v3). */
  publicUrl: z.url().optional(),
  /** JSONata expressions over the payload, one per lead field. */
  mapping: z.record(z.string(), z.string()).optional(),
  hmac: hmacOptionsSchema.optional(),
  apiKey: apiKeyOptionsSchema.optional(),
  enabled: z.boolean().default(true),
});
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SourceInput = z.input<typeof sourceSchema>;

/** The whole configuration document. Kinds added by later features extend this. */
export const configSchema = z.object({
  sources: z.array(sourceSchema).default([]),
  pools: z.array(z.record(z.string(), z.unknown())).default([]),
  destinations: z.array(z.record(z.string(), z.unknown())).default([]),
  routes: z.array(z.record(z.string(), z.unknown())).default([]),
});
export type GatewayConfig = z.infer<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
