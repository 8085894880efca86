import { customType, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Raw bytes. D1 takes an ArrayBuffer view on the way in; on the way out a BLOB may
 * arrive as an ArrayBuffer or as an array of numbers depending on the runtime, so
 * both are turned into one Uint8Array.
 */
const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | number[] | Uint8Array }>({
  dataType: () => "blob",
  toDriver: (value) => value,
  fromDriver: (value) =>
    value instanceof Uint8Array ? value : Array.isArray(value) ? Uint8Array.from(value) : new Uint8Array(value),
});

/**
 * D1 is the system of record. An event row is written once by its source's inbox
 * (INSERT OR IGNORE on id, so a repeated flush is harmless) and then moves through
 * statuses as routing works on it.
 */
export const eventStatuses = [
  /** Stored in D1 and handed to the routing queue. */
  "queued",
  /** Picked up by the routing consumer. */
  "received",
  "routed",
  "partially_failed",
  "unmatched",
  "invalid",
  "dead",
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
    /** The body byte-exact as received; null once retention has dropped it. */
    body: bytes("body"),
    bodySize: integer("body_size").notNull(),
    /** JSON: provider, matched secret index, signed timestamp, delivery id. */
    verification: text("verification").notNull(),
    receivedAt: integer("received_at").notNull(),
    storedAt: integer("stored_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("events_source_received").on(t.sourceId, t.receivedAt),
    index("events_status_updated").on(t.status, t.updatedAt),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;
