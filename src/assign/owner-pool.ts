import { DurableObject } from "cloudflare:workers";
import { type PoolConfig, type PoolInput, poolSchema } from "../config/schema";
import type { PoolAvailability } from "./availability";
import { pickOwner } from "./pick-owner";

/** Assign one lead (identified by its event id) to an owner of `pool`. */
export interface AssignRequest {
  eventId: string;
  pool: PoolInput;
  /** The clock, for tests and simulations; default `Date.now()`. Decides the day of caps. */
  nowMs?: number;
  /** Who cannot take leads at `nowMs`, and each owner's local day; default: everybody can, UTC days. */
  availability?: PoolAvailability;
}

/** Who would get the next lead of `pool`, without assigning it. */
export interface PreviewRequest {
  pool: PoolInput;
  nowMs?: number;
  availability?: PoolAvailability;
}

/** Somebody takes the lead. */
export interface Assigned {
  ok: true;
  ownerId: string;
  /** Index in `pool.members` of the chosen member; absent when the fallback owner took it. */
  memberIndex?: number;
  /** One sentence for the decision trace. */
  reason: string;
  /** True when no member could take the lead (paused, capped, unavailable) and `fallbackOwnerId` took it. */
  fallback: boolean;
  /** The day (`YYYY-MM-DD`, in the owner's time zone, UTC without one) the lead counts for. */
  day: string;
  /** Leads per owner on each owner's current day, this one included: every member (0 if none) and anyone else counted. */
  counts: Record<string, number>;
}

/** Nobody can take the lead: every member is paused or capped and the pool has no fallback owner. */
export interface Unassigned {
  ok: false;
  reason: string;
  /** The pool holds the lead (`whenNobodyAvailable: "hold"`) rather than leaving it without an owner. */
  hold?: true;
  day: string;
  /** Leads per owner that day; unchanged, since nothing was assigned. */
  counts: Record<string, number>;
}

export type AssignResult = Assigned | Unassigned;

/** What the admin API and console show for a pool. */
export interface PoolStats {
  day: string;
  /** Leads per owner on `day` (only owners who got one). */
  counts: Record<string, number>;
  /** Round-robin current weights by owner id, as stored (members removed since the last assignment included). */
  rotation: Record<string, number>;
  /** Assignments remembered for idempotency. */
  remembered: number;
}

/** How long an event's assignment is remembered, so a redelivered message gets the same owner. */
export const assignmentRetentionMs = 7 * 86_400_000;
/** Daily counts older than this many days are deleted (only today's decide anything). */
const countRetentionDays = 7;
/** Pruning costs a few statements; once an hour per instance keeps it off most assigns. */
const pruneEveryMs = 3_600_000;
const pruneBatch = 1_000;

/**
 * The owner pool: one Durable Object per pool id (`env.OWNER_POOL.getByName(poolId)`),
 * holding that pool's round-robin rotation, per-day counts and recent assignments in
 * its SQLite storage.
 *
 * The pool's configuration is passed in on every call rather than stored, so a
 * configuration change applies from the next lead on; state is kept by owner id and
 * fitted to whatever members the call brings.
 *
 * Every method runs synchronously against storage — no `await` between reading and
 * writing state — so concurrent calls cannot interleave and two leads never get the
 * same turn. Writes are durable before the reply leaves (the output gate).
 */
export class OwnerPool extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private lastPruneAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // rotation is one row: it is read and rewritten whole on every round-robin turn.
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS rotation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        current TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS daily_counts (
        day TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, owner_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS assignments (
        event_id TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        assigned_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS assignments_assigned_at ON assignments (assigned_at);
    `);
  }

  /**
   * Assigns the lead of `eventId` and records it. Idempotent per event id: a repeat
   * (a redelivered queue message) returns the first answer unchanged, even if the
   * pool's configuration changed since, and advances nothing.
   *
   * An `Unassigned` answer is not remembered — it changed nothing, so a retry may
   * find a member available again.
   */
  assign(request: AssignRequest): AssignResult {
    if (typeof request.eventId !== "string" || request.eventId.length === 0) {
      throw new TypeError("assign: eventId must be a non-empty string");
    }
    const pool = checkPool(request.pool);
    const now = request.nowMs ?? Date.now();
    // One transaction: a throw half way must not leave a count without its assignment.
    return this.ctx.storage.transactionSync(() => {
      const known = this.sql.exec<{ result: string }>("SELECT result FROM assignments WHERE event_id = ?", request.eventId).toArray()[0];
      // Our own JSON, written below from an Assigned value.
      if (known) return JSON.parse(known.result) as Assigned;

      const days = capDaysOf(pool, request.availability, now);
      const counts = this.countsOn(days);
      const pick = pickOwner({ pool, counts, rotation: this.rotation(), unavailable: request.availability?.unavailable });
      if (!pick.ok) return unassigned(pick, now, withMembers(pool, counts));

      const day = days.of(pick.ownerId);
      this.sql.exec(
        `INSERT INTO daily_counts (day, owner_id, n) VALUES (?, ?, 1)
         ON CONFLICT (day, owner_id) DO UPDATE SET n = n + 1`,
        day,
        pick.ownerId,
      );
      // Only a round-robin turn moves the rotation; writing it also drops removed members.
      if (pool.strategy === "round_robin" && !pick.fallback) {
        this.sql.exec("INSERT OR REPLACE INTO rotation (id, current) VALUES (1, ?)", JSON.stringify(Object.fromEntries(pick.rotation)));
      }
      const updated = new Map(counts).set(pick.ownerId, (counts.get(pick.ownerId) ?? 0) + 1);
      const result = assigned(pick, day, withMembers(pool, updated));
      this.sql.exec("INSERT INTO assignments (event_id, result, assigned_at) VALUES (?, ?, ?)", request.eventId, JSON.stringify(result), now);
      this.pruneIfDue(now);
      return result;
    });
  }

  /**
   * What `assign` would answer for the next new event now, changing nothing (the
   * simulate endpoint has no side effects). `counts` include the previewed lead, so
   * an `assign` right after returns an equal answer.
   */
  preview(request: PreviewRequest): AssignResult {
    const pool = checkPool(request.pool);
    const now = request.nowMs ?? Date.now();
    const days = capDaysOf(pool, request.availability, now);
    const counts = this.countsOn(days);
    const pick = pickOwner({ pool, counts, rotation: this.rotation(), unavailable: request.availability?.unavailable });
    if (!pick.ok) return unassigned(pick, now, withMembers(pool, counts));
    const updated = new Map(counts).set(pick.ownerId, (counts.get(pick.ownerId) ?? 0) + 1);
    return assigned(pick, days.of(pick.ownerId), withMembers(pool, updated));
  }

  /** Today's counts and the rotation state, for the admin API and console. */
  stats(nowMs?: number): PoolStats {
    const day = utcDay(nowMs ?? Date.now());
    const remembered = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM assignments").one().n;
    return {
      day,
      counts: Object.fromEntries(this.countsOn({ of: () => day, all: [day] })),
      rotation: Object.fromEntries(this.rotation()),
      remembered,
    };
  }

  /** Each owner's count on that owner's day (owners in different zones are on different days). */
  private countsOn(days: CapDays): Map<string, number> {
    const counts = new Map<string, number>();
    for (const day of days.all) {
      const rows = this.sql.exec<{ owner_id: string; n: number }>("SELECT owner_id, n FROM daily_counts WHERE day = ?", day).toArray();
      for (const row of rows) if (days.of(row.owner_id) === day) counts.set(row.owner_id, row.n);
    }
    return counts;
  }

  private rotation(): Map<string, number> {
    const row = this.sql.exec<{ current: string }>("SELECT current FROM rotation WHERE id = 1").toArray()[0];
    const rotation = new Map<string, number>();
    if (!row) return rotation;
    const parsed: unknown = JSON.parse(row.current);
    if (typeof parsed !== "object" || parsed === null) return rotation;
    for (const [ownerId, value] of Object.entries(parsed)) {
      if (typeof value === "number" && Number.isFinite(value)) rotation.set(ownerId, value);
    }
    return rotation;
  }

  /**
   * Lazy pruning: an idle pool holds at most a week of rows, so no alarm is needed,
   * and a busy one prunes at most hourly, in bounded batches.
   */
  private pruneIfDue(now: number): void {
    if (this.lastPruneAt !== undefined && now >= this.lastPruneAt && now - this.lastPruneAt < pruneEveryMs) return;
    this.lastPruneAt = now;
    this.sql.exec(
      `DELETE FROM assignments WHERE event_id IN
         (SELECT event_id FROM assignments WHERE assigned_at < ? ORDER BY assigned_at LIMIT ?)`,
      now - assignmentRetentionMs,
      pruneBatch,
    );
    this.sql.exec("DELETE FROM daily_counts WHERE day < ?", utcDay(now - countRetentionDays * 86_400_000));
  }
}

/** The UTC calendar day of `ms`, `YYYY-MM-DD`: caps of owners without a time zone reset at UTC midnight. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day each owner's cap counts in: their local day when known, else the UTC day. */
interface CapDays {
  of(ownerId: string): string;
  /** Every distinct day in use (a few at most: one per time zone's date). */
  all: string[];
}

function capDaysOf(pool: PoolConfig, availability: PoolAvailability | undefined, now: number): CapDays {
  const utc = utcDay(now);
  const local = availability?.capDays ?? {};
  const of = (ownerId: string) => (Object.hasOwn(local, ownerId) ? (local[ownerId] ?? utc) : utc);
  const all = new Set([utc, ...pool.members.map((m) => of(m.ownerId))]);
  if (pool.fallbackOwnerId !== undefined) all.add(of(pool.fallbackOwnerId));
  return { of, all: [...all] };
}

/**
 * The pool as the schema makes it. Callers pass a parsed configuration, but this is
 * an RPC boundary: a missing weight would silently turn the rotation into NaN.
 */
function checkPool(pool: PoolInput): PoolConfig {
  const parsed = poolSchema.safeParse(pool);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "pool"}: ${issue.message}`);
    throw new TypeError(`invalid pool configuration: ${issues.join("; ")}`);
  }
  return parsed.data;
}

function withMembers(pool: PoolConfig, counts: ReadonlyMap<string, number>): Record<string, number> {
  const out = new Map<string, number>();
  for (const member of pool.members) out.set(member.ownerId, 0);
  for (const [ownerId, n] of counts) out.set(ownerId, n);
  return Object.fromEntries(out);
}

function assigned(pick: { ownerId: string; memberIndex?: number; reason: string; fallback: boolean }, day: string, counts: Record<string, number>): Assigned {
  const { ownerId, reason, fallback } = pick;
  const result: Assigned = { ok: true, ownerId, reason, fallback, day, counts };
  // Absent rather than undefined, so the stored JSON and the live answer compare equal.
  if (pick.memberIndex !== undefined) result.memberIndex = pick.memberIndex;
  return result;
}

function unassigned(pick: { reason: string; hold?: true }, now: number, counts: Record<string, number>): Unassigned {
  return { ok: false, reason: pick.reason, ...(pick.hold ? { hold: true as const } : {}), day: utcDay(now), counts };
}
