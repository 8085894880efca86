import { refreshConfig } from "../config/store";
import type { Database } from "../db/client";
import { deleteExpiredEnrichments } from "../db/enrichment-cache";
import { dropEventBodies } from "../db/retention";
import { log } from "../lib/log";

/** Days an event's body is kept when `settings.retentionDays` is not set. */
export const defaultRetentionDays = 30;
const batchSize = 500;
const maxBatchesPerRun = 10;
const dayMs = 86_400_000;
/** A normal run only looks this far behind the cutoff: earlier bodies were dropped by earlier runs. */
const lookBackMs = 2 * dayMs;

/**
 * The scheduled retention job: deletes event bodies older than the configured days,
 * keeping the rows (status, lead, trace, deliveries, attempts) as the audit record.
 * It runs with the every-minute cron, at most 5,000 bodies a run; once a day (the
 * 03:00 UTC run, or `full`) it scans everything before the cutoff, which catches up
 * after the retention was shortened or the job was off for a while. It also deletes
 * expired enrichment cache rows (reads ignore them already; this keeps the table small).
 */
export async function runRetention(
  env: Env,
  db: Database,
  nowMs = Date.now(),
  { full }: { full?: boolean } = {},
): Promise<{ dropped: number; cutoff: number; expiredEnrichments: number }> {
  const config = await refreshConfig(env, 60_000, nowMs);
  const days = config.document.settings.retentionDays ?? defaultRetentionDays;
  const cutoff = nowMs - days * dayMs;
  const now = new Date(nowMs);
  const scanAll = full ?? (now.getUTCHours() === 3 && now.getUTCMinutes() === 0);
  let dropped = 0;
  for (let i = 0; i < maxBatchesPerRun; i++) {
    const changed = await dropEventBodies(db, cutoff, batchSize, scanAll ? undefined : cutoff - lookBackMs);
    dropped += changed;
    if (changed < batchSize) break;
  }
  if (dropped > 0) log("info", "retention dropped event bodies", { dropped, retentionDays: days });
  let expiredEnrichments = 0;
  for (let i = 0; i < maxBatchesPerRun; i++) {
    const deleted = await deleteExpiredEnrichments(db, nowMs, batchSize);
    expiredEnrichments += deleted;
    if (deleted < batchSize) break;
  }
  if (expiredEnrichments > 0) log("info", "retention deleted expired enrichment cache rows", { deleted: expiredEnrichments });
  return { dropped, cutoff, expiredEnrichments };
}
