import type { ActiveConfig } from "../config/store";
import { lastAlertSince, recordAlert } from "../db/alerts";
import { createDb } from "../db/client";
import { d1CapBytes, eventVolume, readStorage, recordStorageSnapshot, type StorageSnapshot, utcDay } from "../db/storage-size";
import { sendAlert } from "../delivery/alert";
import { log } from "../lib/log";

/**
 * How full D1 is and how fast it fills: the `storage` part of GET /admin/v1/stats,
 * and the cron's daily snapshot and 80% alert.
 *
 * Growth per day is measured, not modelled: the cron keeps the database's size at
 * the first run of each UTC day (one row a day), and growth is the size now minus
 * the oldest snapshot of the last 7 days, divided by the days between them. Until a
 * snapshot is a day old (a new deployment), it is estimated instead: the bytes per
 * event so far (size / events ever stored) times the events stored in the last 24
 * hours. `growthMethod` says which.
 */

const dayMs = 86_400_000;
/** Snapshots further back than this do not count: the rate should follow today's traffic. */
const growthWindowDays = 7;
/** Alert when the database reaches this share of the cap. */
export const storageAlertRatio = 0.8;
const storageRule = "d1Size";

export interface StorageReport {
  /** Null when D1 does not report a size. */
  sizeBytes: number | null;
  capBytes: number;
  /** sizeBytes / capBytes (0–1). */
  usedRatio: number | null;
  growthBytesPerDay: number | null;
  /** `snapshots`: from the daily sizes; `events`: estimated from the last day's events; null: no figure yet. */
  growthMethod: "snapshots" | "events" | null;
  /** Days until the cap at the current growth; null when the size is not growing or unknown. */
  daysUntilFull: number | null;
}

function growthFromSnapshots(sizeBytes: number, snapshots: readonly StorageSnapshot[], nowMs: number): number | undefined {
  const oldest = snapshots[0];
  if (!oldest) return undefined;
  const days = (nowMs - oldest.takenAt) / dayMs;
  return days >= 1 ? (sizeBytes - oldest.sizeBytes) / days : undefined;
}

/** The figures, reading the snapshots and, on a new deployment, the event counts. */
export async function storageReport(d1: D1Database, nowMs = Date.now(), capBytes = d1CapBytes): Promise<StorageReport> {
  const { sizeBytes, snapshots } = await readStorage(d1, utcDay(nowMs) - growthWindowDays);
  if (sizeBytes === undefined) {
    return { sizeBytes: null, capBytes, usedRatio: null, growthBytesPerDay: null, growthMethod: null, daysUntilFull: null };
  }
  let growth = growthFromSnapshots(sizeBytes, snapshots, nowMs);
  let method: StorageReport["growthMethod"] = growth === undefined ? null : "snapshots";
  if (growth === undefined) {
    const { eventsStored, eventsLastDay } = await eventVolume(d1, nowMs);
    if (eventsStored > 0) {
      growth = (sizeBytes / eventsStored) * eventsLastDay;
      method = "events";
    }
  }
  const growthBytesPerDay = growth === undefined ? null : Math.round(growth);
  return {
    sizeBytes,
    capBytes,
    usedRatio: sizeBytes / capBytes,
    growthBytesPerDay,
    growthMethod: method,
    daysUntilFull: growthBytesPerDay !== null && growthBytesPerDay > 0 ? Math.max(0, (capBytes - sizeBytes) / growthBytesPerDay) : null,
  };
}

/**
 * The cron's storage job: keeps today's snapshot (the first run of the day writes
 * it) and, when the database has reached 80% of the cap, tells the alert
 * destination — once a day at most while it stays there (the alert is a row in D1,
 * as the other rules' are, which is how later runs know it was sent). `capBytes` is
 * for tests. Returns whether it wrote a snapshot and whether it alerted.
 */
export async function watchStorage(
  env: Env,
  config: ActiveConfig,
  nowMs = Date.now(),
  capBytes = d1CapBytes,
): Promise<{ snapshot: boolean; alerted: boolean }> {
  const today = utcDay(nowMs);
  const { sizeBytes, snapshots } = await readStorage(env.DB, today);
  if (sizeBytes === undefined) return { snapshot: false, alerted: false };
  const snapshot = !snapshots.some((s) => s.day === today);
  if (snapshot) await recordStorageSnapshot(env.DB, { day: today, sizeBytes, takenAt: nowMs });

  if (sizeBytes < storageAlertRatio * capBytes || !config.document.settings.alertDestination) return { snapshot, alerted: false };
  const db = createDb(env.DB);
  if ((await lastAlertSince(db, storageRule, nowMs - dayMs)) !== undefined) return { snapshot, alerted: false };
  const report = await storageReport(env.DB, nowMs, capBytes);
  const percent = Math.floor((sizeBytes / capBytes) * 100);
  const gb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(2)} MB`);
  const rate =
    report.daysUntilFull === null
      ? "It is not growing at the moment."
      : `At the current rate (${gb(report.growthBytesPerDay ?? 0)} a day) it is full in ${Math.floor(report.daysUntilFull)} days.`;
  const detail = `D1 holds ${gb(sizeBytes)} of its ${gb(capBytes)} cap (${percent}%). ${rate} Shorten retentionDays (globally or per source) or lower BODY_R2_THRESHOLD_BYTES.`;
  const delivered = await sendAlert(env, config, { title: "D1 database over 80% of its cap", detail });
  await recordAlert(db, { rule: storageRule, count: percent, detail, delivered, at: nowMs });
  log("warn", "alert", { rule: storageRule, sizeBytes, capBytes, delivered });
  return { snapshot, alerted: true };
}
