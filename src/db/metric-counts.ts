import { sizeAfter } from "./storage-size";

/**
 * The counters behind `GET /admin/v1/metrics`, kept by SQLite triggers in the same
 * transaction as the writes they count (migrations/0009_metric_counts.sql). A scrape
 * reads one row per series plus one index entry per destination with work waiting,
 * however many events are stored. Plain D1 statements: the table is not part of
 * src/db/schema.ts (drizzle-kit does not know triggers).
 */

/**
 * Upper bounds of the webhook → CRM histogram's buckets, in milliseconds. The
 * trigger `metric_webhook_to_crm` spells out the same bounds; the tests hold both
 * to the same list.
 */
export const webhookToCrmBucketsMs = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000] as const;

/** One counter row: `a` and `b` are the series' label values (see the migration). */
export interface MetricCountRow {
  metric: "events" | "deliveries" | "webhook_to_crm_ms";
  a: string;
  b: string;
  value: number;
  total: number;
}

export interface MetricCounts {
  rows: MetricCountRow[];
  /** Destination → the creation time (ms) of its oldest pending delivery. */
  oldestPendingMs: Map<string, number>;
  /** The database's size as D1 reports it after the read (`sizeAfter`, src/db/storage-size.ts). */
  sizeBytes: number | undefined;
  /** Rows D1 read for the whole scrape (`meta.rows_read`, summed). */
  rowsRead: number;
}

/** D1 binds at most 100 parameters per statement. */
const destinationsPerStatement = 100;

/**
 * Destinations with deliveries waiting: entries into `pending` (creation, or a
 * retry of a settled one) minus entries into any other status. Every transition
 * of a delivery's status is into or out of `pending` (src/db/deliveries.ts), and
 * deliveries are never deleted, so the difference is the number waiting now.
 */
export function pendingByDestination(rows: readonly MetricCountRow[]): Map<string, number> {
  const pending = new Map<string, number>();
  for (const row of rows) {
    if (row.metric !== "deliveries") continue;
    pending.set(row.a, (pending.get(row.a) ?? 0) + (row.b === "pending" ? row.value : -row.value));
  }
  return pending;
}

/** The oldest pending delivery's creation time for each destination, one index entry each. */
function oldestPendingStatements(d1: D1Database, destinationIds: readonly string[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < destinationIds.length; i += destinationsPerStatement) {
    const chunk = destinationIds.slice(i, i + destinationsPerStatement);
    // One MIN per destination, so that SQLite reads the first entry of the partial
    // index `deliveries_pending_created` for each (a GROUP BY would read them all).
    const sql = chunk
      .map(
        (_, j) =>
          `SELECT ?${j + 1} AS destination_id, (SELECT min(created_at) FROM deliveries WHERE destination_id = ?${j + 1} AND status = 'pending') AS oldest`,
      )
      .join(" UNION ALL ");
    statements.push(d1.prepare(sql).bind(...chunk));
  }
  return statements;
}

/** Reads every counter, then the oldest pending delivery of each destination with some. */
export async function readMetricCounts(d1: D1Database): Promise<MetricCounts> {
  const counted = await d1.prepare("SELECT metric, a, b, value, total FROM metric_counts").all<MetricCountRow>();
  const rows = counted.results;
  const waiting = [...pendingByDestination(rows)].filter(([, n]) => n > 0).map(([id]) => id);
  const oldestPendingMs = new Map<string, number>();
  let rowsRead = counted.meta.rows_read ?? 0;
  if (waiting.length > 0) {
    const results = await d1.batch<{ destination_id: string; oldest: number | null }>(oldestPendingStatements(d1, waiting));
    for (const result of results) {
      rowsRead += result.meta.rows_read ?? 0;
      for (const row of result.results) if (row.oldest !== null) oldestPendingMs.set(row.destination_id, row.oldest);
    }
  }
  return { rows, oldestPendingMs, sizeBytes: sizeAfter(counted.meta), rowsRead };
}
