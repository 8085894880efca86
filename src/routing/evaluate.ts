import type { RouteConfig } from "../config/schema";
import type { Lead } from "../lead/schema";
import { evaluateCondition } from "./conditions";
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
    const step = stoppedBy === undefined ? tryRoute(route, lead, sourceId) : skippedAfter(route, stoppedBy);
    trace.push(step);
    if (step.status === "matched") {
      matched.push(route);
      if (!step.continue) stoppedBy = route.id;
    }
  }
  return { matched, trace };
}

/** One route against one lead: matched, not matched, or skipped for another source. */
export function tryRoute(route: RouteConfig, lead: Lead, sourceId: string): RouteTrace {
  if (route.sources && !route.sources.includes(sourceId)) {
    return { route: route.id, status: "skipped", reason: "other_source", sources: [...route.sources] };
  }
  const condition = safeEvaluate(route, lead);
  if (!condition.result) return { route: route.id, status: "not_matched", condition };
  return { route: route.id, status: "matched", continue: route.continue === true, condition };
}

/** A route not tried because `matchedRoute` matched before it without `continue`. */
export function skippedAfter(route: RouteConfig, matchedRoute: string): RouteTrace {
  return { route: route.id, status: "skipped", reason: "earlier_match", matchedRoute };
}

/** Conditions do not throw by design; this keeps one odd route from stopping the rest. */
function safeEvaluate(route: RouteConfig, lead: Lead): ConditionTrace {
  try {
    return evaluateCondition(route.when, lead);
  } catch (error) {
    return { kind: "invalid", result: false, error: error instanceof Error ? error.message : String(error) };
  }
}
