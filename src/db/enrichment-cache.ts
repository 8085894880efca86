import { and, eq, gt, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "./client";
import { enrichmentCache } from "./schema";

/**
 * The enrichment cache: one row per enrichment scope and key (a domain or an email).
 * `fields` is the JSON of what the enrichment's mapping made of the answer, or
 * `null` when the lookup found nothing: a negative answer is kept as long as a
 * positive one, so a domain nobody knows costs one call per TTL, not one per lead.
 *
 * `scope` goes into the `enrichment_id` column: the enrichment's id and a
 * fingerprint of its lookup settings (`company:1a2b3c4d`), so changing what an
 * enrichment asks or maps starts a fresh cache instead of serving answers mapped
 * the old way until they expire (see src/enrich/cache-scope.ts).
 */

export interface CachedEnrichment {
  /** `null`: the lookup found nothing for this key. */
  fields: Record<string, unknown> | null;
  fetchedAt: number;
  expiresAt: number;
}

const storedFields = z.record(z.string(), z.unknown()).nullable();

/** The row for `scope` and `key` that has not expired at `nowMs`; undefined if none (or unreadable). */
export async function readCachedEnrichment(db: Database, scope: string, key: string, nowMs: number): Promise<CachedEnrichment | undefined> {
  const [row] = await db
    .select()
    .from(enrichmentCache)
    .where(and(eq(enrichmentCache.enrichmentId, scope), eq(enrichmentCache.key, key), gt(enrichmentCache.expiresAt, nowMs)))
    .limit(1);
  if (!row) return undefined;
  const parsed = storedFields.safeParse(parseJson(row.fields));
  // A row this module did not write (edited by hand): a miss, and the next lookup replaces it.
  if (!parsed.success) return undefined;
  return { fields: parsed.data, fetchedAt: row.fetchedAt, expiresAt: row.expiresAt };
}

/** Stores an answer, replacing any earlier one for the same scope and key. */
export async function writeCachedEnrichment(db: Database, entry: { scope: string; key: string } & CachedEnrichment): Promise<void> {
  const fields = JSON.stringify(entry.fields);
  await db
    .insert(enrichmentCache)
    .values({ enrichmentId: entry.scope, key: entry.key, fields, fetchedAt: entry.fetchedAt, expiresAt: entry.expiresAt })
    .onConflictDoUpdate({
      target: [enrichmentCache.enrichmentId, enrichmentCache.key],
      set: { fields, fetchedAt: entry.fetchedAt, expiresAt: entry.expiresAt },
    });
}

/** Deletes at most `limit` rows that expired at or before `nowMs`; returns how many went. */
export async function deleteExpiredEnrichments(db: Database, nowMs: number, limit: number): Promise<number> {
  const result = await db.run(
    sql`delete from ${enrichmentCache} where rowid in (select rowid from ${enrichmentCache} where ${lte(enrichmentCache.expiresAt, nowMs)} limit ${limit})`,
  );
  return result.meta.changes ?? 0;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
