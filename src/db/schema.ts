import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { outcomeNames } from "../config/schema";
import { bodyFromD1, bodyToD1 } from "./body";

/**
 * A request body, byte-exact: stored as TEXT when it is UTF-8 and as a BLOB
 * otherwise (src/db/body.ts says why), read back as bytes either way.
 */
const bytes = customType<{ data: Uint8Array; driverData: string | ArrayBuffer | number[] | Uint8Array }>({
  dataType: () => "blob",
  toDriver: bodyToD1,
  fromDriver: bodyFromD1,
});

/**
 * D1 is the system of record. An event row is written once by its source's inbox
 * (INSERT OR IGNORE on id, so a repeated flush is harmless) and then moves through
 * statuses as routing works on it.
 */
export const eventStatuses = [
  /** Stored in D1 and handed to the routing queue. */
  "queued",
  /** Routed; its deliveries (CRM upserts, notifications, forwards) are under way. */
  "delivering",
  /** Nobody in its `hold` pool could take it yet: assigned, and its remaining actions run, when one can (`held_leads`). */
  "held",
  /** Routed, and every delivery succeeded (or there were none). */
  "routed",
  /** Some deliveries succeeded, some failed for good. */
  "partially_failed",
  /** No route matched. */
  "unmatched",
  /** The payload could not be mapped to a valid lead; `status_reason` says why. */
  "invalid",
  /** Every delivery failed for good, or routing itself was dead-lettered. */
  "dead",
  /** An outcome source's event whose outcomes were linked to their leads. */
  "recorded",
] as const;
export type EventStatus = (typeof eventStatuses)[number];

export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    status: text("status", { enum: eventStatuses }).notNull(),
    /** The key the inbox deduplicated on (`d:` delivery id, `h:` body hash, `p:` JSON path). */
    dedupKey: text("dedup_key"),
    requestId: text("request_id"),
    contentType: text("content_type"),
    /** Request headers as a JSON object, credentials already removed. */
    headers: text("headers").notNull(),
    /**
     * The body byte-exact as received; null when it lives in R2 (`bodyRef`) or once
     * retention has dropped it. Read it through src/db/event-bodies.ts, which fills
     * it from R2 for the readers.
     */
    body: bytes("body"),
    /** The R2 key (BODIES bucket) of a body over the threshold; null when the body is in D1 or dropped. A replay shares its original's key. */
    bodyRef: text("body_ref"),
    bodySize: integer("body_size").notNull(),
    /** JSON: provider, matched secret index, signed timestamp, delivery id. */
    verification: text("verification").notNull(),
    receivedAt: integer("received_at").notNull(),
    storedAt: integer("stored_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Why the event is invalid or dead, in words. */
    statusReason: text("status_reason"),
    /** JSON: the lead the mapping produced, normalized. */
    lead: text("lead"),
    /** JSON: the decision trace (routes tried, conditions with the values seen, owner and why). */
    trace: text("trace"),
    /** The first route that matched. */
    routeId: text("route_id"),
    ownerId: text("owner_id"),
    leadId: text("lead_id"),
    decidedAt: integer("decided_at"),
    /** For a replay: the event it replays (same body and headers, routed afresh). */
    replayOf: text("replay_of"),
    /** The route whose `split` this lead went through (an experiment), and the arm it landed in. */
    experiment: text("experiment"),
    arm: text("arm"),
  },
  (t) => [
    index("events_source_received").on(t.sourceId, t.receivedAt),
    index("events_lead").on(t.leadId).where(sql`${t.leadId} IS NOT NULL`),
    // One partial index per status something looks events up by (migrations/0011): an
    // event has an entry only while queued or dead, not one moved at every step.
    index("events_queued_updated").on(t.updatedAt).where(sql`${t.status} = 'queued'`),
    index("events_dead_updated").on(t.updatedAt).where(sql`${t.status} = 'dead'`),
    // Retention asks whether another event (a replay) still uses an R2 object before deleting it.
    index("events_body_ref").on(t.bodyRef).where(sql`${t.bodyRef} is not null`),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;

/**
 * Leads seen so far, for matching: a new event whose email, phone or company domain
 * matches a lead here keeps that lead's owner.
 */
export const leads = sqliteTable(
  "leads",
  {
    id: text("id").primaryKey(),
    email: text("email"),
    phone: text("phone"),
    /** Company domain; null for free-mail addresses, which say nothing about the company. */
    domain: text("domain"),
    ownerId: text("owner_id"),
    firstEventId: text("first_event_id").notNull(),
    lastEventId: text("last_event_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("leads_email").on(t.email),
    index("leads_phone").on(t.phone).where(sql`${t.phone} IS NOT NULL`),
    index("leads_domain").on(t.domain).where(sql`${t.domain} IS NOT NULL`),
  ],
);
export type LeadRow = typeof leads.$inferSelect;

export const deliveryStatuses = [
  /** Waiting for its (next) attempt. */
  "pending",
  "succeeded",
  /** Refused for good by the destination (a 4xx other than 408/429). */
  "failed",
  /** Out of attempts, or dead-lettered by the queue. */
  "dead",
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * Deliveries that will not be tried again: the dead letters (listed, counted for
 * the alert, replayed by replaying their event), whether refused or out of attempts.
 */
export const deadLetterStatuses = ["failed", "dead"] as const satisfies readonly DeliveryStatus[];

/** One action of a routed event towards one destination (Svix's "message attempt" parent). */
export const deliveries = sqliteTable(
  "deliveries",
  {
    /** `<eventId>:<action index>`: stable, so re-deciding an event cannot add a second one. */
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    destinationId: text("destination_id").notNull(),
    /**
     * The event's lead: one lead's deliveries to one destination run one at a time,
     * oldest first (claimDeliveries). Null only for rows older than the column.
     */
    leadId: text("lead_id"),
    action: text("action", { enum: ["upsert", "notify", "forward"] }).notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** JSON LeadDelivery: what to send, fixed when the event was routed. */
    payload: text("payload").notNull(),
    externalId: text("external_id"),
    lastError: text("last_error"),
    /** A consumer holding this delivery until then; others leave it alone. */
    leaseUntil: integer("lease_until"),
    /** When the next attempt is due: creation, or the last attempt plus its backoff. */
    nextAttemptAt: integer("next_attempt_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("deliveries_event").on(t.eventId),
    index("deliveries_status_next").on(t.status, t.nextAttemptAt),
    // Outcome reports name the CRM's record id: this finds the lead it was delivered as.
    index("deliveries_external").on(t.externalId).where(sql`${t.externalId} IS NOT NULL`),
    index("deliveries_lead_destination").on(t.leadId, t.destinationId),
    // Pending deliveries only (migrations/0009): the oldest one per destination for
    // the metrics, one index entry read each (src/db/metric-counts.ts).
    index("deliveries_pending_created").on(t.destinationId, t.createdAt).where(sql`${t.status} = 'pending'`),
  ],
);
export type DeliveryRow = typeof deliveries.$inferSelect;

/**
 * The record map: a lead's record ids in a destination (a Pipedrive person and lead,
 * later a HubSpot contact or a Salesforce record), learned by a delivery. Later
 * deliveries of that lead update by id: no search (which may lag creation), no
 * duplicate. `kind` is the connector's name for the record type.
 */
export const crmRecords = sqliteTable(
  "crm_records",
  {
    destinationId: text("destination_id").notNull(),
    leadId: text("lead_id").notNull(),
    kind: text("kind").notNull(),
    externalId: text("external_id").notNull(),
    /** The delivery that learned (or last confirmed) the id. */
    deliveryId: text("delivery_id").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.destinationId, t.leadId, t.kind] }), index("crm_records_external").on(t.destinationId, t.kind, t.externalId)],
);
export type CrmRecordRow = typeof crmRecords.$inferSelect;

/** Every call to a destination, successful or not. */
export const attempts = sqliteTable(
  "attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    eventId: text("event_id").notNull(),
    destinationId: text("destination_id").notNull(),
    attempt: integer("attempt").notNull(),
    outcome: text("outcome", { enum: ["succeeded", "retryable", "failed"] }).notNull(),
    httpStatus: integer("http_status"),
    latencyMs: integer("latency_ms").notNull(),
    /** The start of the response body. */
    excerpt: text("excerpt"),
    error: text("error"),
    /** When the next attempt is due, for retryable outcomes. */
    retryAt: integer("retry_at"),
    at: integer("at").notNull(),
  },
  // The event page reads attempts by event; the stats by id range. Nothing reads them
  // by delivery or destination, so no index for that (migrations/0011: rows written).
  (t) => [index("attempts_event").on(t.eventId)],
);
export type AttemptRow = typeof attempts.$inferSelect;

/** Alerts sent by the threshold rules (and a record that they were), newest last. */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    rule: text("rule").notNull(),
    count: integer("count").notNull(),
    detail: text("detail").notNull(),
    /** Whether the alert destination took it. */
    delivered: integer("delivered", { mode: "boolean" }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("alerts_rule_at").on(t.rule, t.at)],
);

/**
 * The D1 database's size at the first scheduled run of each UTC day: growth per day
 * is the difference between days (src/monitoring/storage.ts). A row a day.
 */
export const storageSnapshots = sqliteTable("storage_snapshots", {
  /** Days since 1970-01-01 (UTC). */
  day: integer("day").primaryKey(),
  sizeBytes: integer("size_bytes").notNull(),
  takenAt: integer("taken_at").notNull(),
});

/**
 * Enrichment answers, per enrichment and key (a domain or an email), so that a
 * company's 500 leads cost one lookup. `fields` is what the enrichment's mapping
 * made of the answer, ready to merge.
 */
export const enrichmentCache = sqliteTable(
  "enrichment_cache",
  {
    enrichmentId: text("enrichment_id").notNull(),
    key: text("key").notNull(),
    /** JSON: lead field → value. */
    fields: text("fields").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.enrichmentId, t.key] }), index("enrichment_cache_expires").on(t.expiresAt)],
);
export type EnrichmentCacheRow = typeof enrichmentCache.$inferSelect;

/**
 * What became of a lead, reported by an outcome source. One row per lead and
 * outcome (the first report wins: conversion counts leads, not reports), linked to
 * the routed event it is credited to, and through it to its route, arm and owner.
 */
export const outcomes = sqliteTable(
  "outcomes",
  {
    id: text("id").primaryKey(),
    leadId: text("lead_id").notNull(),
    outcome: text("outcome", { enum: outcomeNames }).notNull(),
    /** When the CRM says it happened (else when it was reported). */
    occurredAt: integer("occurred_at").notNull(),
    /** The lead's routed event credited with it: the latest one before the outcome. */
    leadEventId: text("lead_event_id").notNull(),
    /** The outcome source's event that reported it. */
    reportEventId: text("report_event_id").notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [
    uniqueIndex("outcomes_lead_outcome").on(t.leadId, t.outcome),
    index("outcomes_lead_event").on(t.leadEventId),
    index("outcomes_occurred").on(t.occurredAt),
  ],
);
export type OutcomeRow = typeof outcomes.$inferSelect;

/**
 * Time away set at runtime (`PUT /admin/v1/owners/{id}/away`): one row per owner,
 * taking effect at once without a configuration version. Planned time away lives in
 * the configuration's `owners[].away`.
 */
export const ownerAway = sqliteTable("owner_away", {
  ownerId: text("owner_id").primaryKey(),
  fromMs: integer("from_ms").notNull(),
  untilMs: integer("until_ms").notNull(),
  reason: text("reason"),
  setAt: integer("set_at").notNull(),
});
export type OwnerAwayRow = typeof ownerAway.$inferSelect;

export const slaStatuses = ["running", "met", "reassigned", "escalated", "stopped"] as const;
export type SlaStatus = (typeof slaStatuses)[number];

/**
 * One SLA clock per routed event whose route holds its owner to a deadline. Written
 * with the routing decision (so a decided event never lacks its clock); the SLA
 * clock Durable Object's alarm and the cron sweeper fire the due ones.
 */
export const slaTimers = sqliteTable(
  "sla_timers",
  {
    eventId: text("event_id").primaryKey(),
    leadId: text("lead_id").notNull(),
    routeId: text("route_id").notNull(),
    poolId: text("pool_id"),
    ownerId: text("owner_id").notNull(),
    untilOutcome: text("until_outcome", { enum: outcomeNames }).notNull(),
    then: text("then_action", { enum: ["reassign", "escalate"] }).notNull(),
    notify: text("notify"),
    workingHoursOnly: integer("working_hours_only", { mode: "boolean" }).notNull(),
    withinMs: integer("within_ms").notNull(),
    startedAt: integer("started_at").notNull(),
    dueAt: integer("due_at").notNull(),
    status: text("status", { enum: slaStatuses }).notNull(),
    reassignments: integer("reassignments").notNull().default(0),
    /** JSON list of SlaHistoryEntry: start, met, miss, reassignment, notification. */
    history: text("history").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("sla_timers_status_due").on(t.status, t.dueAt)],
);
export type SlaTimerRow = typeof slaTimers.$inferSelect;

export const holdStatuses = ["held", "released"] as const;
export type HoldStatus = (typeof holdStatuses)[number];

/**
 * Leads held by a pool with `whenNobodyAvailable: "hold"`: one row per held event,
 * written with its routing decision, carrying what runs once an owner takes it (the
 * deliveries planned after the assign, the SLA). The hold clock Durable Object's
 * alarm (and the cron) retries each at `wake_at`, the first moment a member should
 * be available.
 */
export const heldLeads = sqliteTable(
  "held_leads",
  {
    eventId: text("event_id").primaryKey(),
    leadId: text("lead_id").notNull(),
    routeId: text("route_id").notNull(),
    poolId: text("pool_id").notNull(),
    status: text("status", { enum: holdStatuses }).notNull(),
    /** Why nobody could take it when it was held. */
    reason: text("reason").notNull(),
    /** JSON HoldPlan: the deliveries and SLA that wait for the owner. */
    plan: text("plan").notNull(),
    heldAt: integer("held_at").notNull(),
    /** When to try again: the first moment a member should be available. */
    wakeAt: integer("wake_at").notNull(),
    ownerId: text("owner_id"),
    releasedAt: integer("released_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("held_leads_status_wake").on(t.status, t.wakeAt), index("held_leads_pool").on(t.poolId, t.status)],
);
export type HeldLeadRow = typeof heldLeads.$inferSelect;
