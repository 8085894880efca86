import { type Action, assignPool, type GatewayConfig, type SlaConfig } from "../config/schema";
import type { Lead } from "../lead/schema";
import { armNote, type RouteAction } from "./actions";
import type { ActionKind, DecisionTrace, HoldPlan, PlannedDelivery, SlaPlan } from "./decision";
import { assignEntry, type OwnerDecision } from "./owner";

type DeliveryAction = Exclude<Action, { assign: unknown } | { enrich: unknown } | { sla: unknown }>;

function deliveryTarget(action: DeliveryAction): { kind: ActionKind; destination: string } {
  if ("upsert" in action) return { kind: "upsert", destination: action.upsert.destination };
  if ("notify" in action) return { kind: "notify", destination: action.notify.destination };
  return { kind: "forward", destination: action.forward.destination };
}

export interface ActionPlan {
  /** What runs now: with a hold, only the deliveries planned before the holding `assign`. */
  deliveries: PlannedDelivery[];
  sla?: SlaPlan;
  hold?: HoldPlan;
}

/**
 * The deliveries, the SLA and the hold of a routed lead, once its owner is known:
 * each delivery action to a configured destination becomes a delivery with a stable
 * id `<eventId>:<n>` (deciding twice plans the same deliveries), carrying the lead
 * as enriched and its owner; the first `sla` applies. Writes `trace.actions`, one
 * entry per action in order.
 */
export function planActions(
  config: GatewayConfig,
  event: { id: string; sourceId: string },
  lead: Lead,
  steps: readonly RouteAction[],
  owner: OwnerDecision,
  trace: DecisionTrace,
): ActionPlan {
  const { ownerId, fallbackOwnerId } = owner;
  const deliveries: PlannedDelivery[] = [];
  let sla: SlaPlan | undefined;
  /** How many deliveries were planned before the holding `assign` (those run now). */
  let beforeHold = 0;
  for (const [at, step] of steps.entries()) {
    const { route, action } = step;
    if (owner.held?.at === at) beforeHold = deliveries.length;
    if ("sla" in action) {
      if (sla) {
        trace.actions.push({ route: route.id, action: "sla", ...armNote(step), note: `the SLA of route ${sla.route} applies` });
        continue;
      }
      const assign = step.actions.find((a): a is Extract<Action, { assign: unknown }> => "assign" in a)?.assign;
      const pool = assign === undefined ? undefined : assignPool(assign);
      sla = { route: route.id, ...(pool === undefined ? {} : { pool }), config: action.sla };
      trace.actions.push({ route: route.id, action: "sla", ...armNote(step), note: describeSla(action.sla) });
      continue;
    }
    if ("enrich" in action) {
      trace.actions.push({ route: route.id, action: "enrich", ...armNote(step) });
      continue;
    }
    if ("assign" in action) {
      trace.actions.push(assignEntry(step, owner.notes.get(at)));
      continue;
    }
    const { kind, destination: target } = deliveryTarget(action);
    const destination = config.destinations.find((d) => d.id === target);
    if (!destination) {
      trace.actions.push({ route: route.id, action: kind, ...armNote(step), note: `destination '${target}' is not configured` });
      continue;
    }
    const deliveryId = `${event.id}:${deliveries.length}`;
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
        ...(ownerId && fallbackOwnerId && fallbackOwnerId !== ownerId ? { fallbackOwnerId } : {}),
      },
    });
    trace.actions.push({ route: route.id, action: kind, ...armNote(step), destination: destination.id, deliveryId });
  }
  const held = owner.held;
  const hold: HoldPlan | undefined = held && {
    route: held.route,
    pool: held.pool,
    reason: held.answer.reason,
    ...(held.answer.holdUntilMs === undefined ? {} : { untilMs: held.answer.holdUntilMs }),
    ...(held.answer.holdThen ? { thenOwnerId: held.answer.holdThen.ownerId } : {}),
    deliveries: deliveries.splice(beforeHold),
  };
  if (sla && hold) {
    trace.explain.push(`SLA: ${describeSla(sla.config)}, from when the held lead gets its owner`);
  } else if (sla && !ownerId) {
    trace.explain.push(`SLA of route ${sla.route}: not started, the lead has no owner`);
    sla = undefined;
  } else if (sla) {
    trace.explain.push(`SLA: ${describeSla(sla.config)} (owner ${ownerId})`);
  }
  return { deliveries, ...(sla ? { sla } : {}), ...(hold ? { hold } : {}) };
}

function describeSla(sla: SlaConfig): string {
  const clock = sla.workingHoursOnly ? " working hours" : "";
  return `${sla.until.replace("_", " ")} within ${sla.within}${clock}, else ${sla.then}${sla.notify ? ` and notify ${sla.notify}` : ""}`;
}
