import { env } from "cloudflare:workers";
import { createDb } from "../../src/db/client";
import { deliveries } from "../../src/db/schema";

let sequence = 0;

/**
 * Dead deliveries as the consumer leaves them (out of attempts, a second ago), for
 * bulk retry tests; a retry needs no event row. Returns their ids.
 */
export async function storeDeadDeliveries(destinationId: string, count: number, lastError = "Out of attempts (3/3): HTTP 502"): Promise<string[]> {
  const at = Date.now() - 1000;
  const ids = Array.from({ length: count }, () => `evt_RETRY${String(++sequence).padStart(21, "0")}:0`);
  const rows = ids.map((id) => ({
    id,
    eventId: id.slice(0, -2),
    destinationId,
    action: "forward" as const,
    status: "dead" as const,
    attempts: 3,
    payload: "{}",
    lastError,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
  }));
  const db = createDb(env.DB);
  // 11 columns × 8 rows: within D1's 100 bound parameters per statement.
  for (let i = 0; i < rows.length; i += 8) await db.insert(deliveries).values(rows.slice(i, i + 8));
  return ids;
}
