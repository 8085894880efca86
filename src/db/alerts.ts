import { and, count, desc, eq, gte, inArray } from "drizzle-orm";
import { newId } from "../lib/ids";
import type { Database } from "./client";
import { alerts, deadLetterStatuses, deliveries } from "./schema";

/** Dead letters (deliveries refused for good or out of attempts) since `sinceMs`. */
export async function countDeadDeliveriesSince(db: Database, sinceMs: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .where(and(inArray(deliveries.status, [...deadLetterStatuses]), gte(deliveries.updatedAt, sinceMs)));
  return row?.n ?? 0;
}

/** When a rule last alerted, if it did since `sinceMs`. */
export async function lastAlertSince(db: Database, rule: string, sinceMs: number): Promise<number | undefined> {
  const [row] = await db
    .select({ at: alerts.at })
    .from(alerts)
    .where(and(eq(alerts.rule, rule), gte(alerts.at, sinceMs)))
    .orderBy(desc(alerts.at))
    .limit(1);
  return row?.at;
}

export async function recordAlert(db: Database, alert: { rule: string; count: number; detail: string; delivered: boolean; at: number }): Promise<void> {
  await db.insert(alerts).values({ id: newId("alert", alert.at), ...alert });
}
