import type { RouteConfig } from "../config/schema";
import { evaluateCondition } from "./conditions";
import type { Lead } from "./lead";
import type { ConditionTrace, RouteTrace } from "./trace";

export { explain } from "./trace";

export interface RoutingResult {
  /** Matched routes in configuration order; their actions run in this order. */
  matched: RouteConfig[];
  /** One entry per configured route, in order. */
  trace: RouteTrace[];
}

/**
 * Tries routes in order. A route with `sources` applies only to leads from those
 * sources (an empty list applies to none). The first match wins; a matched route
 * with `continue: true` lets later routes be tried too. Routes after the decisive
 * match are traced as skipped, so the trace always lists every route.
 */
export function evaluateRoutes(routes: readonly RouteConfig[], lead: Lead, sourceId: string): RoutingResult {
  const matched: RouteConfig[] = [];
  const trace: RouteTrace[] = [];
  let stoppedBy: string | undefined;
  for (const route of routes) {
    if (stoppedBy !== undefined) {
      trace.push({ route: route.id, status: "skipped", reason: "earlier_match", matchedRoute: stoppedBy });
    } else if (route.sources && !route.sources.includes(sourceId)) {
      trace.push({ route: route.id, status: "skipped", reason: "other_source", sources: [...route.sources] });
    } else {
      const condition = safeEvaluate(route, lead);
      if (!condition.result) trace.push({ route: route.id, status: "not_matched", condition });
      else {
        const goOn = route.continue === true;
        matched.push(route);
        trace.push({ route: route.id, status: "matched", continue: goOn, condition });
        if (!goOn) stoppedBy = route.id;
      }
    }
  }
  return { matched, trace };
}

/** Conditions do not throw by design; this keeps one odd route from stopping the rest. */
function safeEvaluate(route: RouteConfig, lead: Lead): ConditionTrace {
  try {
    return evaluateCondition(route.when, lead);
  } catch (error) {
    return { kind: "invalid", result: false, error: error instanceof Error ? error.message : String(error) };
  }
}
