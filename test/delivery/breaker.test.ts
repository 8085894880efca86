import { describe, expect, it } from "vitest";
import type { DeliveryOutcome } from "../../src/connectors/types";
import { admitCall, afterCall, afterCoolDown, type Breaker, breakerOf, closedBreaker, verdictOf } from "../../src/delivery/breaker";

const settings = { failures: 3, coolDownSeconds: 10 };
const now = 1_000_000;

const ok: DeliveryOutcome = { ok: true, status: 200, excerpt: "", latencyMs: 1 };
const serverError: DeliveryOutcome = { ok: false, retryable: true, status: 503, error: "503", latencyMs: 1 };
const network: DeliveryOutcome = { ok: false, retryable: true, error: "connection reset", latencyMs: 1 };
const refused: DeliveryOutcome = { ok: false, retryable: false, status: 400, error: "bad email", latencyMs: 1 };
const rateLimited: DeliveryOutcome = { ok: false, retryable: true, status: 429, error: "429", latencyMs: 1 };
const held: DeliveryOutcome = {
  ok: false,
  retryable: true,
  status: 429,
  error: "daily",
  latencyMs: 1,
  hold: { untilMs: now + 1000, policy: "DAILY", daily: true },
};

function fail(breaker: Breaker, times: number): { breaker: Breaker; opened: number } {
  let opened = 0;
  for (let i = 0; i < times; i++) {
    const after = afterCall(breaker, "failure", settings, false, now);
    breaker = after.next;
    if (after.opened) opened += 1;
  }
  return { breaker, opened };
}

describe("a call's verdict", () => {
  it("counts 5xx, network errors and timeouts as failures", () => {
    expect(verdictOf([serverError])).toBe("failure");
    expect(verdictOf([network])).toBe("failure");
  });

  it("counts an answer as a success, a 4xx refusal too: the destination is up", () => {
    expect(verdictOf([ok])).toBe("success");
    expect(verdictOf([refused])).toBe("success");
    expect(verdictOf([serverError, ok])).toBe("success");
  });

  it("does not count the destination's rate limit either way", () => {
    expect(verdictOf([rateLimited])).toBe("neutral");
    expect(verdictOf([held])).toBe("neutral");
  });
});

describe("the breaker's states", () => {
  it("opens after `failures` consecutive failures, and says so once", () => {
    const two = fail(closedBreaker, 2);
    expect(two.breaker).toEqual({ state: "closed", failures: 2 });
    const three = fail(two.breaker, 1);
    expect(three).toEqual({ breaker: { state: "open", until: now + 10_000 }, opened: 1 });
    // Calls that were under way when it opened change nothing, and alert no more.
    expect(fail(three.breaker, 5)).toEqual({ breaker: three.breaker, opened: 0 });
  });

  it("starts counting again after a success; a rate limit leaves the count alone", () => {
    const two = fail(closedBreaker, 2).breaker;
    expect(afterCall(two, "neutral", settings, false, now).next).toEqual(two);
    expect(afterCall(two, "success", settings, false, now).next).toEqual(closedBreaker);
    expect(fail(afterCall(two, "success", settings, false, now).next, 2).breaker.state).toBe("closed");
  });

  it("holds every call while open, and one probe at a time once the cool-down is over", () => {
    const open = fail(closedBreaker, 3).breaker;
    expect(admitCall(open, now, 5_000).admit).toBe("held");
    const halfOpen = afterCoolDown(open);
    expect(halfOpen).toEqual({ state: "half_open" });
    const first = admitCall(halfOpen, now, 5_000);
    expect(first).toEqual({ next: { state: "half_open", probeUntil: now + 5_000 }, admit: "probe" });
    expect(admitCall(first.next, now + 4_999, 5_000).admit).toBe("held");
    // The probe's consumer never reported: after its lease another caller probes.
    expect(admitCall(first.next, now + 5_000, 5_000).admit).toBe("probe");
  });

  it("closes on the probe's success and reopens for another cool-down on its failure", () => {
    const probing: Breaker = { state: "half_open", probeUntil: now + 5_000 };
    expect(afterCall(probing, "success", settings, true, now)).toEqual({ next: closedBreaker, opened: false });
    expect(afterCall(probing, "failure", settings, true, now + 1)).toEqual({ next: { state: "open", until: now + 10_001 }, opened: false });
    // A call that is not the probe decides nothing; a rate-limited probe frees the slot.
    expect(afterCall(probing, "failure", settings, false, now).next).toEqual(probing);
    expect(afterCall(probing, "neutral", settings, true, now).next).toEqual({ state: "half_open" });
  });

  it("is switched off with `breaker: false`, and on by default", () => {
    expect(breakerOf({ breaker: false })).toBeUndefined();
    expect(breakerOf({})).toEqual({ failures: 5, coolDownSeconds: 60 });
    expect(breakerOf({ breaker: settings })).toEqual(settings);
    expect(fail(closedBreaker, 1).breaker).toEqual({ state: "closed", failures: 1 });
    expect(afterCall({ state: "open", until: now }, "failure", undefined, false, now).next).toEqual(closedBreaker);
  });
});
