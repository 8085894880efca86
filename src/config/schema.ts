import { z } from "zod";
import { destinationSchemas } from "../connectors/registry";
import { entryIdSchema, outboundUrl, rateSchema } from "../lib/config-fields";
import { isIpOrCidr } from "../lib/ip-ranges";
import { durationMs, durationPattern } from "./duration";
import { ownerSchema } from "./owners-schema";

/**
 * Configuration schemas: what operators write (the configuration document of
 * docs/configuration.md) and what every part of the gateway reads. Field names may
 * grow; those documented in docs/configuration.md must keep working.
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

const id = entryIdSchema;

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
   * `timestampHeader`, `{url}` the URL, `{method}` the method, `{id}` the value of
   * `idHeader`. Default `{body}`. Writes must sign what they check (hmac-template.ts).
   */
  template: z.string().default("{body}"),
  /** Header with a Unix timestamp (seconds), checked against the tolerance; the template must sign `{timestamp}`. */
  timestampHeader: z.string().min(1).optional(),
  /** Header with the provider's delivery id: the dedup key when the template signs `{id}`, else kept for tracing. */
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
export const outcomeNames = ["contacted", "qualified", "meeting_booked", "won", "lost"] as const;
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

/** Days an event's body is kept (per source, or for all in `settings`). */
const retentionDaysSchema = z.number().int().positive().max(3650);

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
  allowIps: z.array(z.string().refine(isIpOrCidr, "not an IP address or CIDR range")).max(500).optional(),
  /** Spread a hot source over this many inbox Durable Objects (docs/deploy.md). */
  shards: z.number().int().min(1).max(64).default(1),
  /** Default: the provider's delivery id when it sends one, else a hash of the body. */
  dedup: dedupSchema.optional(),
  /** How long a dedup key is remembered, in seconds (default 7 days). */
  dedupWindowSeconds: z
    .number()
    .int()
    .positive()
    .max(90 * 86_400)
    .default(7 * 86_400),
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
  /**
   * Days this source's event bodies are kept, longer or shorter than
   * `settings.retentionDays` (which applies when this is not set).
   */
  retentionDays: retentionDaysSchema.optional(),
  enabled: z.boolean().default(true),
});
export type SourceConfig = z.infer<typeof sourceSchema>;

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
  /** Who gets the lead when every member is paused, capped or unavailable. */
  fallbackOwnerId: z.string().min(1).optional(),
  /**
   * `always`: members take leads at any hour (time away still counts).
   * `working_hours`: members outside their owner entry's working hours are skipped too.
   */
  availability: z.enum(["always", "working_hours"]).default("always"),
  /**
   * When no member can take a lead: `fallback` gives it to `fallbackOwnerId` (else
   * no owner); `hold` keeps it, and the assign and the actions after it, until the
   * first member becomes available (docs/routing.md, "Holding a lead").
   */
  whenNobodyAvailable: z.enum(["fallback", "hold"]).default("fallback"),
});
export type PoolConfig = z.infer<typeof poolSchema>;
export type PoolInput = z.input<typeof poolSchema>;

// ─── Destinations ─────────────────────────────────────────────────────────────

/**
 * One schema per connector, each declared by its connector module (src/connectors/)
 * and listed in the connector registry; the `type` field picks the connector.
 */
export const destinationSchema = z.discriminatedUnion("type", destinationSchemas);
export type DestinationConfig = z.infer<typeof destinationSchema>;

// ─── Enrichments ──────────────────────────────────────────────────────────────

/** Lead fields an enrichment may fill (never `email`: it is the key CRMs upsert on). */
const enrichFieldsSchema = z
  .record(
    z
      .string()
      .regex(
        /^(phone|firstName|lastName|company|country|industry|employees|score|custom\.[A-Za-z0-9_]{1,64})$/,
        "a lead field other than email/domain, or custom.<name>",
      ),
    z.string().min(1),
  )
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
  cacheSeconds: z
    .number()
    .int()
    .nonnegative()
    .max(90 * 86_400)
    .default(86_400),
};

export const httpEnrichmentSchema = z.object({
  ...enrichmentCommon,
  type: z.literal("http"),
  /** Called with POST and the lead as JSON; answers JSON. */
  url: outboundUrl(),
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

export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | { always: true } | { field: string; op: Operator; value?: unknown };

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

/** The longest SLA: past a month, it is a report, not a timer. */
export const maxSlaMs = 30 * 86_400_000;

export const slaSchema = z.strictObject({
  /** How long the owner has, e.g. `15m`, `4h`, `2d`. */
  within: z
    .string()
    .regex(durationPattern, "a duration such as 90s, 15m, 4h or 2d")
    .refine((text) => (durationMs(text) ?? 0) <= maxSlaMs, "at most 30 days"),
  /** The outcome that stops the clock; any later outcome of the funnel stops it too. */
  until: z.enum(outcomeNames).default("contacted"),
  /** `reassign`: the pool's next available owner (never the same one) takes the lead; `escalate`: only tell. */
  then: z.enum(["reassign", "escalate"]),
  /** A Slack or HTTP destination told about every miss. */
  notify: z.string().min(1).optional(),
  /** Count only the owner's working hours (from the `owners` entry) toward `within`. */
  workingHoursOnly: z.boolean().default(false),
});
export type SlaConfig = z.infer<typeof slaSchema>;

const propertiesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * Lead-to-account: the owner of the CRM company (HubSpot) or account (Salesforce)
 * the lead belongs to, found by domain then by normalized name; else the pool.
 */
export const accountOwnerSchema = z.strictObject({
  /** A `hubspot` or `salesforce` destination: its companies or accounts are searched with its credentials. */
  destination: z.string().min(1),
  /** Assigns from this pool when no record matches, it has no owner, or the owner is unavailable. */
  fallbackPool: z.string().min(1),
  /** Only an owner who is available now (not away; inside working hours if they have them). Default true. */
  requireAvailable: z.boolean().default(true),
  /** How long a match (or a miss) is reused for the same key. Default 1 hour: owners change more often than firmographics. */
  cacheSeconds: z
    .number()
    .int()
    .nonnegative()
    .max(7 * 86_400)
    .default(3_600),
  /** The lookup's time budget; when it runs out the fallback pool assigns. */
  timeoutMs: z.number().int().positive().max(10_000).default(2_000),
});
export type AccountOwnerConfig = z.infer<typeof accountOwnerSchema>;

/** `assign` takes a pool, or the account owner with a fallback pool. */
export const assignSchema = z.union([z.strictObject({ pool: z.string().min(1) }), z.strictObject({ accountOwner: accountOwnerSchema })]);
export type AssignConfig = z.infer<typeof assignSchema>;

/** The pool an `assign` draws from: its own, or the account owner's fallback. */
export function assignPool(assign: AssignConfig): string {
  return "pool" in assign ? assign.pool : assign.accountOwner.fallbackPool;
}

export const actionSchema = z.union([
  z.strictObject({ assign: assignSchema }),
  z.strictObject({
    upsert: z.strictObject({ destination: z.string().min(1), properties: propertiesSchema.optional() }),
  }),
  z.strictObject({ notify: z.strictObject({ destination: z.string().min(1) }) }),
  z.strictObject({ forward: z.strictObject({ destination: z.string().min(1) }) }),
  /** Looks the lead up and merges the answer into it; later routes see the new fields. */
  z.strictObject({ enrich: z.strictObject({ enrichment: z.string().min(1) }) }),
  /** Holds the owner to a deadline: if the outcome does not arrive in time, reassign or escalate. */
  z.strictObject({ sla: slaSchema }),
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
  retentionDays: retentionDaysSchema.optional(),
});

/** The whole configuration document. */
export const configSchema = z.object({
  sources: z.array(sourceSchema).default([]),
  owners: z.array(ownerSchema).default([]),
  pools: z.array(poolSchema).default([]),
  destinations: z.array(destinationSchema).default([]),
  enrichments: z.array(enrichmentSchema).default([]),
  routes: z.array(routeSchema).default([]),
  settings: settingsSchema.default({}),
});
export type GatewayConfig = z.infer<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
