import { type OutcomeName, outcomeNames } from "../config/schema";
import { type Percentiles, percentiles } from "../db/event-stats";
import type { KpiCountRow, KpiDimension, KpiSampleRow } from "../db/kpis";

/**
 * Turns the exact counts and the time sample (src/db/kpis.ts) into the figures of
 * each group. Pure: the definitions are in docs/kpis.md, and test/kpis checks them
 * against hand-computed numbers.
 */

/** Owners are grouped under this name when the lead has none. */
export const unassignedOwner = "unassigned";

export interface OutcomeFigure {
  /** Leads of the group with this outcome credited to one of the group's events. */
  leads: number;
  /** `leads` / the group's leads; null when the group has none. */
  rate: number | null;
  /** From the credited event's arrival to the outcome, per lead (sampled). */
  timeMs: Percentiles;
}

export interface GroupKpis {
  leads: number;
  outcomes: Record<OutcomeName, OutcomeFigure>;
  /** From the webhook's arrival to the first successful CRM upsert, per routed event (sampled). */
  webhookToCrmMs: Percentiles;
  /** From the credited event's arrival to the lead's earliest outcome, per lead (sampled). */
  timeToFirstOutcomeMs: Percentiles;
  deliveries: {
    /** Succeeded, failed or dead. */
    settled: number;
    /** Failed or dead. */
    failed: number;
    pending: number;
    /** failed / settled; null when nothing is settled. */
    errorRate: number | null;
  };
}

export interface KpiGroups {
  /** Routed events the time figures were taken from (the newest of the window). */
  sampledEvents: number;
  byRoute: Record<string, GroupKpis>;
  /** Experiment (the split route's id) → arm → figures. */
  byArm: Record<string, Record<string, GroupKpis>>;
  byOwner: Record<string, GroupKpis>;
  bySource: Record<string, GroupKpis>;
}

/** A record with one entry per outcome, in `outcomeNames` order. */
export function perOutcome<T>(value: (name: OutcomeName) => T): Record<OutcomeName, T> {
  return Object.fromEntries(outcomeNames.map((name) => [name, value(name)])) as Record<OutcomeName, T>;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Time values collected for one group from the sample. */
class TimeCollector {
  readonly crm: number[] = [];
  readonly byOutcome = new Map<OutcomeName, number[]>();
  /** Per lead: its earliest outcome and the arrival of the event credited with it. */
  readonly firstOutcome = new Map<string, { at: number; receivedAt: number }>();

  add(row: KpiSampleRow): void {
    if (row.crmAt !== null) this.crm.push(elapsed(row.receivedAt, row.crmAt));
    for (const name of outcomeNames) {
      const at = row.outcomeAt[name];
      if (at === undefined) continue;
      const list = this.byOutcome.get(name) ?? [];
      list.push(elapsed(row.receivedAt, at));
      this.byOutcome.set(name, list);
      const first = this.firstOutcome.get(row.lead);
      if (!first || at < first.at) this.firstOutcome.set(row.lead, { at, receivedAt: row.receivedAt });
    }
  }
}

/**
 * An outcome the CRM dates before the event it is credited to (the lead converted
 * before this visit was routed: its clock and ours disagree, or it is a returning
 * lead credited to its first later event) counts as no time at all, not negative time.
 */
function elapsed(from: number, to: number): number {
  return Math.max(0, to - from);
}

function groupKpis(counts: KpiCountRow, times: TimeCollector | undefined): GroupKpis {
  const outcomes = perOutcome((name): OutcomeFigure => ({
    leads: counts.outcomes[name],
    rate: ratio(counts.outcomes[name], counts.leads),
    timeMs: percentiles(times?.byOutcome.get(name) ?? []),
  }));
  return {
    leads: counts.leads,
    outcomes,
    webhookToCrmMs: percentiles(times?.crm ?? []),
    timeToFirstOutcomeMs: percentiles([...(times?.firstOutcome.values() ?? [])].map((f) => elapsed(f.receivedAt, f.at))),
    deliveries: { ...counts.deliveries, errorRate: ratio(counts.deliveries.failed, counts.deliveries.settled) },
  };
}

/** The group a row belongs to in one dimension, as one string; undefined when it is in none (no arm). */
function groupKey(dimension: KpiDimension, row: { key: string | null; arm: string | null }): string | undefined {
  if (dimension === "arm") return row.key !== null && row.arm !== null ? JSON.stringify([row.key, row.arm]) : undefined;
  if (dimension === "owner") return row.key ?? unassignedOwner;
  return row.key ?? undefined;
}

function sampleKey(dimension: KpiDimension, row: KpiSampleRow): string | undefined {
  const key = { route: row.routeId, arm: row.experiment, owner: row.ownerId, source: row.sourceId }[dimension];
  return groupKey(dimension, { key, arm: row.arm });
}

const dimensions: readonly KpiDimension[] = ["route", "arm", "owner", "source"];

export function buildKpiGroups(counts: readonly KpiCountRow[], sample: readonly KpiSampleRow[]): KpiGroups {
  const times = new Map<string, TimeCollector>();
  for (const row of sample) {
    for (const dimension of dimensions) {
      const key = sampleKey(dimension, row);
      if (key === undefined) continue;
      const id = `${dimension}:${key}`;
      const collector = times.get(id) ?? new TimeCollector();
      collector.add(row);
      times.set(id, collector);
    }
  }
  const result: KpiGroups = { sampledEvents: sample.length, byRoute: {}, byArm: {}, byOwner: {}, bySource: {} };
  for (const row of counts) {
    const key = groupKey(row.dimension, row);
    if (key === undefined) continue;
    const figures = groupKpis(row, times.get(`${row.dimension}:${key}`));
    if (row.dimension === "arm" && row.key !== null && row.arm !== null) (result.byArm[row.key] ??= {})[row.arm] = figures;
    else if (row.dimension === "route") result.byRoute[key] = figures;
    else if (row.dimension === "owner") result.byOwner[key] = figures;
    else if (row.dimension === "source") result.bySource[key] = figures;
  }
  return result;
}
