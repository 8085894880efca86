import { DurableObject } from "cloudflare:workers";
import { GatewayError } from "../errors";
import { errorMessage, log } from "../lib/log";

/**
 * Failed-authentication throttling for the admin API and the console sign-in: after
 * `failureLimit` failures from one client address within `windowMs`, that address
 * gets 429 (`auth_throttled`) until the oldest of them leaves the window.
 *
 * Only failures reach the Durable Object (one per address, `AUTH_THROTTLE`), so a
 * correct token costs nothing extra. Each isolate remembers the addresses the object
 * has reported as blocked and answers 429 to them before looking at the token — a
 * right token included, or the 429s would tell a right guess from a wrong one. An
 * isolate that has not heard of the block yet checks one more token before it does.
 */

export const failureLimit = 10;
export const windowMs = 60_000;

interface Verdict {
  /** Seconds until the address may try again; absent while it is under the limit. */
  retryAfterSeconds?: number;
}

/** One object per client address; it keeps the times of that address's latest failures. */
export class AuthThrottle extends DurableObject<Env> {
  /** Records a failure and says whether the address is now over the limit. */
  fail(nowMs: number = Date.now()): Verdict {
    const kept = (this.ctx.storage.kv.get<number[]>("failures") ?? []).filter((at) => at > nowMs - windowMs);
    kept.push(nowMs);
    // Failures while blocked count too, so an address that keeps guessing stays blocked.
    const failures = kept.slice(-failureLimit - 1);
    this.ctx.storage.kv.put("failures", failures);
    // Forget the address once its last failure has left the window.
    void this.ctx.storage.setAlarm(nowMs + windowMs);
    if (failures.length <= failureLimit) return {};
    const oldest = failures[failures.length - failureLimit] ?? nowMs;
    return { retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000)) };
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** Blocked addresses this isolate knows of, and until when (ms). Bounded: oldest entries go first. */
const blockedUntil = new Map<string, number>();
const maxRemembered = 10_000;

/** Seconds an address must still wait, as far as this isolate knows; undefined when it may try. */
export function knownBlock(address: string, nowMs: number = Date.now()): number | undefined {
  const until = blockedUntil.get(address);
  if (until === undefined) return undefined;
  if (until <= nowMs) {
    blockedUntil.delete(address);
    return undefined;
  }
  return Math.ceil((until - nowMs) / 1000);
}

/**
 * Counts a failed authentication of `address`. Returns the seconds to wait when the
 * address is now over the limit. If the Durable Object cannot be reached the failure
 * is logged and not counted: a storage hiccup must not lock operators out.
 */
export async function recordFailure(env: Pick<Env, "AUTH_THROTTLE">, address: string, nowMs: number = Date.now()): Promise<number | undefined> {
  let verdict: Verdict;
  try {
    verdict = await env.AUTH_THROTTLE.getByName(address).fail(nowMs);
  } catch (error) {
    log("warn", "auth throttle unavailable", { error: errorMessage(error) });
    return undefined;
  }
  if (verdict.retryAfterSeconds === undefined) return undefined;
  if (blockedUntil.size >= maxRemembered) {
    const oldest = blockedUntil.keys().next();
    if (!oldest.done) blockedUntil.delete(oldest.value);
  }
  blockedUntil.set(address, nowMs + verdict.retryAfterSeconds * 1000);
  return verdict.retryAfterSeconds;
}

/** The 429 of a throttled address. */
export function throttled(retryAfterSeconds: number): GatewayError {
  return new GatewayError("auth_throttled", `Too many failed authentications from this address; try again in ${retryAfterSeconds} s.`, retryAfterSeconds);
}
