// The soak's settings, from SOAK_* environment variables (all optional). Whole
// numbers only: a typo must stop the run, not turn 30 minutes into NaN.

function int(name, fallback, { min = 0 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number ≥ ${min}, not '${raw}'`);
  return Number(raw);
}

export const defaultMinutes = 30;

export function soakSettings() {
  return {
    minutes: int("SOAK_MINUTES", defaultMinutes, { min: 1 }),
    /** Leads per second; refused requests and duplicates come on top (about 9 %). */
    rate: int("SOAK_RATE", 20, { min: 1 }),
    seed: int("SOAK_SEED", 20260427),
    /** Leads per minute whose Salesforce upsert always fails, so dead letters keep coming. */
    doomedPerMinute: int("SOAK_DOOMED_PER_MINUTE", 1),
    /** Every this many seconds the e2e CRM fault round (5xx, then 429 + Retry-After) is queued again. */
    faultEverySeconds: int("SOAK_FAULT_EVERY_S", 120, { min: 10 }),
    /** Requests waiting for an answer at most; beyond it the sender falls behind (reported as lag). */
    maxInFlight: int("SOAK_MAX_IN_FLIGHT", 200, { min: 1 }),
    /** Bounded wait after the last request until every event is final. */
    drainTimeoutMs: int("SOAK_DRAIN_TIMEOUT_S", 300) * 1000,
    port: int("SOAK_PORT", 0),
    /** SOAK_WRITE_DOC=0 leaves docs/benchmarks.md alone (e.g. a quick trial). */
    writeDoc: process.env.SOAK_WRITE_DOC !== "0",
  };
}
