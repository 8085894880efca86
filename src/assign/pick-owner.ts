import type { PoolConfig, PoolMember } from "../config/schema";

/**
 * Choosing the owner of a lead in a pool, as a pure function of the pool's
 * configuration, today's counts and the round-robin rotation. The owner-pool
 * Durable Object keeps the state; everything here can be tested without it.
 */

/** Smooth weighted round robin state: each member's current weight, by owner id. */
export type Rotation = ReadonlyMap<string, number>;

/** Leads each owner got in the current UTC day, by owner id. */
export type DailyCounts = ReadonlyMap<string, number>;

export interface PickInput {
  pool: PoolConfig;
  counts: DailyCounts;
  rotation: Rotation;
  /** Owner id → why they cannot take a lead now (away, outside working hours). */
  unavailable?: Readonly<Record<string, string>>;
}

export type Pick =
  | {
      ok: true;
      ownerId: string;
      /** Index in `pool.members` of the chosen member; absent for the fallback owner. */
      memberIndex?: number;
      fallback: boolean;
      /** One sentence for the decision trace. */
      reason: string;
      /** The rotation after this pick: store it only if the pick is used. */
      rotation: Map<string, number>;
    }
  /** `hold`: the pool holds the lead until a member can take it (`whenNobodyAvailable: "hold"`). */
  | { ok: false; reason: string; rotation: Map<string, number>; hold?: true };

interface Candidate {
  member: PoolMember;
  index: number;
  count: number;
}

/**
 * Picks who gets the next lead of `pool`.
 *
 * - `round_robin`: smooth weighted round robin (nginx): every eligible member's
 *   current weight grows by its weight, the largest (first in member order on a tie)
 *   wins and gives back the eligible total. Over a cycle each member gets exactly
 *   `weight` turns, spread out rather than in runs.
 * - `load_balanced`: the eligible member with the fewest leads today relative to its
 *   weight (first in member order on a tie).
 *
 * Paused members, unavailable members (away, or outside working hours in a
 * `working_hours` pool) and members at their `dailyCap` are not eligible. Their
 * rotation state is left as it is: they earn no turns while they cannot take leads,
 * so on return they resume where they were instead of catching up in a run. When
 * nobody is eligible the pool's `fallbackOwnerId` gets the lead, and without one
 * the pick fails; a `hold` pool fails with `hold` instead, whatever its fallback.
 */
export function pickOwner({ pool, counts, rotation, unavailable = {} }: PickInput): Pick {
  const members = distinctMembers(pool.members);
  const next = alignRotation(members, rotation);
  const eligible: Candidate[] = [];
  const skipped: string[] = [];
  for (const { member, index } of members) {
    const count = counts.get(member.ownerId) ?? 0;
    const away = Object.hasOwn(unavailable, member.ownerId) ? unavailable[member.ownerId] : undefined;
    if (member.paused) skipped.push(`${label(member)} paused`);
    else if (away !== undefined) skipped.push(`${label(member)} ${away}`);
    else if (member.dailyCap !== undefined && count >= member.dailyCap) skipped.push(`${label(member)} capped at ${count}/${member.dailyCap}`);
    else eligible.push({ member, index, count });
  }

  if (eligible.length === 0) {
    const why = `no member available (${skipped.join(", ")})`;
    if (pool.whenNobodyAvailable === "hold") {
      return { ok: false, hold: true, reason: `${why}; held`, rotation: next };
    }
    if (pool.fallbackOwnerId === undefined) {
      return { ok: false, reason: `${why}, and the pool has no fallback owner`, rotation: next };
    }
    return {
      ok: true,
      ownerId: pool.fallbackOwnerId,
      fallback: true,
      reason: `${why}; fallback owner ${pool.fallbackOwnerId}`,
      rotation: next,
    };
  }

  const chosen = pool.strategy === "load_balanced" ? leastLoaded(eligible) : smoothTurn(eligible, next);
  const { member, index, count } = chosen;
  const today = member.dailyCap === undefined ? `${count + 1}` : `${count + 1}/${member.dailyCap}`;
  const how = pool.strategy === "load_balanced" ? `load balanced: ${label(member)} is furthest below its share` : `round robin: ${label(member)}'s turn`;
  const skips = skipped.length > 0 ? `; skipped ${skipped.join(", ")}` : "";
  return {
    ok: true,
    ownerId: member.ownerId,
    memberIndex: index,
    fallback: false,
    reason: `${how} (weight ${member.weight}), ${today} today${skips}`,
    rotation: next,
  };
}

/** Members with their index (poolSchema guarantees each owner id appears once). */
function distinctMembers(members: readonly PoolMember[]): { member: PoolMember; index: number }[] {
  return members.map((member, index) => ({ member, index }));
}

/**
 * The stored rotation fitted to the current members: unknown members start at 0,
 * removed members are dropped.
 *
 * In steady state the current weights sum to 0 (each turn adds the eligible total
 * and takes it back from the winner; paused members keep theirs). Dropping a member
 * breaks that, and repeated membership changes could pile up an offset that would
 * make a newcomer at 0 wait many turns. Shifting every member by the same amount
 * restores a near-zero sum without changing who beats whom among existing members.
 */
export function alignRotation(members: readonly { member: PoolMember }[], rotation: Rotation): Map<string, number> {
  const next = new Map<string, number>();
  let sum = 0;
  for (const { member } of members) {
    const stored = rotation.get(member.ownerId);
    const value = stored !== undefined && Number.isFinite(stored) ? stored : 0;
    next.set(member.ownerId, value);
    sum += value;
  }
  const shift = next.size > 0 ? Math.trunc(sum / next.size) : 0;
  if (shift !== 0) for (const [id, value] of next) next.set(id, value - shift);
  return next;
}

/** One step of smooth weighted round robin over the eligible members; updates `rotation`. */
function smoothTurn(eligible: readonly Candidate[], rotation: Map<string, number>): Candidate {
  let total = 0;
  let best: Candidate | undefined;
  let bestCurrent = Number.NEGATIVE_INFINITY;
  for (const candidate of eligible) {
    const { ownerId, weight } = candidate.member;
    const current = (rotation.get(ownerId) ?? 0) + weight;
    rotation.set(ownerId, current);
    total += weight;
    if (current > bestCurrent) {
      best = candidate;
      bestCurrent = current;
    }
  }
  // eligible is never empty here, so best is set.
  const winner = best ?? (eligible[0] as Candidate);
  rotation.set(winner.member.ownerId, bestCurrent - total);
  return winner;
}

/** The member with the lowest count / weight; compared by cross-multiplying to stay in integers. */
function leastLoaded(eligible: readonly Candidate[]): Candidate {
  let best = eligible[0] as Candidate;
  for (const candidate of eligible.slice(1)) {
    if (candidate.count * best.member.weight < best.count * candidate.member.weight) best = candidate;
  }
  return best;
}

function label(member: PoolMember): string {
  return member.name ? `${member.ownerId} (${member.name})` : member.ownerId;
}
