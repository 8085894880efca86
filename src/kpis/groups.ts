import { type OutcomeName, outcomeNames } from "../config/schema";
import { type Percentiles, percentiles } from "../db/event-stats";
import type { KpiCountRow, KpiDimension, KpiSampleRow } from "../db/kpis";
import { type SlaHistoryEntry, stoppingOutcomes } from "../db/sla-timers";

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

/** SLA clocks of a group (sampled) and how they ended. */
export interface SlaFigures {
  /**
   * Clocks: per route, arm and source one per routed event whose route has an SLA;
   * per owner one per owner held to it (a reassigned lead's next owner gets a clock
   * of their own).
   */
  clocks: number;
  /** The outcome came in time. */
  met: number;
  /** The deadline passed without it (reassigned or escalated). Per route, arm and source: missed at least once. */
  missed: number;
  /** Still waiting. */
  running: number;
  /** met / (met + missed); null when none has ended. */
  metRate: number | null;
}

export interface GroupKpis {
  leads: number;
  outcomes: Record<OutcomeName, OutcomeFigure>;
  /** From the webhook's arrival to the first successful CRM upsert, per routed event (sampled). */
  webhookToCrmMs: Percentiles;
  /** From the credited event's arrival to the lead's earliest outcome, per lead (sampled). */
  timeToFirstOutcomeMs: Percentiles;
  /** From the credited event's arrival to the lead's first `contacted` or later outcome, per lead (sampled). */
  timeToFirstTouchMs: Percentiles;
  sla: SlaFigures;
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
  /** Per lead: its first touch and the arrival of the event credited with it. */
  readonly firstTouch = new Map<string, { at: number; receivedAt: number }>();
  readonly sla = new SlaTally();

  add(row: KpiSampleRow, withSla: boolean): void {
    if (withSla && row.slaHistory) this.sla.addLead(row.slaHistory);
    if (row.crmAt !== null) this.crm.push(elapsed(row.receivedAt, row.crmAt));
    for (const name of outcomeNames) {
      const at = row.outcomeAt[name];
      if (at === undefined) continue;
      const list = this.byOutcome.get(name) ?? [];
      list.push(elapsed(row.receivedAt, at));
      this.byOutcome.set(name, list);
      earliest(this.firstOutcome, row.lead, at, row.receivedAt);
      if (touchOutcomes.has(name)) earliest(this.firstTouch, row.lead, at, row.receivedAt);
    }
  }
}

/** A touch: the lead was contacted, or got further. */
const touchOutcomes = new Set<OutcomeName>(stoppingOutcomes("contacted"));

function earliest(firsts: Map<string, { at: number; receivedAt: number }>, lead: string, at: number, receivedAt: number): void {
  const first = firsts.get(lead);
  if (!first || at < first.at) firsts.set(lead, { at, receivedAt });
}

/** Counts SLA clocks and how they ended, from their histories. */
class SlaTally {
  clocks = 0;
  met = 0;
  missed = 0;

  /** A lead's SLA as one clock: missed if any deadline passed, met if the outcome came before any did. */
  addLead(history: readonly SlaHistoryEntry[]): void {
    this.clocks++;
    if (history.some((entry) => entry.kind === "missed")) this.missed++;
    else if (history.some((entry) => entry.kind === "met")) this.met++;
  }

  figures(): SlaFigures {
    return {
      clocks: this.clocks,
      met: this.met,
      missed: this.missed,
      running: this.clocks - this.met - this.missed,
      metRate: ratio(this.met, this.met + this.missed),
    };
  }
}

/** Each owner's own clocks: one per `started` entry for them, ended by their `met` or `missed` entry. */
function slaByOwner(sample: readonly KpiSampleRow[]): Map<string, SlaTally> {
  const tallies = new Map<string, SlaTally>();
  const tally = (owner: string) => {
    const found = tallies.get(owner) ?? new SlaTally();
    tallies.set(owner, found);
    return found;
  };
  for (const row of sample) {
    for (const entry of row.slaHistory ?? []) {
      if (entry.ownerId === undefined) continue;
      if (entry.kind === "started") tally(entry.ownerId).clocks++;
      else if (entry.kind === "met") tally(entry.ownerId).met++;
      else if (entry.kind === "missed") tally(entry.ownerId).missed++;
    }
  }
  return tallies;
}

/**
 * An outcome the CRM dates before the event it is credited to (the lead converted
 * before this visit was routed: its clock and ours disagree, or it is a returning
 * lead credited to its first later event) counts as no time at all, not negative time.
 */
function elapsed(from: number, to: number): number {
  return Math.max(0, to - from);
}

function groupKpis(counts: KpiCountRow, times: TimeCollector | undefined, sla: SlaTally | undefined): GroupKpis {
  const outcomes = perOutcome(
    (name): OutcomeFigure => ({
      leads: counts.outcomes[name],
      rate: ratio(counts.outcomes[name], counts.leads),
      timeMs: percentiles(times?.byOutcome.get(name) ?? []),
    }),
  );
  return {
    leads: counts.leads,
    outcomes,
    webhookToCrmMs: percentiles(times?.crm ?? []),
    timeToFirstOutcomeMs: percentiles([...(times?.firstOutcome.values() ?? [])].map((f) => elapsed(f.receivedAt, f.at))),
    timeToFirstTouchMs: percentiles([...(times?.firstTouch.values() ?? [])].map((f) => elapsed(f.receivedAt, f.at))),
    sla: (sla ?? new SlaTally()).figures(),
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
      // Owners' SLA clocks come from the histories (slaByOwner), not from the lead's last owner.
      collector.add(row, dimension !== "owner");
      times.set(id, collector);
    }
  }
  const ownerSla = slaByOwner(sample);
  const result: KpiGroups = { sampledEvents: sample.length, byRoute: {}, byArm: {}, byOwner: {}, bySource: {} };
  for (const row of counts) {
    const key = groupKey(row.dimension, row);
    if (key === undefined) continue;
    const collector = times.get(`${row.dimension}:${key}`);
    const figures = groupKpis(row, collector, row.dimension === "owner" ? ownerSla.get(key) : collector?.sla);
    if (row.dimension === "arm" && row.key !== null && row.arm !== null) (result.byArm[row.key] ??= {})[row.arm] = figures;
    else if (row.dimension === "route") result.byRoute[key] = figures;
    else if (row.dimension === "owner") result.byOwner[key] = figures;
    else if (row.dimension === "source") result.bySource[key] = figures;
  }
  // An owner who missed an SLA and lost the lead to reassignment may own none of the window's leads now.
  for (const [owner, tally] of ownerSla) {
    result.byOwner[owner] ??= groupKpis(emptyCounts(owner), undefined, tally);
  }
  return result;
}

function emptyCounts(owner: string): KpiCountRow {
  return { dimension: "owner", key: owner, arm: null, leads: 0, outcomes: perOutcome(() => 0), deliveries: { settled: 0, failed: 0, pending: 0 } };
}
