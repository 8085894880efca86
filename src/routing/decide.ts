import type { GatewayConfig, RouteConfig, SourceConfig } from "../config/schema";
import type { Enrich } from "../enrich/types";
import { mapLead } from "../lead/mapping";
import type { LeadMatch, MatchKeys } from "../lead/match";
import { matchKeys } from "../lead/match";
import type { Lead } from "../lead/schema";
import type { RouteAction } from "./actions";
import { fitDecision } from "./budget";
import { type Decision, type DecisionTrace, invalidDecision } from "./decision";
import { describeEnrichment, runEnrichment } from "./enrichment";
import { evaluateRoutes } from "./evaluate";
import { decideOwner, type OwnerDeps } from "./owner";
import { planActions } from "./plan";
import { pickArm } from "./split";
import { explainRoute, type RouteTrace } from "./trace";

/** What deciding needs from the outside world; the simulator passes side-effect-free versions. */
export interface DecideDeps extends OwnerDeps {
  findLead(keys: MatchKeys): Promise<LeadMatch | undefined>;
  /** The consumer looks up and caches; the simulator reads the cache only. */
  enrich: Enrich;
}

/**
 * Decides where one event's lead goes: map, then `decideLead`.
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
 * Decides where one mapped lead goes, in steps: match an earlier lead → the route
 * loop (`evaluateRoutes`; a matched route's `enrich` actions run at once, so later
 * routes see the new fields; a `split` picks the lead's arm) → the owner (owner.ts:
 * sticky, else the first `assign` of the matched routes) → the deliveries, SLA and
 * hold (plan.ts). The routing consumer maps a whole batch first, so that it can look
 * up every earlier lead of the batch in one query and decide leads that share an
 * email, phone or domain one after the other. The decision fits the storage budgets
 * (budget.ts): one oversized lead cannot fail a batch's write.
 */
export async function decideLead(
  config: GatewayConfig,
  source: SourceConfig,
  event: { id: string; sourceId: string },
  mapped: { lead: Lead; warnings: string[] },
  deps: DecideDeps,
): Promise<Decision> {
  const trace: DecisionTrace = { mapping: { ok: true, warnings: mapped.warnings }, routes: [], actions: [], explain: [] };

  const match = await deps.findLead(matchKeys(mapped.lead));
  if (match) {
    trace.match = { by: match.by, leadId: match.lead.id, ownerId: match.lead.ownerId };
    trace.explain.push(`matched an earlier lead by ${match.by} (owner ${match.lead.ownerId ?? "none"})`);
  }

  const steps: RouteAction[] = [];
  /** The first experiment the lead went through. */
  let experiment: { route: string; arm: string } | undefined;
  // Synchronous for the routes that did not match: a configuration may have thousands.
  const afterRoute = (step: RouteTrace, route: RouteConfig, lead: Lead): Promise<Lead> | undefined => {
    trace.explain.push(explainRoute(step));
    return step.status === "matched" ? onMatch(route, lead) : undefined;
  };
  const onMatch = async (route: RouteConfig, lead: Lead): Promise<Lead> => {
    const actions = [...route.actions];
    let arm: string | undefined;
    if (route.split) {
      const choice = pickArm(route.id, route.split, lead, event.id);
      arm = choice.arm;
      actions.push(...(route.split.find((a) => a.arm === choice.arm)?.actions ?? []));
      experiment ??= { route: route.id, arm: choice.arm };
      const weights = Object.fromEntries(route.split.map((a) => [a.arm, a.weight]));
      (trace.experiments ??= []).push({ route: route.id, ...choice, weights });
      trace.explain.push(`experiment ${route.id}: arm ${choice.arm} (by ${choice.by}, bucket ${choice.bucket} of ${choice.total})`);
    }
    for (const action of actions) steps.push({ route, ...(arm === undefined ? {} : { arm }), actions, action });
    let enriched = lead;
    for (const action of actions) {
      if (!("enrich" in action)) continue;
      const ran = await runEnrichment(config, source, route.id, action.enrich.enrichment, enriched, deps);
      enriched = ran.lead;
      (trace.enrichments ??= []).push(ran.trace);
      trace.explain.push(describeEnrichment(ran.trace));
    }
    return enriched;
  };
  const routing = await evaluateRoutes(config.routes, mapped.lead, event.sourceId, afterRoute);
  trace.routes = routing.trace;
  const lead = routing.lead;
  const [first] = routing.matched;
  if (!first) {
    trace.explain.push("no route matched");
    return fitDecision({ status: "unmatched", lead, match, trace });
  }

  const owner = await decideOwner(config, event.id, lead, match, steps, deps, trace);
  const plan = planActions(config, event, lead, steps, owner, trace);
  return fitDecision({
    status: "routed",
    lead,
    match,
    routeId: first.id,
    ownerId: owner.ownerId,
    ...(experiment ? { experiment } : {}),
    ...plan,
    trace,
  });
}
