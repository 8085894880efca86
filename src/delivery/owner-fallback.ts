import type { ActiveConfig } from "../config/store";
import type { OwnerFallback } from "../connectors/types";
import type { DeliveryRow } from "../db/schema";
import { sendAlert } from "./alert";

/**
 * A lead the CRM refused only for its owner and took with another owner or none:
 * the note its delivery, attempt and trace carry, and the alert that someone has to
 * fix the pool or the CRM's users.
 */

const instead = (fallback: OwnerFallback) => (fallback.ownerId ? `written with the pool's fallback owner ${fallback.ownerId}` : "written without an owner");

/** The note a delivery carries when the CRM refused its owner and took the lead without it. */
export function ownerFallbackNote(fallback: OwnerFallback): string {
  return `Owner ${fallback.refusedOwnerId} refused (${fallback.message.slice(0, 300)}); ${instead(fallback)}.`;
}

/** One alert per refused owner id: someone has to fix the pool or the CRM's users. */
export async function alertOwnerFallbacks(env: Env, config: ActiveConfig, fallbacks: { row: DeliveryRow; fallback: OwnerFallback }[]): Promise<void> {
  const byOwner = new Map<string, { row: DeliveryRow; fallback: OwnerFallback }[]>();
  for (const entry of fallbacks) {
    const key = `${entry.row.destinationId}\u0000${entry.fallback.refusedOwnerId}`;
    byOwner.set(key, [...(byOwner.get(key) ?? []), entry]);
  }
  for (const entries of byOwner.values()) {
    const [first] = entries;
    if (!first) continue;
    const { row, fallback } = first;
    await sendAlert(env, config, {
      title: `${row.destinationId} refused owner ${fallback.refusedOwnerId}`,
      eventId: row.eventId,
      detail:
        `${entries.length} lead${entries.length === 1 ? "" : "s"} assigned to owner ${fallback.refusedOwnerId} ${entries.length === 1 ? "was" : "were"} ` +
        `${instead(fallback)}: ${row.destinationId} refused the owner (${fallback.message.slice(0, 300)}). ` +
        `Add the owner in ${row.destinationId} or take it out of the pool.`,
    });
  }
}
