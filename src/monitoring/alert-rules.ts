import { type AlertRule, defaultAlertRules } from "../config/schema";
import type { ActiveConfig } from "../config/store";
import { countDeadDeliveriesSince, lastAlertSince, recordAlert } from "../db/alerts";
import type { Database } from "../db/client";
import { sendAlert } from "../delivery/alert";
import { inboxNamesOf } from "../ingest/shard";
import { log } from "../lib/log";

type RuleName = keyof typeof defaultAlertRules;

interface Measured {
  count: number;
  detail: string;
}

/** How many times each rule's event happened within its window. */
async function measure(env: Env, db: Database, config: ActiveConfig, rule: RuleName, sinceMs: number): Promise<Measured> {
  if (rule === "deadLetters") {
    const count = await countDeadDeliveriesSince(db, sinceMs);
    return { count, detail: `${count} deliveries refused or out of attempts` };
  }
  const perSource = await Promise.all(
    [...config.sources.values()].map(async (source) => {
      const name = inboxNamesOf(source)[0] ?? source.id;
      const counts = await env.SOURCE_INBOX.getByName(name).rejectionsSince(sinceMs);
      return { id: source.id, n: Object.values(counts).reduce((a, b) => a + b, 0) };
    }),
  );
  const hit = perSource.filter((s) => s.n > 0).sort((a, b) => b.n - a.n);
  const count = hit.reduce((a, s) => a + s.n, 0);
  return { count, detail: `${count} requests failed verification (${hit.map((s) => `${s.id}: ${s.n}`).join(", ")})` };
}

/**
 * The threshold alerts, checked by the every-minute cron: when verification
 * failures or dead letters reach a rule's threshold within its window, the alert
 * destination is told once for that window (each alert is also a row in D1, which
 * is how the next run knows it was sent). Returns the rules that alerted.
 */
export async function checkAlertRules(env: Env, db: Database, config: ActiveConfig, nowMs = Date.now()): Promise<RuleName[]> {
  const { settings } = config.document;
  if (!settings.alertDestination) return [];
  const fired: RuleName[] = [];
  for (const rule of Object.keys(defaultAlertRules) as RuleName[]) {
    const { threshold, windowMinutes }: AlertRule = settings.alerts?.[rule] ?? defaultAlertRules[rule];
    const sinceMs = nowMs - windowMinutes * 60_000;
    const measured = await measure(env, db, config, rule, sinceMs);
    if (measured.count < threshold) continue;
    if ((await lastAlertSince(db, rule, sinceMs)) !== undefined) continue;
    const title = rule === "deadLetters" ? "Dead letters over threshold" : "Verification failures over threshold";
    const detail = `${measured.detail} in the last ${windowMinutes} min (threshold ${threshold}).`;
    const delivered = await sendAlert(env, config, { title, detail });
    await recordAlert(db, { rule, count: measured.count, detail, delivered, at: nowMs });
    log("warn", "alert", { rule, count: measured.count, threshold, windowMinutes, delivered });
    fired.push(rule);
  }
  return fired;
}
