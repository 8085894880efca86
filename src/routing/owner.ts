import { type Action, assignPool, type GatewayConfig, type PoolConfig } from "../config/schema";
import type { LeadMatch } from "../lead/match";
import type { Lead } from "../lead/schema";
import { type AccountOwnerDeps, accountOwnerFor } from "./account-owner";
import { armNote, type RouteAction } from "./actions";
import type { DecisionTrace, OwnerAnswer } from "./decision";

/** What the owner step needs from the outside world (part of `DecideDeps`). */
export interface OwnerDeps extends AccountOwnerDeps {
  /** The consumer assigns for real (idempotent per event); the simulator only previews. */
  assignOwner(pool: PoolConfig, eventId: string): Promise<OwnerAnswer>;
}

/** The lead's owner, and what each `assign` action did, by its position in the actions. */
export interface OwnerDecision {
  ownerId?: string;
  /** The assigning pool's fallback owner: what a CRM that refuses `ownerId` gets instead. */
  fallbackOwnerId?: string;
  /** Set when a `hold` pool held the lead: `at` is the position of the holding `assign`. */
  held?: { at: number; route: string; pool: string; answer: OwnerAnswer };
  /** The trace note of each `assign`, by position (absent: assigned without a note). */
  notes: Map<number, string | undefined>;
}

type AssignAction = Extract<Action, { assign: unknown }>;

/**
 * The owner: the matched lead's (sticky), else the first `assign` that settles it
 * (an account's owner, a pool's pick, a pool's refusal or a hold). A later
 * `assign` is noted as "owner already decided". Writes the owner, account and
 * hold parts of the trace.
 */
export async function decideOwner(
  config: GatewayConfig,
  eventId: string,
  lead: Lead,
  match: LeadMatch | undefined,
  steps: readonly RouteAction[],
  deps: OwnerDeps,
  trace: DecisionTrace,
): Promise<OwnerDecision> {
  const decision: OwnerDecision = { notes: new Map() };
  const sticky = match?.lead.ownerId ?? undefined;
  if (sticky) {
    decision.ownerId = sticky;
    trace.owner = { ownerId: sticky, sticky: true, reason: `kept ${sticky}, the owner of the lead matched by ${match?.by}` };
  }
  for (const [at, step] of steps.entries()) {
    if (!("assign" in step.action)) continue;
    if (trace.owner) {
      decision.notes.set(at, "owner already decided");
      continue;
    }
    decision.notes.set(at, await assign(config, eventId, lead, step, step.action, at, deps, trace, decision));
  }
  return decision;
}

/** One `assign` while the owner is open; returns its trace note. */
async function assign(
  config: GatewayConfig,
  eventId: string,
  lead: Lead,
  step: RouteAction,
  action: AssignAction,
  at: number,
  deps: OwnerDeps,
  trace: DecisionTrace,
  decision: OwnerDecision,
): Promise<string | undefined> {
  const poolId = assignPool(action.assign);
  const pool = config.pools.find((p) => p.id === poolId);
  if ("accountOwner" in action.assign) {
    const option = action.assign.accountOwner;
    const account = await accountOwnerFor(option, step.route.id, lead, deps);
    trace.account = account.trace;
    trace.explain.push(account.explain);
    if (account.ownerId) {
      decision.ownerId = account.ownerId;
      if (pool?.fallbackOwnerId) decision.fallbackOwnerId = pool.fallbackOwnerId;
      const record = account.trace.record;
      trace.owner = {
        ownerId: account.ownerId,
        sticky: false,
        account: true,
        reason: `${account.ownerId}, the owner of ${option.destination} record ${record?.id ?? "?"} (matched by ${account.trace.by} ${account.trace.key})`,
      };
      return undefined;
    }
  }
  if (!pool) return `pool '${poolId}' is not configured`;
  const result = await deps.assignOwner(pool, eventId);
  if (!result.ok && result.hold) {
    decision.held = { at, route: step.route.id, pool: pool.id, answer: result };
    const reason = describeHold(result);
    trace.owner = { pool: pool.id, sticky: false, held: true, reason };
    trace.hold = {
      pool: pool.id,
      reason: result.reason,
      ...(result.holdUntilMs === undefined ? {} : { until: new Date(result.holdUntilMs).toISOString() }),
    };
    trace.explain.push(`owner: ${reason}`);
    return "held";
  }
  trace.owner = result.ok
    ? { ownerId: result.ownerId, pool: pool.id, sticky: false, fallback: result.fallback, reason: result.reason }
    : { pool: pool.id, sticky: false, reason: result.reason };
  if (result.ok) decision.ownerId = result.ownerId;
  if (pool.fallbackOwnerId) decision.fallbackOwnerId = pool.fallbackOwnerId;
  trace.explain.push(`owner: ${trace.owner.reason}`);
  return undefined;
}

/** `no member available (…); held until 2026-12-14T00:00:00.000Z, then 103 (…)` for the trace. */
function describeHold(answer: OwnerAnswer): string {
  const until =
    answer.holdUntilMs === undefined
      ? " until a member can take it (none will on their own: paused, or no working hours)"
      : ` until ${new Date(answer.holdUntilMs).toISOString()}`;
  const then = answer.holdThen ? `, then ${answer.holdThen.ownerId} (${answer.holdThen.reason})` : "";
  return `${answer.reason}${until}${then}`;
}

/** The trace entry of an `assign` action. */
export function assignEntry(step: RouteAction, note: string | undefined): DecisionTrace["actions"][number] {
  return { route: step.route.id, action: "assign", ...armNote(step), ...(note === undefined ? {} : { note }) };
}
