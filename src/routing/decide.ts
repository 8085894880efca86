import type { AssignResult } from "../assign/owner-pool";
import { type Action, assignPool, type GatewayConfig, type PoolConfig, type RouteConfig, type SlaConfig, type SourceConfig } from "../config/schema";
import type { DestinationAction } from "../connectors/connector";
import type { LeadDelivery } from "../connectors/types";
import type { Enrich, EnrichResult } from "../enrich/types";
import type { LeadMatch } from "../lead/match";
import { type MatchKeys, matchKeys } from "../lead/match";
import type { Lead } from "../lead/schema";
import { type AccountOwnerDeps, type AccountTrace, accountOwnerFor } from "./account-owner";
import { fitDecision, type TrimmedTrace } from "./budget";
import { mergeFields } from "./enrich-merge";
import { skippedAfter, tryRoute } from "./evaluate";
import { mapLead } from "./mapping";
import { type ArmChoice, pickArm } from "./split";
import { explainRoute, type RouteTrace } from "./trace";

/** What deciding needs from the outside world; the simulator passes side-effect-free versions. */
export interface DecideDeps extends AccountOwnerDeps {
  findLead(keys: MatchKeys): Promise<LeadMatch | undefined>;
  /** The consumer assigns for real (idempotent per event); the simulator only previews. */
  assignOwner(pool: PoolConfig, eventId: string): Promise<OwnerAnswer>;
  /** The consumer looks up and caches; the simulator reads the cache only. */
  enrich: Enrich;
}

/**
 * The pool's answer; for a lead the pool holds, when it should next be taken
 * (`holdUntilMs`, absent when no member will be available) and, in the simulator,
 * by whom.
 */
export type OwnerAnswer = AssignResult & { holdUntilMs?: number; holdThen?: { ownerId: string; reason: string } };

/**
 * A lead held by a `hold` pool: the assign and the deliveries planned after it wait
 * until a member can take the lead; the routing consumer stores this in `held_leads`.
 */
export interface HoldPlan {
  route: string;
  pool: string;
  reason: string;
  /** The first moment a member should be available; absent when none will be. */
  untilMs?: number;
  /** Deliveries planned after the assign: sent with the owner once the lead has one. */
  deliveries: PlannedDelivery[];
  /** Who the simulator says takes the lead at `untilMs`. */
  thenOwnerId?: string;
}

/** The route actions that send a lead somewhere, as connectors declare them. */
export type ActionKind = DestinationAction;

export interface PlannedDelivery {
  destinationId: string;
  action: ActionKind;
  delivery: LeadDelivery;
}

/** One `enrich` action as it went. */
export interface EnrichmentTrace {
  route: string;
  enrichment: string;
  outcome: EnrichResult["outcome"] | "not_configured";
  /** The domain or email looked up. */
  key?: string;
  /** Lead fields the answer filled or replaced. */
  merged?: string[];
  /** Fields the answer had that the lead already held (kept: `overwrite` is off). */
  kept?: string[];
  reason?: string;
  error?: string;
}

/** The experiment arm a lead landed in, and how. */
export interface ExperimentTrace extends ArmChoice {
  route: string;
  weights: Record<string, number>;
}

/** Why the lead went where it went; stored with the event and returned by the admin API. */
export interface DecisionTrace {
  mapping: { ok: boolean; warnings: string[]; reason?: string };
  match?: { by: LeadMatch["by"]; leadId: string; ownerId: string | null };
  routes: RouteTrace[];
  enrichments?: EnrichmentTrace[];
  experiments?: ExperimentTrace[];
  /** The `accountOwner` assignment: which CRM record matched and how, or why the fallback pool assigned. */
  account?: AccountTrace;
  owner?: { ownerId?: string; reason: string; pool?: string; sticky: boolean; fallback?: boolean; held?: boolean; account?: boolean };
  /** Set when a `hold` pool held the lead; `releasedAt` and `ownerId` once an owner took it (src/hold/release.ts). */
  hold?: { pool: string; reason: string; until?: string; releasedAt?: string; ownerId?: string };
  actions: { route: string; action: string; destination?: string; deliveryId?: string; arm?: string; note?: string }[];
  explain: string[];
  /** Set when the lead or the trace was over its storage budget (budget.ts). */
  trimmed?: TrimmedTrace;
  /** Added after routing by the deliveries consumer: a delivery that landed changed (an owner the CRM refused). */
  deliveryNotes?: { deliveryId: string; destinationId: string; note: string; at: string }[];
}

/** An SLA the routed lead's owner is held to; the routing consumer starts its clock. */
export interface SlaPlan {
  route: string;
  /** The pool a reassignment picks from: the route's (or arm's) `assign` pool. */
  pool?: string;
  config: SlaConfig;
}

export type Decision =
  | { status: "invalid"; reason: string; trace: DecisionTrace }
  | { status: "unmatched"; lead: Lead; match?: LeadMatch; trace: DecisionTrace }
  | {
      status: "routed";
      lead: Lead;
      match?: LeadMatch;
      routeId: string;
      ownerId?: string;
      /** The first experiment the lead went through: its route and arm. */
      experiment?: { route: string; arm: string };
      deliveries: PlannedDelivery[];
      sla?: SlaPlan;
      /** Set when the lead waits for an owner: `deliveries` are only those planned before the assign. */
      hold?: HoldPlan;
      trace: DecisionTrace;
    };

/** A decision for an event that cannot become a lead. */
export function invalidDecision(reason: string): Decision {
  return {
    status: "invalid",
    reason,
    trace: { mapping: { ok: false, warnings: [], reason }, routes: [], actions: [], explain: [`invalid: ${reason}`] },
  };
}

type DeliveryAction = Exclude<Action, { assign: unknown } | { enrich: unknown } | { sla: unknown }>;

function deliveryTarget(action: DeliveryAction): { kind: ActionKind; destination: string } {
  if ("upsert" in action) return { kind: "upsert", destination: action.upsert.destination };
  if ("notify" in action) return { kind: "notify", destination: action.notify.destination };
  return { kind: "forward", destination: action.forward.destination };
}

/** A matched route with the actions it runs: its own, then its arm's. */
interface MatchedRoute {
  route: RouteConfig;
  actions: Action[];
  arm?: string;
}

/**
 * Decides where one event's lead goes: map → match an earlier lead → evaluate
 * routes in order (a matched route's `enrich` actions run at once, so later routes
 * see the new fields; a `split` picks the lead's arm) → owner (sticky, else the
 * first `assign` of the matched routes) → the deliveries, carrying the lead as
 * enriched, each with a stable id `<eventId>:<n>` so deciding twice plans the same
 * deliveries.
 */
export async function decide(
  config: GatewayConfig,
  source: SourceConfig,
  event: { id: string; sourceId: string },
  payload: unknown,
  deps: DecideDeps,
): Promise<Decision> {
  const mapped = await mapLead(source, payload);
  if (!mapped.ok) return invalidDecision(mapped.reason);
  return decideLead(config, source, event, mapped, deps);
}

/**
 * `decide` for a lead already mapped: the routing consumer maps a whole batch first,
 * so that it can look up every earlier lead of the batch in one query and decide
 * leads that share an email, phone or domain one after the other. The decision fits
 * the storage budgets (budget.ts): one oversized lead cannot fail a batch's write.
 */
export async function decideLead(
  config: GatewayConfig,
  source: SourceConfig,
  event: { id: string; sourceId: string },
  mapped: { lead: Lead; warnings: string[] },
  deps: DecideDeps,
): Promise<Decision> {
  return fitDecision(await decideWhole(config, source, event, mapped, deps));
}

async function decideWhole(
  config: GatewayConfig,
  source: SourceConfig,
  event: { id: string; sourceId: string },
  mapped: { lead: Lead; warnings: string[] },
  deps: DecideDeps,
): Promise<Decision> {
  let lead = mapped.lead;
  const trace: DecisionTrace = { mapping: { ok: true, warnings: mapped.warnings }, routes: [], actions: [], explain: [] };

  const match = await deps.findLead(matchKeys(lead));
  if (match) {
    trace.match = { by: match.by, leadId: match.lead.id, ownerId: match.lead.ownerId };
    trace.explain.push(`matched an earlier lead by ${match.by} (owner ${match.lead.ownerId ?? "none"})`);
  }

  const matched: MatchedRoute[] = [];
  let stoppedBy: string | undefined;
  for (const route of config.routes) {
    const step = stoppedBy === undefined ? tryRoute(route, lead, event.sourceId) : skippedAfter(route, stoppedBy);
    trace.routes.push(step);
    trace.explain.push(explainRoute(step));
    if (step.status !== "matched") continue;
    if (!step.continue) stoppedBy = route.id;

    const entry: MatchedRoute = { route, actions: [...route.actions] };
    if (route.split) {
      const choice = pickArm(route.id, route.split, lead, event.id);
      const arm = route.split.find((a) => a.arm === choice.arm);
      entry.arm = choice.arm;
      entry.actions.push(...(arm?.actions ?? []));
      const weights = Object.fromEntries(route.split.map((a) => [a.arm, a.weight]));
      (trace.experiments ??= []).push({ route: route.id, ...choice, weights });
      trace.explain.push(`experiment ${route.id}: arm ${choice.arm} (by ${choice.by}, bucket ${choice.bucket} of ${choice.total})`);
    }
    matched.push(entry);
    for (const action of entry.actions) {
      if (!("enrich" in action)) continue;
      const step = await runEnrichment(config, source, route.id, action.enrich.enrichment, lead, deps);
      lead = step.lead;
      (trace.enrichments ??= []).push(step.trace);
      trace.explain.push(describeEnrichment(step.trace));
    }
  }
  if (matched.length === 0) trace.explain.push("no route matched");
  const [first] = matched;
  if (!first) return { status: "unmatched", lead, match, trace };

  let ownerId = match?.lead.ownerId ?? undefined;
  /** The assigning pool's fallback owner: what a CRM that refuses `ownerId` gets instead. */
  let fallbackOwnerId: string | undefined;
  if (ownerId) {
    trace.owner = { ownerId, sticky: true, reason: `kept ${ownerId}, the owner of the lead matched by ${match?.by}` };
  }

  const deliveries: PlannedDelivery[] = [];
  let sla: SlaPlan | undefined;
  /** The held pool's answer, and how many deliveries were planned before it (those run now). */
  let held: { route: string; pool: string; answer: OwnerAnswer; before: number } | undefined;
  let index = 0;
  for (const { route, actions, arm } of matched) {
    const armNote = arm === undefined ? {} : { arm };
    for (const action of actions) {
      if ("sla" in action) {
        if (sla) {
          trace.actions.push({ route: route.id, action: "sla", ...armNote, note: `the SLA of route ${sla.route} applies` });
          continue;
        }
        const assign = actions.find((a): a is Extract<Action, { assign: unknown }> => "assign" in a)?.assign;
        const pool = assign === undefined ? undefined : assignPool(assign);
        sla = { route: route.id, ...(pool === undefined ? {} : { pool }), config: action.sla };
        trace.actions.push({ route: route.id, action: "sla", ...armNote, note: describeSla(action.sla) });
        continue;
      }
      if ("enrich" in action) {
        trace.actions.push({ route: route.id, action: "enrich", ...armNote });
        continue;
      }
      if ("assign" in action) {
        if (trace.owner) {
          trace.actions.push({ route: route.id, action: "assign", ...armNote, note: "owner already decided" });
          continue;
        }
        const poolId = assignPool(action.assign);
        const pool = config.pools.find((p) => p.id === poolId);
        if ("accountOwner" in action.assign) {
          const account = await accountOwnerFor(action.assign.accountOwner, route.id, lead, deps);
          trace.account = account.trace;
          trace.explain.push(account.explain);
          if (account.ownerId) {
            ownerId = account.ownerId;
            if (pool?.fallbackOwnerId) fallbackOwnerId = pool.fallbackOwnerId;
            const record = account.trace.record;
            trace.owner = {
              ownerId,
              sticky: false,
              account: true,
              reason: `${ownerId}, the owner of ${action.assign.accountOwner.destination} record ${record?.id ?? "?"} (matched by ${account.trace.by} ${account.trace.key})`,
            };
            trace.actions.push({ route: route.id, action: "assign", ...armNote });
            continue;
          }
        }
        if (!pool) {
          trace.actions.push({ route: route.id, action: "assign", ...armNote, note: `pool '${poolId}' is not configured` });
          continue;
        }
        const result = await deps.assignOwner(pool, event.id);
        if (!result.ok && result.hold) {
          held = { route: route.id, pool: pool.id, answer: result, before: deliveries.length };
          const reason = describeHold(result);
          trace.owner = { pool: pool.id, sticky: false, held: true, reason };
          trace.hold = {
            pool: pool.id,
            reason: result.reason,
            ...(result.holdUntilMs === undefined ? {} : { until: new Date(result.holdUntilMs).toISOString() }),
          };
          trace.explain.push(`owner: ${reason}`);
          trace.actions.push({ route: route.id, action: "assign", ...armNote, note: "held" });
          continue;
        }
        trace.owner = result.ok
          ? { ownerId: result.ownerId, pool: pool.id, sticky: false, fallback: result.fallback, reason: result.reason }
          : { pool: pool.id, sticky: false, reason: result.reason };
        if (result.ok) ownerId = result.ownerId;
        if (pool.fallbackOwnerId) fallbackOwnerId = pool.fallbackOwnerId;
        trace.explain.push(`owner: ${trace.owner.reason}`);
        trace.actions.push({ route: route.id, action: "assign", ...armNote });
        continue;
      }
      const { kind, destination: target } = deliveryTarget(action);
      const destination = config.destinations.find((d) => d.id === target);
      if (!destination) {
        trace.actions.push({ route: route.id, action: kind, ...armNote, note: `destination '${target}' is not configured` });
        continue;
      }
      const deliveryId = `${event.id}:${index++}`;
      deliveries.push({
        destinationId: destination.id,
        action: kind,
        delivery: {
          deliveryId,
          eventId: event.id,
          sourceId: event.sourceId,
          routeId: route.id,
          lead,
          ...(ownerId ? { ownerId } : {}),
          properties: "upsert" in action ? (action.upsert.properties ?? {}) : {},
        },
      });
      trace.actions.push({ route: route.id, action: kind, ...armNote, destination: destination.id, deliveryId });
    }
  }
  // The owner may be decided by an action after some deliveries were planned.
  for (const planned of deliveries) {
    if (ownerId) planned.delivery.ownerId = ownerId;
    if (ownerId && fallbackOwnerId && fallbackOwnerId !== ownerId) planned.delivery.fallbackOwnerId = fallbackOwnerId;
  }
  const hold: HoldPlan | undefined = held && {
    route: held.route,
    pool: held.pool,
    reason: held.answer.reason,
    ...(held.answer.holdUntilMs === undefined ? {} : { untilMs: held.answer.holdUntilMs }),
    ...(held.answer.holdThen ? { thenOwnerId: held.answer.holdThen.ownerId } : {}),
    deliveries: deliveries.splice(held.before),
  };
  if (sla && hold) {
    trace.explain.push(`SLA: ${describeSla(sla.config)}, from when the held lead gets its owner`);
  } else if (sla && !ownerId) {
    trace.explain.push(`SLA of route ${sla.route}: not started, the lead has no owner`);
    sla = undefined;
  } else if (sla) {
    trace.explain.push(`SLA: ${describeSla(sla.config)} (owner ${ownerId})`);
  }
  const experimentEntry = matched.find((m) => m.arm !== undefined);
  const experiment = experimentEntry?.arm === undefined ? undefined : { route: experimentEntry.route.id, arm: experimentEntry.arm };
  return {
    status: "routed",
    lead,
    match,
    routeId: first.route.id,
    ownerId,
    ...(experiment ? { experiment } : {}),
    deliveries,
    ...(sla ? { sla } : {}),
    ...(hold ? { hold } : {}),
    trace,
  };
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

function describeSla(sla: SlaConfig): string {
  const clock = sla.workingHoursOnly ? " working hours" : "";
  return `${sla.until.replace("_", " ")} within ${sla.within}${clock}, else ${sla.then}${sla.notify ? ` and notify ${sla.notify}` : ""}`;
}

/** Runs one `enrich` action; whatever happens, routing goes on with a valid lead. */
async function runEnrichment(
  config: GatewayConfig,
  source: SourceConfig,
  routeId: string,
  enrichmentId: string,
  lead: Lead,
  deps: DecideDeps,
): Promise<{ lead: Lead; trace: EnrichmentTrace }> {
  const enrichment = config.enrichments.find((e) => e.id === enrichmentId);
  if (!enrichment) {
    return { lead, trace: { route: routeId, enrichment: enrichmentId, outcome: "not_configured", reason: `enrichment '${enrichmentId}' is not configured` } };
  }
  let result: EnrichResult;
  try {
    result = await deps.enrich(enrichment, lead);
  } catch (error) {
    // Lookups report failures as values; this is the net under that promise.
    result = { outcome: "failed", error: error instanceof Error ? error.message : String(error) };
  }
  const base = { route: routeId, enrichment: enrichment.id, outcome: result.outcome, ...(result.key === undefined ? {} : { key: result.key }) };
  if (result.outcome === "failed") return { lead, trace: { ...base, error: result.error } };
  if (result.outcome === "skipped") return { lead, trace: { ...base, reason: result.reason } };
  const merged = mergeFields(lead, result.fields, { overwrite: enrichment.overwrite, defaultRegion: source.defaultRegion });
  return {
    lead: merged.lead,
    trace: {
      ...base,
      merged: merged.merged,
      ...(merged.kept.length ? { kept: merged.kept } : {}),
      ...(merged.warnings.length ? { reason: merged.warnings.join("; ") } : {}),
    },
  };
}

function describeEnrichment(step: EnrichmentTrace): string {
  const what = `enrichment ${step.enrichment}${step.key ? ` (${step.key})` : ""}`;
  switch (step.outcome) {
    case "fetched":
    case "cached":
      return `${what}: ${step.outcome === "cached" ? "from the cache" : "looked up"}, ${step.merged?.length ? `set ${step.merged.join(", ")}` : "nothing new"}`;
    case "skipped":
    case "not_configured":
      return `${what}: skipped — ${step.reason ?? "no reason given"}`;
    case "failed":
      return `${what}: failed — ${step.error ?? "unknown error"}; routing went on without it`;
  }
}
