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
  /** The lead as the last route saw it (`afterRoute` may change it). */
  lead: Lead;
}

/**
 * Called after each route is tried, with its trace step. A matched route may
 * return a new lead for the routes after it: `decide` runs its `enrich` actions
 * there, so later routes see the new fields.
 */
export type AfterRoute = (step: RouteTrace, route: RouteConfig, lead: Lead) => Promise<Lead | undefined> | Lead | undefined;

/**
 * The route loop, the only one (`decide` runs it): tries routes in order. A route
 * with `sources` applies only to leads from those sources (an empty list applies to
 * none). The first match wins; a matched route with `continue: true` lets later
 * routes be tried too. Routes after the decisive match are traced as skipped, so
 * the trace always lists every route. docs/routing.md describes the rules.
 */
export async function evaluateRoutes(routes: readonly RouteConfig[], lead: Lead, sourceId: string, afterRoute?: AfterRoute): Promise<RoutingResult> {
  const matched: RouteConfig[] = [];
  const trace: RouteTrace[] = [];
  let current = lead;
  let stoppedBy: string | undefined;
  for (const route of routes) {
    const step = stoppedBy === undefined ? tryRoute(route, current, sourceId) : skippedAfter(route, stoppedBy);
    trace.push(step);
    if (step.status === "matched") {
      matched.push(route);
      if (!step.continue) stoppedBy = route.id;
    }
    const next = afterRoute?.(step, route, current);
    const changed = next instanceof Promise ? await next : next;
    if (changed) current = changed;
  }
  return { matched, trace, lead: current };
}

/** One route against one lead: matched, not matched, or skipped for another source. */
function tryRoute(route: RouteConfig, lead: Lead, sourceId: string): RouteTrace {
  if (route.sources && !route.sources.includes(sourceId)) {
    return { route: route.id, status: "skipped", reason: "other_source", sources: [...route.sources] };
  }
  const condition = safeEvaluate(route, lead);
  if (!condition.result) return { route: route.id, status: "not_matched", condition };
  return { route: route.id, status: "matched", continue: route.continue === true, condition };
}

/** A route not tried because `matchedRoute` matched before it without `continue`. */
function skippedAfter(route: RouteConfig, matchedRoute: string): RouteTrace {
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
