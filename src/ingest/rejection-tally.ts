import { errorMessage, log } from "../lib/log";
import type { VerifyFailureCode } from "../verify/types";

/** Failures of one inbox gathered in this isolate since `openedAt`. */
interface Tally {
  counts: Map<VerifyFailureCode, number>;
  openedAt: number;
}

/** One tally per inbox, per isolate. Only configured sources get here, so it stays small. */
const open = new Map<string, Tally>();

/**
 * Counts a verification failure for the source's inbox (the alert rules and the
 * console read these counts) without writing to the inbox for each one: the first
 * failure of a window schedules one write of the window's counts `windowMs` later,
 * and the failures after it only add to the count in memory. A flood of bad
 * signatures therefore costs the inbox, which also accepts the source's genuine
 * events one at a time, one call per isolate per window. Counts of an isolate that
 * is evicted before its write are lost: they feed an alert, not a ledger.
 */
export function countRejection(env: Env, ctx: ExecutionContext, inboxName: string, code: VerifyFailureCode, now = Date.now()): void {
  const windowMs = Number(env.VERIFY_FAILURE_FLUSH_MS || "10000");
  const tally = open.get(inboxName);
  // A window whose write never ran (its request's context ended early) must not hold counts forever.
  if (tally && now - tally.openedAt <= 2 * windowMs + 1000) {
    tally.counts.set(code, (tally.counts.get(code) ?? 0) + 1);
    return;
  }
  const fresh: Tally = { counts: new Map([[code, 1]]), openedAt: now };
  open.set(inboxName, fresh);
  const stale = tally ? flush(env, inboxName, tally) : Promise.resolve();
  ctx.waitUntil(stale.then(() => new Promise((resolve) => setTimeout(resolve, windowMs))).then(() => flush(env, inboxName, fresh)));
}

async function flush(env: Env, inboxName: string, tally: Tally): Promise<void> {
  if (open.get(inboxName) === tally) open.delete(inboxName);
  try {
    await env.SOURCE_INBOX.getByName(inboxName).recordRejections(Object.fromEntries(tally.counts));
  } catch (error) {
    log("warn", "verification failures not counted", { inbox: inboxName, count: sum(tally.counts), error: errorMessage(error) });
  }
}

function sum(counts: Map<VerifyFailureCode, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}
