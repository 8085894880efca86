import type { AssignResult } from "../assign/owner-pool";
import type { Action, GatewayConfig, PoolConfig, SourceConfig } from "../config/schema";
import type { LeadDelivery } from "../connectors/types";
import type { LeadMatch } from "../db/leads";
import { evaluateRoutes, explain } from "./evaluate";
import type { Lead } from "./lead";
import { mapLead } from "./mapping";
import { type MatchKeys, matchKeys } from "./normalize";
import type { RouteTrace } from "./trace";

/** What deciding needs from the outside world; the simulator passes side-effect-free versions. */
export interface DecideDeps {
  findLead(keys: MatchKeys): Promise<LeadMatch | undefined>;
  /** The consumer assigns for real (idempotent per event); the simulator only previews. */
  assignOwner(pool: PoolConfig, eventId: string): Promise<AssignResult>;
}

export type ActionKind = "upsert" | "notify" | "forward";

export interface PlannedDelivery {
  destinationId: string;
  action: ActionKind;
  delivery: LeadDelivery;
}

/** Why the lead went where it went; stored with the event and returned by the admin API. */
export interface DecisionTrace {
  mapping: { ok: boolean; warnings: string[]; reason?: string };
  match?: { by: LeadMatch["by"]; leadId: string; ownerId: string | null };
  routes: RouteTrace[];
  owner?: { ownerId?: string; reason: string; pool?: string; sticky: boolean; fallback?: boolean };
  actions: { route: string; action: string; destination?: string; deliveryId?: string; note?: string }[];
  explain: string[];
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
      deliveries: PlannedDelivery[];
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

type DeliveryAction = Exclude<Action, { assign: unknown }>;

function deliveryTarget(action: DeliveryAction): { kind: ActionKind; destination: string } {
  if ("upsert" in action) return { kind: "upsert", destination: action.upsert.destination };
  if ("notify" in action) return { kind: "notify", destination: action.notify.destination };
  return { kind: "forward", destination: action.forward.destination };
}

/**
 * Decides where one event's lead goes: map → match an earlier lead → evaluate
 * routes → owner (sticky, else the first `assign` of the matched routes) → the
 * deliveries, each with a stable id `<eventId>:<n>` so deciding twice plans the
 * same deliveries.
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
  const lead = mapped.lead;
  const trace: DecisionTrace = { mapping: { ok: true, warnings: mapped.warnings }, routes: [], actions: [], explain: [] };

  const match = await deps.findLead(matchKeys(lead));
  if (match) {
    trace.match = { by: match.by, leadId: match.lead.id, ownerId: match.lead.ownerId };
    trace.explain.push(`matched an earlier lead by ${match.by} (owner ${match.lead.ownerId ?? "none"})`);
  }

  const evaluation = evaluateRoutes(config.routes, lead, event.sourceId);
  trace.routes = evaluation.trace;
  trace.explain.push(...explain(evaluation.trace));
  const [firstRoute] = evaluation.matched;
  if (!firstRoute) return { status: "unmatched", lead, match, trace };

  let ownerId = match?.lead.ownerId ?? undefined;
  if (ownerId) {
    trace.owner = { ownerId, sticky: true, reason: `kept ${ownerId}, the owner of the lead matched by ${match?.by}` };
  }

  const deliveries: PlannedDelivery[] = [];
  let index = 0;
  for (const route of evaluation.matched) {
    for (const action of route.actions) {
      if ("assign" in action) {
        if (trace.owner) {
          trace.actions.push({ route: route.id, action: "assign", note: "owner already decided" });
          continue;
        }
        const pool = config.pools.find((p) => p.id === action.assign.pool);
        if (!pool) {
          trace.actions.push({ route: route.id, action: "assign", note: `pool '${action.assign.pool}' is not configured` });
          continue;
        }
        const result = await deps.assignOwner(pool, event.id);
        trace.owner = result.ok
          ? { ownerId: result.ownerId, pool: pool.id, sticky: false, fallback: result.fallback, reason: result.reason }
          : { pool: pool.id, sticky: false, reason: result.reason };
        if (result.ok) ownerId = result.ownerId;
        trace.explain.push(`owner: ${trace.owner.reason}`);
        trace.actions.push({ route: route.id, action: "assign" });
        continue;
      }
      const { kind, destination: target } = deliveryTarget(action);
      const destination = config.destinations.find((d) => d.id === target);
      if (!destination) {
        trace.actions.push({ route: route.id, action: kind, note: `destination '${target}' is not configured` });
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
      trace.actions.push({ route: route.id, action: kind, destination: destination.id, deliveryId });
    }
  }
  // The owner may be decided by an action after some deliveries were planned.
  for (const planned of deliveries) if (ownerId) planned.delivery.ownerId = ownerId;
  return { status: "routed", lead, match, routeId: firstRoute.id, ownerId, deliveries, trace };
}
