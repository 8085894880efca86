import type { PresentedSla } from "../../admin/present";
import type { AccountTrace } from "../../routing/account-owner";
import type { DecisionTrace, EnrichmentTrace } from "../../routing/decision";
import { decidingLeaves, type RouteTrace } from "../../routing/trace";
import { ConditionTree } from "./condition-tree";
import { SlaStory } from "./sla-story";
import { StatusBadge } from "./status-badge";

/** What the story shows of a planned delivery once it exists (event detail; not in a simulation). */
export interface DeliveryState {
  status: string;
  attempts: number;
}

/** A stored or simulated trace, if it has the shape of one (older rows or hand edits may not). */
export function asDecisionTrace(value: unknown): DecisionTrace | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (!("routes" in value && Array.isArray(value.routes)) || !("actions" in value && Array.isArray(value.actions))) return undefined;
  if (!("mapping" in value) || typeof value.mapping !== "object" || value.mapping === null) return undefined;
  return value as DecisionTrace;
}

/** The account-owner lookup in words: which record matched and how, or why the fallback pool assigned. */
function accountText(account: AccountTrace): string {
  const record = account.record;
  switch (account.outcome) {
    case "matched": {
      const what = `${account.destination} record ${record?.id ?? "?"}${record?.name ? ` (${record.name})` : ""}, matched by ${account.by} ${account.key}${account.cached ? " (from the cache)" : ""}`;
      if (account.assigned === "owner") return `${what}: its owner ${record?.ownerId ?? "?"} takes the lead.`;
      if (account.ownerUnavailable) return `${what}: its owner ${record?.ownerId ?? "?"} is ${account.ownerUnavailable}, so the fallback pool assigns.`;
      return `${what}: it has no owner, so the fallback pool assigns.`;
    }
    case "no_match": {
      const tried = (account.tried ?? []).map(
        (t) =>
          `${t.by} ${t.key}${t.found === "not_cached" ? " (not in the cache; a simulation searches nothing)" : t.found === "none_cached" ? " (cached)" : ""}`,
      );
      return `no ${account.destination} record for ${tried.join(" or ")}: the fallback pool assigns.`;
    }
    case "failed":
      return `the search failed (${account.error ?? "unknown error"}): the fallback pool assigns.`;
    case "skipped":
      return `not looked up: ${account.reason ?? "no reason given"}; the fallback pool assigns.`;
  }
}

function enrichmentText(step: EnrichmentTrace): string {
  switch (step.outcome) {
    case "fetched":
    case "cached": {
      const source = step.outcome === "cached" ? "answered from the cache" : "looked up";
      const set = step.merged?.length ? `set ${step.merged.join(", ")}` : "nothing new to set";
      const kept = step.kept?.length ? `; kept the lead's own ${step.kept.join(", ")}` : "";
      return `${source}, ${set}${kept}.`;
    }
    case "failed":
      return `failed (${step.error ?? "unknown error"}); routing went on without it.`;
    default:
      return `skipped: ${step.reason ?? "no reason given"}.`;
  }
}

function reasons(route: Extract<RouteTrace, { condition: unknown }>): string {
  const leaves = decidingLeaves(route.condition);
  return leaves.length > 4 ? `${leaves.slice(0, 4).join(", ")}, and ${leaves.length - 4} more` : leaves.join(", ");
}

function RouteLine({ route }: { route: RouteTrace }) {
  switch (route.status) {
    case "matched":
      return (
        <li class="matched">
          <span class="verdict yes">
            <span aria-hidden="true">✔ </span>Route {route.route} matched
          </span>{" "}
          {route.condition.kind === "always" ? "because it takes every lead" : `because ${reasons(route)}`}
          {route.continue ? " — it says continue, so later routes were tried too." : "."}
          <details open>
            <summary>Condition, leaf by leaf</summary>
            <ConditionTree node={route.condition} />
          </details>
        </li>
      );
    case "not_matched":
      return (
        <li class="not_matched">
          <span class="verdict no">
            <span aria-hidden="true">✘ </span>Route {route.route} did not match
          </span>
          : {reasons(route)}.
          <details>
            <summary>Condition, leaf by leaf</summary>
            <ConditionTree node={route.condition} />
          </details>
        </li>
      );
    case "skipped":
      return (
        <li class="skipped">
          <span class="verdict">
            <span aria-hidden="true">– </span>Route {route.route} not tried
          </span>
          :{" "}
          {route.reason === "other_source"
            ? `it only takes leads from ${route.sources.join(", ") || "no source"}.`
            : `route ${route.matchedRoute} matched first.`}
        </li>
      );
  }
}

/**
 * The decision trace told in order: mapping, the earlier lead it matched, every route
 * tried and the condition that decided it, the owner and why, then each action with
 * what became of its delivery, and the SLA the route holds the owner to (event detail).
 */
export function TraceStory({ trace, deliveries, sla }: { trace: DecisionTrace; deliveries?: ReadonlyMap<string, DeliveryState>; sla?: PresentedSla | null }) {
  const matched = trace.routes.filter((r) => r.status === "matched");
  const decider = matched[0];
  return (
    <ol class="story">
      <li>
        <h3>The payload became a lead</h3>
        {trace.mapping.ok ? (
          <>
            <p>The source's mapping produced a valid lead.</p>
            {trace.mapping.warnings.length > 0 ? (
              <>
                <p>With warnings:</p>
                <ul>
                  {trace.mapping.warnings.map((w) => (
                    <li>{w}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </>
        ) : (
          <p class="error">It could not: {trace.mapping.reason ?? "the mapping failed"}. Nothing was routed.</p>
        )}
      </li>
      {trace.mapping.ok ? (
        <>
          <li>
            <h3>Earlier leads</h3>
            <p>
              {trace.match
                ? `It matches an earlier lead (${trace.match.leadId}) by ${trace.match.by}; that lead's owner is ${trace.match.ownerId ?? "nobody yet"}.`
                : "No earlier lead has this email, phone or company domain: it is a new lead."}
            </p>
          </li>
          <li>
            <h3>Routes, in order</h3>
            {trace.routes.length === 0 ? (
              <p>No route applies: none is configured.</p>
            ) : (
              <ul class="routes">
                {trace.routes.map((route) => (
                  <RouteLine route={route} />
                ))}
              </ul>
            )}
            <p>
              <strong>
                {decider
                  ? `Route ${decider.route} decided where the lead goes${
                      matched.length > 1
                        ? `, with ${matched
                            .slice(1)
                            .map((r) => r.route)
                            .join(", ")} after it`
                        : ""
                    }.`
                  : "No route matched: the event is unmatched and goes nowhere."}
              </strong>
            </p>
          </li>
          {trace.enrichments?.length ? (
            <li>
              <h3>Enrichment</h3>
              <ul>
                {trace.enrichments.map((step) => (
                  <li>
                    <span class="mono">{step.enrichment}</span>
                    {step.key ? ` for ${step.key}` : ""} (route {step.route}): {enrichmentText(step)}
                  </li>
                ))}
              </ul>
            </li>
          ) : null}
          {trace.experiments?.length ? (
            <li>
              <h3>Experiment</h3>
              <ul>
                {trace.experiments.map((experiment) => (
                  <li>
                    Route {experiment.route} splits its leads: this one landed in arm <strong>{experiment.arm}</strong> (its {experiment.by} falls in bucket{" "}
                    {experiment.bucket} of {experiment.total}; weights{" "}
                    {Object.entries(experiment.weights)
                      .map(([arm, weight]) => `${arm} ${weight}`)
                      .join(", ")}
                    ). The same {experiment.by} always lands in the same arm.
                  </li>
                ))}
              </ul>
            </li>
          ) : null}
          {trace.account ? (
            <li>
              <h3>Account</h3>
              <p>{accountText(trace.account)}</p>
            </li>
          ) : null}
          {decider ? (
            <li>
              <h3>Owner</h3>
              <p>
                {trace.owner
                  ? trace.owner.ownerId
                    ? trace.owner.sticky
                      ? `Owner ${trace.owner.ownerId}, kept from the earlier lead: ${trace.owner.reason}.`
                      : trace.owner.account
                        ? `Owner ${trace.owner.ownerId}, the account's owner: ${trace.owner.reason}.`
                        : `Owner ${trace.owner.ownerId}${trace.owner.pool ? ` from pool ${trace.owner.pool}` : ""}${trace.owner.fallback ? " (the pool's fallback owner)" : ""}: ${trace.owner.reason}.`
                    : trace.owner.held
                      ? `Held by pool ${trace.owner.pool ?? ""}: ${trace.owner.reason}. The assign and the actions after it wait for the owner.`
                      : `No owner${trace.owner.pool ? ` from pool ${trace.owner.pool}` : ""}: ${trace.owner.reason}.`
                  : "No owner: the matched routes assign none."}
              </p>
              {trace.hold?.releasedAt ? (
                <p>
                  Held from the decision until {trace.hold.releasedAt}, then given to {trace.hold.ownerId ?? "no owner"}; the waiting actions ran then.
                </p>
              ) : null}
              {(trace.deliveryNotes ?? []).map((note) => (
                <p class="warning">
                  At {note.destinationId} ({note.deliveryId}): {note.note}
                </p>
              ))}
            </li>
          ) : null}
          {decider ? (
            <li>
              <h3>Actions</h3>
              {trace.actions.length === 0 ? (
                <p>The route has no actions.</p>
              ) : (
                <ul>
                  {trace.actions.map((action) => {
                    const state = action.deliveryId ? deliveries?.get(action.deliveryId) : undefined;
                    return (
                      <li>
                        <span class="mono">{action.action}</span>
                        {action.destination ? ` → ${action.destination}` : ""} (route {action.route}
                        {action.arm ? `, arm ${action.arm}` : ""}){action.note ? ` — ${action.note}` : ""}
                        {state ? (
                          <>
                            {" "}
                            <StatusBadge status={state.status} /> after {state.attempts} attempt{state.attempts === 1 ? "" : "s"}
                          </>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              )}
            </li>
          ) : null}
          {decider && sla ? (
            <li>
              <h3>SLA</h3>
              <SlaStory sla={sla} />
            </li>
          ) : null}
        </>
      ) : null}
    </ol>
  );
}
