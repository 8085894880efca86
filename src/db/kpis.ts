import { and, gte, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type OutcomeName, outcomeNames } from "../config/schema";
import type { Database } from "./client";
import { idBound } from "./event-queries";
import { attempts, deliveries, type EventStatus, events, outcomes, slaTimers } from "./schema";
import { historyOf, type SlaHistoryEntry } from "./sla-timers";

/**
 * The reads behind the KPIs (src/kpis, docs/kpis.md). Counts are exact and computed
 * in SQL, one row per group, so their cost does not grow with what is sent back;
 * times need percentiles, which SQLite lacks, so they come from a bounded sample of
 * the newest routed events. Both walk the window as a range of the time-ordered
 * events primary key, then indexes (outcomes by lead_event_id, deliveries and
 * attempts by event_id) per event.
 */

/** A lead's routed event: it matched a route and has (or had) deliveries under way. */
export const routedStatuses = ["delivering", "routed", "partially_failed", "dead"] as const satisfies readonly EventStatus[];

/** Routed events sampled for the time figures. */
export const kpiSampleSize = 5_000;

export type KpiDimension = "route" | "arm" | "owner" | "source";

const countNumber = z.coerce.number().int().nonnegative();

/** One group's exact counts, as the statement below returns it. */
const countRowSchema = z.object({
  dim: z.enum(["route", "arm", "owner", "source"]),
  /** Route, experiment (for arms), owner (null: unassigned) or source id. */
  k: z.string().nullable(),
  /** The arm, for dim = arm. */
  sub: z.string().nullable(),
  leads: countNumber,
  settled: countNumber,
  failed: countNumber,
  pending: countNumber,
});

/** The outcome columns o0…o3, in `outcomeNames` order. */
const outcomeCountsSchema = z.object(Object.fromEntries(outcomeNames.map((_, i) => [`o${i}`, countNumber])) as Record<string, typeof countNumber>);

export interface KpiCountRow {
  dimension: KpiDimension;
  key: string | null;
  arm: string | null;
  leads: number;
  /** Distinct leads with an outcome credited to one of the group's events. */
  outcomes: Record<OutcomeName, number>;
  deliveries: { settled: number; failed: number; pending: number };
}

function windowOf(sinceMs: number, untilMs: number): SQL | undefined {
  return and(
    gte(events.id, idBound("evt", sinceMs)),
    lt(events.id, idBound("evt", untilMs)),
    inArray(events.status, [...routedStatuses]),
    isNotNull(events.routeId),
  );
}

/** Outcome columns are named by position (o0…o3): outcome names are not SQL identifiers to trust. */
const outcomeAlias = (i: number) => sql.raw(`o${i}`);

/**
 * Exact counts per route, per experiment arm, per owner and per source, in one
 * statement: a materialized per-event CTE (its lead, groups, whether each outcome is
 * credited to it, its deliveries by status), grouped four ways.
 */
export async function kpiCounts(db: Database, sinceMs: number, untilMs: number): Promise<KpiCountRow[]> {
  const outcomeFlags = sql.join(
    outcomeNames.map(
      (name, i) => sql`exists (select 1 from ${outcomes} where ${outcomes.leadEventId} = ${events.id} and ${outcomes.outcome} = ${name}) as ${outcomeAlias(i)}`,
    ),
    sql`, `,
  );
  const deliveryCount = (statuses: readonly string[]) =>
    sql`(select count(*) from ${deliveries} where ${deliveries.eventId} = ${events.id} and ${inArray(deliveries.status, [...statuses] as ("succeeded" | "failed" | "dead" | "pending")[])})`;
  const aggregates = sql.join(
    [
      sql`count(distinct lead) as leads`,
      ...outcomeNames.map((_, i) => sql`count(distinct case when ${outcomeAlias(i)} then lead end) as ${outcomeAlias(i)}`),
      sql`sum(ok) + sum(bad) as settled`,
      sql`sum(bad) as failed`,
      sql`sum(waiting) as pending`,
    ],
    sql`, `,
  );
  const rows = await db.all<unknown>(sql`
    with facts as materialized (
      select
        coalesce(${events.leadId}, ${events.id}) as lead,
        ${events.routeId} as route, ${events.experiment} as experiment, ${events.arm} as arm,
        ${events.ownerId} as owner, ${events.sourceId} as source,
        ${outcomeFlags},
        ${deliveryCount(["succeeded"])} as ok,
        ${deliveryCount(["failed", "dead"])} as bad,
        ${deliveryCount(["pending"])} as waiting
      from ${events}
      where ${windowOf(sinceMs, untilMs)}
    )
    select 'route' as dim, route as k, null as sub, ${aggregates} from facts group by route
    union all
    select 'arm' as dim, experiment as k, arm as sub, ${aggregates} from facts where experiment is not null and arm is not null group by experiment, arm
    union all
    select 'owner' as dim, owner as k, null as sub, ${aggregates} from facts group by owner
    union all
    select 'source' as dim, source as k, null as sub, ${aggregates} from facts group by source
  `);
  return rows.map((raw) => {
    const row = countRowSchema.parse(raw);
    const counts = outcomeCountsSchema.parse(raw);
    return {
      dimension: row.dim,
      key: row.k,
      arm: row.sub,
      leads: row.leads,
      outcomes: Object.fromEntries(outcomeNames.map((name, i) => [name, counts[`o${i}`] ?? 0])) as Record<OutcomeName, number>,
      deliveries: { settled: row.settled, failed: row.failed, pending: row.pending },
    };
  });
}

/** One routed event of the time sample, with the moments its time figures start and end at. */
export interface KpiSampleRow {
  id: string;
  lead: string;
  routeId: string;
  experiment: string | null;
  arm: string | null;
  ownerId: string | null;
  sourceId: string;
  receivedAt: number;
  /** The first succeeded attempt of one of its upsert deliveries. */
  crmAt: number | null;
  /** When each outcome credited to this event happened (at most one per outcome: UNIQUE(lead, outcome)). */
  outcomeAt: Partial<Record<OutcomeName, number>>;
  /** The history of the SLA clock its route started, if any: who was held to it and who met or missed it. */
  slaHistory: SlaHistoryEntry[] | null;
}

/** A sample row as the statement below returns it. */
const sampleRowSchema = z.object({
  id: z.string(),
  lead: z.string(),
  route: z.string(),
  experiment: z.string().nullable(),
  arm: z.string().nullable(),
  owner: z.string().nullable(),
  source: z.string(),
  received_at: z.coerce.number(),
  crm_at: z.coerce.number().nullable(),
  sla_history: z.string().nullable(),
});
/** Outcome times o0…o3, in `outcomeNames` order. */
const outcomeTimesSchema = z.object(
  Object.fromEntries(outcomeNames.map((_, i) => [`o${i}`, z.coerce.number().nullable()])) as Record<string, z.ZodNullable<z.ZodCoercedNumber>>,
);

/**
 * The newest `limit` routed events of the window, for percentiles of the time
 * figures. Raw SQL like `kpiCounts`: inside the query builder's select list drizzle
 * writes columns unqualified, which makes the correlated subqueries ambiguous.
 */
export async function kpiSample(db: Database, sinceMs: number, untilMs: number, limit = kpiSampleSize): Promise<KpiSampleRow[]> {
  const outcomeTimes = sql.join(
    outcomeNames.map(
      (name, i) =>
        sql`(select ${outcomes.occurredAt} from ${outcomes} where ${outcomes.leadEventId} = ${events.id} and ${outcomes.outcome} = ${name} limit 1) as ${outcomeAlias(i)}`,
    ),
    sql`, `,
  );
  const rows = await db.all<unknown>(sql`
    select
      ${events.id} as id, coalesce(${events.leadId}, ${events.id}) as lead,
      ${events.routeId} as route, ${events.experiment} as experiment, ${events.arm} as arm,
      ${events.ownerId} as owner, ${events.sourceId} as source, ${events.receivedAt} as received_at,
      (select min(${attempts.at}) from ${attempts} inner join ${deliveries} on ${deliveries.id} = ${attempts.deliveryId}
        where ${attempts.eventId} = ${events.id} and ${attempts.outcome} = 'succeeded' and ${deliveries.action} = 'upsert') as crm_at,
      (select ${slaTimers.history} from ${slaTimers} where ${slaTimers.eventId} = ${events.id}) as sla_history,
      ${outcomeTimes}
    from ${events}
    where ${windowOf(sinceMs, untilMs)}
    order by ${events.id} desc
    limit ${limit}
  `);
  return rows.map((raw) => {
    const row = sampleRowSchema.parse(raw);
    const times = outcomeTimesSchema.parse(raw);
    const outcomeAt: Partial<Record<OutcomeName, number>> = {};
    outcomeNames.forEach((name, i) => {
      const at = times[`o${i}`];
      if (at !== null && at !== undefined) outcomeAt[name] = at;
    });
    return {
      id: row.id,
      lead: row.lead,
      routeId: row.route,
      experiment: row.experiment,
      arm: row.arm,
      ownerId: row.owner,
      sourceId: row.source,
      receivedAt: row.received_at,
      crmAt: row.crm_at,
      outcomeAt,
      slaHistory: row.sla_history === null ? null : historyOf({ history: row.sla_history }),
    };
  });
}
