import { idBound } from "./event-queries";

/**
 * The D1 database's size, and its history of one snapshot a day
 * (`storage_snapshots`, migrations/0010_body_store.sql). Plain D1 statements: the
 * size comes with a statement's result (`meta.size_after`), which drizzle's query
 * builder does not hand back.
 */

/** D1's cap per database on the Workers Paid plan: 10 GB. */
export const d1CapBytes = 10_000_000_000;

/**
 * The database's size in bytes as D1 reports it with every result
 * (`meta.size_after`), when it does. `PRAGMA page_count` would say the same, but D1
 * refuses it (SQLITE_AUTH). The one place the size is read from a result.
 */
export function sizeAfter(meta: Partial<D1Meta> | undefined): number | undefined {
  const size = meta?.size_after;
  return typeof size === "number" && size > 0 ? size : undefined;
}

export interface StorageSnapshot {
  /** Days since 1970-01-01, UTC. */
  day: number;
  sizeBytes: number;
  takenAt: number;
}

export function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/** The snapshots from `sinceDay` on, oldest first, and the size now. */
export async function readStorage(d1: D1Database, sinceDay: number): Promise<{ sizeBytes: number | undefined; snapshots: StorageSnapshot[] }> {
  const result = await d1
    .prepare("SELECT day, size_bytes AS sizeBytes, taken_at AS takenAt FROM storage_snapshots WHERE day >= ? ORDER BY day")
    .bind(sinceDay)
    .all<StorageSnapshot>();
  return { sizeBytes: sizeAfter(result.meta), snapshots: result.results };
}

/** Keeps the first size of a day; later calls that day change nothing. */
export async function recordStorageSnapshot(d1: D1Database, snapshot: StorageSnapshot): Promise<void> {
  await d1
    .prepare("INSERT OR IGNORE INTO storage_snapshots (day, size_bytes, taken_at) VALUES (?, ?, ?)")
    .bind(snapshot.day, snapshot.sizeBytes, snapshot.takenAt)
    .run();
}

/**
 * What the growth estimate needs before there is a day of snapshots: events ever
 * stored (the `queued` counters, so no scan of `events`) and events stored in the
 * last 24 hours (a range of the primary key).
 */
export async function eventVolume(d1: D1Database, nowMs: number): Promise<{ eventsStored: number; eventsLastDay: number }> {
  const [stored, lastDay] = await d1.batch<{ n: number | null }>([
    d1.prepare("SELECT sum(value) AS n FROM metric_counts WHERE metric = 'events' AND b = 'queued'"),
    d1.prepare("SELECT count(*) AS n FROM events WHERE id >= ?").bind(idBound("evt", nowMs - 86_400_000)),
  ]);
  return { eventsStored: stored?.results[0]?.n ?? 0, eventsLastDay: lastDay?.results[0]?.n ?? 0 };
}
