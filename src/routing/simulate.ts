import { availabilityOf, poolAvailability } from "../assign/availability";
import { nextAvailableAt } from "../assign/next-available";
import { type ConfigEnv, readCurrentConfig } from "../config/store";
import type { DestinationAction } from "../connectors/connector";
import { createDb } from "../db/client";
import { findMatchingLead } from "../db/leads";
import { runtimeAwayAfter } from "../db/owner-away";
import { createAccountFinder } from "../enrich/account-owner";
import { createEnricher } from "../enrich/lookup";
import { GatewayError } from "../errors";
import { parseBody } from "../ingest/parse-body";
import type { Lead } from "../lead/schema";
import { newId } from "../lib/ids";
import { verifiers } from "../verify/registry";
import { type DecideDeps, decide } from "./decide";
import type { DecisionTrace, PlannedDelivery } from "./decision";

/** A request the simulation cannot run, as `validation_failed` problems with pointers into the input. */
function invalidInput(problems: { pointer: string; message: string }[]): GatewayError {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return new GatewayError("validation_failed", `The request has ${count}; see \`problems\`.`, undefined, { problems });
}

const encoder = new TextEncoder();

/** What a simulation takes (POST /admin/v1/simulate's body, the console's Simulate form). */
export interface SimulateInput {
  source: string;
  payload?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** ISO 8601: the moment owners' hours, time away and caps are taken at. */
  at?: string;
}

/** What a simulation answers; docs/admin-api.md and the OpenAPI schema describe each field. */
export interface Simulation {
  simulated: true;
  source: { id: string; provider: string; enabled: boolean };
  configVersion: number;
  at: string;
  verification?: { ok: boolean; code?: string; detail?: string; secretIndex?: number };
  status: "routed" | "held" | "unmatched" | "invalid";
  reason?: string;
  lead?: Lead;
  routeId?: string;
  ownerId?: string;
  experiment?: { route: string; arm: string };
  hold?: { pool: string; until?: string; ownerId?: string; reason: string };
  trace: DecisionTrace;
  actions: {
    routeId: string;
    action: DestinationAction;
    destinationId: string;
    destinationType: string;
    ownerId?: string;
    properties: Record<string, unknown>;
  }[];
}

/** The bindings a simulation reads (configuration, D1, owner pools, lookup caches). */
export type SimulateEnv = Env & ConfigEnv & Parameters<typeof createEnricher>[0] & Parameters<typeof createAccountFinder>[0];

/**
 * What would happen to a payload, with no side effects: the admin API and the
 * console's Simulate page both call it. Maps the payload, matches earlier leads
 * (read-only, the one ranking of src/lead/match.ts), decides with `decide` (the
 * routing consumer's path), previews the owner pool without advancing it and reads
 * lookups from the cache only. `requestUrl` gives the URL a signature is checked
 * against when the source has no `publicUrl`.
 */
export async function simulate(env: SimulateEnv, input: SimulateInput, requestUrl: string): Promise<Simulation> {
  if (input.payload === undefined && input.rawBody === undefined) {
    throw invalidInput([{ pointer: "/payload", message: "give payload or rawBody" }]);
  }
  // The stored configuration, not the isolate's cached copy: simulate right after a write sees it.
  const config = await readCurrentConfig(env);
  const source = config?.document.sources.find((s) => s.id === input.source);
  if (!config || !source) throw new GatewayError("source_not_found", `No source has the id '${input.source}'.`);
  if (source.kind === "outcomes") {
    // Outcome reports are linked to earlier leads, not routed: there is no decision to show.
    throw invalidInput([{ pointer: "/source", message: `'${source.id}' reports outcomes; simulate a lead source` }]);
  }

  const verifier = verifiers[source.provider];
  const raw = encoder.encode(input.rawBody ?? JSON.stringify(input.payload));
  const headers = new Headers(input.headers ?? {});
  let payload = input.payload;
  if (payload === undefined) {
    const parsed = parseBody(raw, headers.get("content-type"), verifier.bodyFormat);
    payload = parsed.kind === "opaque" ? { body: input.rawBody } : parsed.value;
  }

  let verification: Simulation["verification"];
  if (input.headers) {
    const outcome = await verifier.verify({
      rawBody: raw,
      headers,
      url: source.publicUrl ?? new URL(`/in/${source.id}`, requestUrl).toString(),
      method: "POST",
      source,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    verification = outcome.ok
      ? { ok: true, ...(outcome.secretIndex !== undefined ? { secretIndex: outcome.secretIndex } : {}) }
      : { ok: false, code: outcome.code, detail: outcome.detail };
  }

  const db = createDb(env.DB);
  const nowMs = input.at === undefined ? Date.now() : Date.parse(input.at);
  const away = config.document.pools.length > 0 ? await runtimeAwayAfter(db, nowMs) : [];
  const cacheOnly = { writeCache: false, callLookups: false, destinations: config.document.destinations };
  const deps: DecideDeps = {
    findLead: (keys) => findMatchingLead(db, keys),
    // preview() reads the rotation and the day's counts and changes nothing.
    assignOwner: async (pool) => {
      const preview = (atMs: number) =>
        env.OWNER_POOL.getByName(pool.id).preview({ pool, nowMs: atMs, availability: poolAvailability(pool, config.document.owners, away, atMs) });
      const result = await preview(nowMs);
      if (result.ok || !result.hold) return result;
      // Held: who would take the lead at the first moment a member is available.
      const holdUntilMs = nextAvailableAt(pool, config.document.owners, away, nowMs);
      if (holdUntilMs === undefined) return result;
      const then = await preview(holdUntilMs);
      return { ...result, holdUntilMs, ...(then.ok ? { holdThen: { ownerId: then.ownerId, reason: then.reason } } : {}) };
    },
    enrich: createEnricher(env, cacheOnly),
    accountOwner: createAccountFinder(env, cacheOnly),
    ownerUnavailable: (ownerId) => availabilityOf([ownerId], config.document.owners, away, nowMs, { workingHours: true }).unavailable[ownerId],
  };
  const decision = await decide(config.document, source, { id: newId("evt"), sourceId: source.id }, payload, deps);
  const types = new Map(config.document.destinations.map((d) => [d.id, d.type]));
  return {
    simulated: true as const,
    source: { id: source.id, provider: source.provider, enabled: source.enabled },
    configVersion: config.version,
    at: new Date(nowMs).toISOString(),
    ...(verification ? { verification } : {}),
    status: decision.status === "routed" && decision.hold ? "held" : decision.status,
    ...(decision.status === "invalid" ? { reason: decision.reason } : { lead: decision.lead }),
    ...(decision.status === "routed"
      ? {
          routeId: decision.routeId,
          ...(decision.ownerId ? { ownerId: decision.ownerId } : {}),
          ...(decision.hold?.thenOwnerId ? { ownerId: decision.hold.thenOwnerId } : {}),
          ...(decision.experiment ? { experiment: decision.experiment } : {}),
          ...(decision.hold
            ? {
                hold: {
                  pool: decision.hold.pool,
                  reason: decision.hold.reason,
                  ...(decision.hold.untilMs === undefined ? {} : { until: new Date(decision.hold.untilMs).toISOString() }),
                  ...(decision.hold.thenOwnerId ? { ownerId: decision.hold.thenOwnerId } : {}),
                },
              }
            : {}),
        }
      : {}),
    trace: decision.trace,
    actions:
      decision.status === "routed"
        ? [...decision.deliveries, ...(decision.hold?.deliveries ?? []).map((d) => withOwner(d, decision.hold?.thenOwnerId))].map((d) => ({
            routeId: d.delivery.routeId,
            action: d.action,
            destinationId: d.destinationId,
            destinationType: types.get(d.destinationId) ?? "unknown",
            ...(d.delivery.ownerId ? { ownerId: d.delivery.ownerId } : {}),
            properties: d.delivery.properties,
          }))
        : [],
  };
}

/** A held delivery as it would run: with the owner who takes the lead then. */
function withOwner(planned: PlannedDelivery, ownerId: string | undefined): PlannedDelivery {
  return ownerId ? { ...planned, delivery: { ...planned.delivery, ownerId } } : planned;
}
