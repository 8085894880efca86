import type { DeliveryOutcome } from "../connectors/types";
import type { BreakerConfig } from "../lib/config-fields";

/**
 * A destination's circuit breaker, as plain state and transitions (the
 * DestinationLimiter Durable Object stores it and calls these; one object per
 * destination, so every isolate sees the same state).
 *
 * - `closed`: calls go out; consecutive retryable failures are counted.
 * - `open`: the count reached the limit; deliveries are held (parked, no attempt
 *   counted) until the cool-down ends — the object's alarm says when.
 * - `half_open`: the cool-down is over; the next call is the one probe. While it is
 *   out (`probeUntil`: its lease), every other delivery is held. The probe's
 *   success closes the breaker and the held deliveries drain; its failure opens it
 *   for another cool-down.
 */
export type Breaker = { state: "closed"; failures: number } | { state: "open"; until: number } | { state: "half_open"; probeUntil?: number };

export type BreakerSettings = Exclude<BreakerConfig, false>;

/** What one call to the destination says about its health. */
export type Verdict = "success" | "failure" | "neutral";

export const closedBreaker: Breaker = { state: "closed", failures: 0 };

/** Without a `breaker` field: on, 5 failures in a row, 60 s of cool-down. */
export const defaultBreaker: BreakerSettings = { failures: 5, coolDownSeconds: 60 };

/** A destination's breaker settings; undefined when switched off (`breaker: false`). */
export function breakerOf(destination: { breaker?: BreakerConfig | undefined }): BreakerSettings | undefined {
  if (destination.breaker === false) return undefined;
  return destination.breaker ?? defaultBreaker;
}

/**
 * One call's verdict from its outcomes (a batch call has one per delivery). The
 * destination answered — it took a lead or refused one for good (a 4xx) — is a
 * success: it is up. Only retryable failures that are not its rate limit (5xx,
 * network errors, timeouts) are failures; a 429 hold says nothing either way.
 */
export function verdictOf(outcomes: readonly DeliveryOutcome[]): Verdict {
  if (outcomes.some((o) => o.ok || !o.retryable)) return "success";
  if (outcomes.some((o) => !o.ok && o.retryable && o.hold === undefined && o.status !== 429)) return "failure";
  return "neutral";
}

/** After a call: the new state, and whether this call opened a closed breaker (worth one alert). */
export function afterCall(
  breaker: Breaker,
  verdict: Verdict,
  settings: BreakerSettings | undefined,
  probe: boolean,
  nowMs: number,
): { next: Breaker; opened: boolean } {
  if (!settings) return { next: closedBreaker, opened: false };
  const openUntil = nowMs + settings.coolDownSeconds * 1000;
  switch (breaker.state) {
    case "closed": {
      if (verdict === "success") return { next: breaker.failures === 0 ? breaker : closedBreaker, opened: false };
      if (verdict === "neutral") return { next: breaker, opened: false };
      const failures = breaker.failures + 1;
      if (failures >= settings.failures) return { next: { state: "open", until: openUntil }, opened: true };
      return { next: { state: "closed", failures }, opened: false };
    }
    case "half_open": {
      // Only the probe decides; a call admitted before the breaker opened says nothing new.
      if (!probe) return { next: breaker, opened: false };
      if (verdict === "success") return { next: closedBreaker, opened: false };
      if (verdict === "failure") return { next: { state: "open", until: openUntil }, opened: false };
      // Held by the destination's rate limit: no answer yet; the next call is the probe.
      return { next: { state: "half_open" }, opened: false };
    }
    case "open":
      // Calls that were under way when it opened: the cool-down stands.
      return { next: breaker, opened: false };
  }
}

/** The cool-down is over (the alarm rang): the next call is the probe. */
export function afterCoolDown(breaker: Breaker): Breaker {
  return breaker.state === "open" ? { state: "half_open" } : breaker;
}

/**
 * Whether a call may go out now. Half open, the first caller gets the probe (held
 * for `leaseMs`, then another caller may probe: the first one's consumer may have
 * died); everyone else is held.
 */
export function admitCall(breaker: Breaker, nowMs: number, leaseMs: number): { next: Breaker; admit: "call" | "probe" | "held" } {
  switch (breaker.state) {
    case "closed":
      return { next: breaker, admit: "call" };
    case "open":
      return { next: breaker, admit: "held" };
    case "half_open":
      if (breaker.probeUntil !== undefined && breaker.probeUntil > nowMs) return { next: breaker, admit: "held" };
      return { next: { state: "half_open", probeUntil: nowMs + leaseMs }, admit: "probe" };
  }
}
