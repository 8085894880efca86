import { and, eq } from "drizzle-orm";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { jsonFields, type RawQuery } from "./json-rows";
import { crmRecords } from "./schema";

/** A lead's record ids in one destination, by kind (`person`, `lead`, `contact`, …). */
export type RecordIds = Record<string, string>;

export interface LearnedRecord {
  destinationId: string;
  leadId: string;
  kind: string;
  externalId: string;
  deliveryId: string;
  at: number;
}

/** What the record map knows of these leads in one destination: lead id → ids by kind. */
export async function recordIdsOf(db: Database, destinationId: string, leadIds: readonly string[]): Promise<Map<string, RecordIds>> {
  const known = new Map<string, RecordIds>();
  if (leadIds.length === 0) return known;
  const rows = await db
    .select()
    .from(crmRecords)
    .where(and(eq(crmRecords.destinationId, destinationId), inIdList(crmRecords.leadId, [...new Set(leadIds)])));
  for (const row of rows) known.set(row.leadId, { ...known.get(row.leadId), [row.kind]: row.externalId });
  return known;
}

/**
 * Remembers record ids (one statement for any number, rows as one JSON parameter).
 * A newer id replaces an older one of the same kind: a record merged or deleted in
 * the CRM is found again by the connector and the map follows.
 */
export function rememberRecordsQueries(records: readonly LearnedRecord[]): RawQuery[] {
  if (records.length === 0) return [];
  return [
    {
      sql: `INSERT INTO crm_records (destination_id, lead_id, kind, external_id, delivery_id, updated_at)
        SELECT ${jsonFields(["destinationId", "leadId", "kind", "externalId", "deliveryId", "at"])} FROM json_each(?1) WHERE true
        ON CONFLICT (destination_id, lead_id, kind) DO UPDATE SET
          external_id = excluded.external_id, delivery_id = excluded.delivery_id, updated_at = excluded.updated_at`,
      params: [JSON.stringify(records)],
    },
  ];
}
