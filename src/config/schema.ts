import { z } from "zod";
import { isIpOrCidr } from "../ingest/ip-allowlist";

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

// ─── Outcome feedback ─────────────────────────────────────────────────────────

/** What became of a lead, as KPIs count it. Each counts once per lead: its first report. */
export const outcomeNames = ["qualified", "meeting_booked", "won", "lost"] as const;
export type OutcomeName = (typeof outcomeNames)[number];

export const outcomeFeedbackSchema = z.object({
  /**
   * The payload's shape: `generic` (`{ email | leadId | eventId, outcome, occurredAt? }`,
   * one object or a list), `hubspot` (contact property-change webhooks), `salesforce`
   * (Lead change events relayed as JSON), `pipedrive` (webhooks v2 on deals, leads
   * and persons).
   */
  format: z.enum(["generic", "hubspot", "salesforce", "pipedrive"]),
  /**
   * CRM values to outcomes, e.g. `{ "salesqualifiedlead": "qualified" }`: the value
   * of the watched property (HubSpot), `Status` (Salesforce) or the status/stage
   * (Pipedrive). Given entries replace the format's defaults for that value.
   */
  values: z.record(z.string(), z.enum(outcomeNames)).optional(),
  /** HubSpot: the contact properties whose changes are read (default `lifecyclestage`, `hs_lead_status`). */
  properties: z.array(z.string().min(1)).max(20).optional(),
});
export type OutcomeFeedbackConfig = z.infer<typeof outcomeFeedbackSchema>;

export const sourceSchema = z.object({
  id,
  provider: z.enum(providers),
  /** Secrets, newest first; any one of them verifies (rotation). Write-only. */
  secrets: z.array(z.string().min(1)).max(10).default([]),
  toleranceSeconds: z.number().int().positive().max(86_400).default(300),
  rate: rateSchema.default({ perSecond: 50, burst: 100 }),
  /**
   * Largest body accepted (default 1 MiB). At most 1.5 MiB: the body is stored in a
   * Durable Object row and a D1 row, and both cap a row at 2 MB.
   */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(1.5 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * Addresses or CIDR ranges (IPv4 or IPv6) the provider sends from; when set, any
   * other client is refused with 403 before its body is read.
   */
  allowIps: z
    .array(z.string().refine(isIpOrCidr, "not an IP address or CIDR range"))
    .max(500)
    .optional(),
  /** Spread a hot source over this many inbox Durable Objects (docs/deploy.md). */
  shards: z.number().int().min(1).max(64).default(1),
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
  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2). */
  defaultRegion: z.string().length(2).toUpperCase().optional(),
  /**
   * `leads` (the default): each event is a lead to route. `outcomes`: each event
   * reports what became of leads already routed (a CRM's status webhook), see
   * `outcomes` and docs/outcomes.md.
   */
  kind: z.enum(["leads", "outcomes"]).default("leads"),
  /** How an `outcomes` source's payloads are read. */
  outcomes: outcomeFeedbackSchema.optional(),
  enabled: z.boolean().default(true),
});
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SourceInput = z.input<typeof sourceSchema>;

// ─── Owner pools ──────────────────────────────────────────────────────────────

export const poolMemberSchema = z.object({
  /** The owner's id in the CRM (HubSpot owner id, Salesforce user id, Pipedrive user id). */
  ownerId: z.string().min(1),
  name: z.string().optional(),
  /** Share of leads relative to the other members (default 1). */
  weight: z.number().int().positive().max(1000).default(1),
  /** Most leads this member gets per UTC day; unset means no cap. */
  dailyCap: z.number().int().positive().optional(),
  /** A paused member gets no new leads (holidays, full calendar). */
  paused: z.boolean().default(false),
});
export type PoolMember = z.infer<typeof poolMemberSchema>;

export const poolSchema = z.object({
  id,
  /**
   * `round_robin`: members in turn, each `weight` times per cycle (smooth weighted
   * round robin, so a weight-2 member never gets long runs). `load_balanced`: the
   * member furthest below its weighted share of today's leads.
   */
  strategy: z.enum(["round_robin", "load_balanced"]).default("round_robin"),
  // State (rotation, daily counts) is kept per owner id, so an owner may appear once.
  members: z
    .array(poolMemberSchema)
    .min(1)
    .refine((members) => new Set(members.map((m) => m.ownerId)).size === members.length, "each ownerId may appear once"),
  /** Who gets the lead when every member is paused or capped. */
  fallbackOwnerId: z.string().min(1).optional(),
});
export type PoolConfig = z.infer<typeof poolSchema>;

// ─── Destinations ─────────────────────────────────────────────────────────────

const destinationCommon = {
  id,
  /** Requests per second to this destination (a token bucket shared by all Workers). */
  rate: rateSchema.optional(),
  timeoutMs: z.number().int().positive().max(60_000).default(10_000),
  /** Attempts before the delivery is dead-lettered. */
  maxAttempts: z.number().int().positive().max(50).default(8),
};

export const hubspotDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("hubspot"),
  /** Private app access token (Bearer). Write-only. */
  token: z.string().min(1),
  baseUrl: z.url().default("https://api.hubapi.com"),
});

/**
 * How a Salesforce destination gets access tokens from a connected app (OAuth 2.0,
 * form-encoded POST to `tokenUrl`, e.g. https://login.salesforce.com/services/oauth2/token
 * or the org's My Domain `…/services/oauth2/token`). `clientSecret` and
 * `refreshToken` are write-only secrets.
 */
export const salesforceRefreshTokenAuthSchema = z.object({
  type: z.literal("refresh_token"),
  tokenUrl: z.url(),
  /** The connected app's consumer key. */
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
});
export const salesforceClientCredentialsAuthSchema = z.object({
  type: z.literal("client_credentials"),
  tokenUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export const salesforceAuthSchema = z.discriminatedUnion("type", [salesforceRefreshTokenAuthSchema, salesforceClientCredentialsAuthSchema]);
export type SalesforceAuth = z.infer<typeof salesforceAuthSchema>;

export const salesforceDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("salesforce"),
  /**
   * e.g. https://yourorg.my.salesforce.com. Required with `accessToken`; with `auth`
   * the token answer's `instance_url` is used and this is only a fallback.
   */
  instanceUrl: z.url().optional(),
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
export type SalesforceDestinationConfig = z.infer<typeof salesforceDestinationSchema>;

export const pipedriveDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("pipedrive"),
  /** API token (x-api-token header). Write-only. */
  apiToken: z.string().min(1),
  baseUrl: z.url().default("https://api.pipedrive.com"),
});

export const slackDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("slack"),
  /** Incoming webhook URL. Write-only: it is a credential. */
  url: z.url(),
});

export const httpDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("http"),
  url: z.url(),
  /** Standard Webhooks signing secret (`whsec_…`) the receiver verifies with. Write-only. */
  secret: z.string().min(1),
});

export const destinationSchema = z.discriminatedUnion("type", [
  hubspotDestinationSchema,
  salesforceDestinationSchema,
  pipedriveDestinationSchema,
  slackDestinationSchema,
  httpDestinationSchema,
]);
export type DestinationConfig = z.infer<typeof destinationSchema>;
export type CrmDestination = Extract<DestinationConfig, { type: "hubspot" | "salesforce" | "pipedrive" }>;

// ─── Enrichments ──────────────────────────────────────────────────────────────

/** Lead fields an enrichment may fill (never `email`: it is the key CRMs upsert on). */
const enrichFieldsSchema = z
  .record(z.string().regex(/^(phone|firstName|lastName|company|country|industry|employees|score|custom\.[A-Za-z0-9_]{1,64})$/, "a lead field other than email/domain, or custom.<name>"), z.string().min(1))
  .refine((fields) => Object.keys(fields).length > 0, "map at least one field");

const enrichmentCommon = {
  id,
  /**
   * Lead field → JSONata over the lookup's answer, e.g.
   * `{ "employees": "company.metrics.employees", "custom.revenue": "company.revenue" }`.
   */
  fields: enrichFieldsSchema,
  /** Replace fields the lead already has (default: only fill missing ones). */
  overwrite: z.boolean().default(false),
  /** The lookup's time budget; when it runs out routing goes on without it. */
  timeoutMs: z.number().int().positive().max(10_000).default(2_000),
  /** How long an answer is reused for the same key (0: every lead asks). Default 1 day. */
  cacheSeconds: z.number().int().nonnegative().max(90 * 86_400).default(86_400),
};

export const httpEnrichmentSchema = z.object({
  ...enrichmentCommon,
  type: z.literal("http"),
  /** Called with POST and the lead as JSON; answers JSON. */
  url: z.url(),
  /** Sent as `Authorization: Bearer …` when set. Write-only. */
  token: z.string().min(1).optional(),
  /** The cache key: the company domain (default) or the email. */
  cacheBy: z.enum(["domain", "email"]).default("domain"),
});

export const hubspotCompanyEnrichmentSchema = z.object({
  ...enrichmentCommon,
  /** Looks up the HubSpot company whose `domain` is the lead's domain. */
  type: z.literal("hubspot-company"),
  /** A `hubspot` destination whose token (with crm.objects.companies.read) is used. */
  destination: z.string().min(1),
  /** Company properties to fetch (default: name, domain, industry, numberofemployees, country, annualrevenue). */
  properties: z.array(z.string().min(1)).max(50).optional(),
});

export const enrichmentSchema = z.discriminatedUnion("type", [httpEnrichmentSchema, hubspotCompanyEnrichmentSchema]);
export type EnrichmentConfig = z.infer<typeof enrichmentSchema>;

// ─── Routes ───────────────────────────────────────────────────────────────────

export const operators = ["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "matches", "exists"] as const;
export type Operator = (typeof operators)[number];

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { always: true }
  | { field: string; op: Operator; value?: unknown };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema) }),
    z.strictObject({ any: z.array(conditionSchema) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ always: z.literal(true) }),
    z.strictObject({
      /** A lead field (`score`, `country`, `custom.plan`, …). */
      field: z.string().min(1),
      op: z.enum(operators),
      value: z.unknown().optional(),
    }),
  ]),
);

const propertiesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const actionSchema = z.union([
  z.strictObject({ assign: z.strictObject({ pool: z.string().min(1) }) }),
  z.strictObject({
    upsert: z.strictObject({ destination: z.string().min(1), properties: propertiesSchema.optional() }),
  }),
  z.strictObject({ notify: z.strictObject({ destination: z.string().min(1) }) }),
  z.strictObject({ forward: z.strictObject({ destination: z.string().min(1) }) }),
  /** Looks the lead up and merges the answer into it; later routes see the new fields. */
  z.strictObject({ enrich: z.strictObject({ enrichment: z.string().min(1) }) }),
]);
export type Action = z.infer<typeof actionSchema>;

/** One arm of an experiment: a share of the route's leads and what happens to them. */
export const armSchema = z.object({
  arm: id,
  /** Share relative to the other arms (50/50: equal weights). */
  weight: z.number().int().positive().max(10_000),
  actions: z.array(actionSchema),
});
export type ArmConfig = z.infer<typeof armSchema>;

export const routeSchema = z.object({
  id,
  /** Only leads from these sources; unset means every source. */
  sources: z.array(z.string()).optional(),
  when: conditionSchema,
  /** Run for every lead the route matches, before its arm's actions. */
  actions: z.array(actionSchema).default([]),
  /**
   * An experiment: each lead lands in one arm by weight, decided by a hash of its
   * email (else phone, domain, event id), so the same person always gets the same
   * arm. The arm is in the trace and on the event.
   */
  split: z
    .array(armSchema)
    .min(2)
    .max(10)
    .refine((arms) => new Set(arms.map((a) => a.arm)).size === arms.length, "each arm needs its own name")
    .optional(),
  /** Keep evaluating later routes after this one matched. */
  continue: z.boolean().default(false),
});
export type RouteConfig = z.infer<typeof routeSchema>;

// ─── Settings ─────────────────────────────────────────────────────────────────

/** "Alert when `threshold` or more happened within the last `windowMinutes`", at most once a window. */
export const alertRuleSchema = z.object({
  threshold: z.number().int().positive(),
  windowMinutes: z.number().int().positive().max(1440),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const defaultAlertRules = {
  verificationFailures: { threshold: 25, windowMinutes: 5 },
  deadLetters: { threshold: 10, windowMinutes: 15 },
} as const satisfies Record<string, AlertRule>;

export const settingsSchema = z.object({
  /** A Slack or HTTP destination told about dead letters and the alert rules below. */
  alertDestination: z.string().optional(),
  /** Thresholds for alerts; each rule not given uses `defaultAlertRules`. */
  alerts: z
    .object({
      /** Requests refused with 401 (missing, invalid or stale signatures), all sources together. */
      verificationFailures: alertRuleSchema.optional(),
      /** Deliveries that died (out of attempts, or dead-lettered by the queue). */
      deadLetters: alertRuleSchema.optional(),
    })
    .optional(),
  /** Days an event's body is kept; the retention job then drops it and keeps the audit row (default 30). */
  retentionDays: z.number().int().positive().max(3650).optional(),
});

/** The whole configuration document. */
export const configSchema = z.object({
  sources: z.array(sourceSchema).default([]),
  pools: z.array(poolSchema).default([]),
  destinations: z.array(destinationSchema).default([]),
  enrichments: z.array(enrichmentSchema).default([]),
  routes: z.array(routeSchema).default([]),
  settings: settingsSchema.default({}),
});
export type GatewayConfig = z.infer<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
