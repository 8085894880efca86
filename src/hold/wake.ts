import type { Database } from "../db/client";
import { wakeHoldsOfPools } from "../db/holds";
import { errorMessage, log } from "../lib/log";
import { wakeHoldClock } from "../routing/hold-start";

/**
 * Who can take the leads held by these pools changed (an owner's runtime time away,
 * the pools' configuration): they are tried again at `wakeAt` (those still without
 * anyone are postponed again). A failure here does not undo the change; the held
 * leads wait for their next planned try, and the change is logged.
 */
export async function wakeHeldLeads(env: Pick<Env, "HOLD_CLOCK">, db: Database, pools: readonly string[], wakeAt: number): Promise<void> {
  try {
    if ((await wakeHoldsOfPools(db, pools, wakeAt, Date.now())) > 0) await wakeHoldClock(env, wakeAt);
  } catch (error) {
    log("warn", "held leads not woken after a change", { error: errorMessage(error) });
  }
}
