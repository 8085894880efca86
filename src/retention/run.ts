import { refreshConfig } from "../config/store";
import { createDb } from "../db/client";
import { deleteExpiredEnrichments } from "../db/enrichment-cache";
import { type BodyRetentionScope, dropEventBodies } from "../db/retention";
import { log } from "../lib/log";

/** Days an event's body is kept when neither its source nor `settings.retentionDays` says. */
export const defaultRetentionDays = 30;
const batchSize = 500;
const maxBatchesPerRun = 10;
const dayMs = 86_400_000;
/** A normal run only looks this far behind the cutoff: earlier bodies were dropped by earlier runs. */
const lookBackMs = 2 * dayMs;

/**
 * The scheduled retention job: deletes event bodies older than their retention —
 * the source's `retentionDays` when it sets one, else `settings.retentionDays` —
 * from D1 or R2, keeping the rows (status, lead, trace, deliveries, attempts) as the
 * audit record. It runs with the every-minute cron, at most 5,000 bodies per
 * retention a run; once a day (the 03:00 UTC run, or `full`) it scans everything
 * before each cutoff, which catches up after a retention was shortened or the job
 * was off for a while. It also deletes expired enrichment cache rows (reads ignore
 * them already; this keeps the table small).
 */
export async function runRetention(
  env: Env,
  nowMs = Date.now(),
  { full }: { full?: boolean } = {},
): Promise<{ dropped: number; cutoff: number; expiredEnrichments: number }> {
  const config = await refreshConfig(env, 60_000, nowMs);
  const days = config.document.settings.retentionDays ?? defaultRetentionDays;
  const cutoff = nowMs - days * dayMs;
  const now = new Date(nowMs);
  const scanAll = full ?? (now.getUTCHours() === 3 && now.getUTCMinutes() === 0);
  const own = config.document.sources.flatMap((source) => (source.retentionDays === undefined ? [] : [{ id: source.id, days: source.retentionDays }]));
  const passes: BodyRetentionScope[] = [
    { cutoffMs: cutoff, exceptSources: own.map((source) => source.id) },
    ...own.map((source) => ({ cutoffMs: nowMs - source.days * dayMs, sourceId: source.id })),
  ];
  const db = createDb(env.DB);
  let dropped = 0;
  for (const pass of passes) {
    const scope = scanAll ? pass : { ...pass, fromMs: pass.cutoffMs - lookBackMs };
    for (let i = 0; i < maxBatchesPerRun; i++) {
      const changed = await dropEventBodies(db, env.BODIES, scope, batchSize);
      dropped += changed;
      if (changed < batchSize) break;
    }
  }
  if (dropped > 0) log("info", "retention dropped event bodies", { dropped, retentionDays: days, sourcesWithOwnRetention: own.length });
  let expiredEnrichments = 0;
  for (let i = 0; i < maxBatchesPerRun; i++) {
    const deleted = await deleteExpiredEnrichments(db, nowMs, batchSize);
    expiredEnrichments += deleted;
    if (deleted < batchSize) break;
  }
  if (expiredEnrichments > 0) log("info", "retention deleted expired enrichment cache rows", { deleted: expiredEnrichments });
  return { dropped, cutoff, expiredEnrichments };
}
