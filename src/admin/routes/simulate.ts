import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { availabilityOf, poolAvailability } from "../../assign/availability";
import { nextAvailableAt } from "../../assign/next-available";
import { readCurrentConfig } from "../../config/store";
import { destinationActions } from "../../connectors/connector";
import { createDb } from "../../db/client";
import { findMatchingLead } from "../../db/leads";
import { runtimeAwayAfter } from "../../db/owner-away";
import { createAccountFinder } from "../../enrich/account-owner";
import { createEnricher } from "../../enrich/lookup";
import { GatewayError } from "../../errors";
import { parseBody } from "../../ingest/parse-body";
import { newId } from "../../lib/ids";
import { type DecideDeps, decide } from "../../routing/decide";
import type { PlannedDelivery } from "../../routing/decision";
import { verifiers } from "../../verify/registry";
import type { AdminEnv } from "../env";
import { problemResponses, validationFailed, validationHook } from "../problems";

export const simulateBody = z
  .object({
    source: z.string().min(1).meta({ description: "The source id, as in POST /in/{sourceId}" }),
    payload: z.unknown().optional().meta({ description: "The parsed payload the mapping reads" }),
    rawBody: z
      .string()
      .optional()
      .meta({ description: "The body exactly as the provider would send it: parsed as the source would, and the bytes the signature is checked on" }),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "Request headers: when given, the signature is checked and the result reported (it does not stop the simulation)" }),
    at: z.iso.datetime({ offset: true }).optional().meta({
      description:
        "The moment to simulate at (ISO 8601, e.g. 2026-12-07T08:30:00Z): owners' working hours, time away and daily caps are taken at that moment. Default: now.",
    }),
  })
  .openapi("SimulateRequest");

const simulateResult = z
  .object({
    simulated: z.literal(true),
    source: z.object({ id: z.string(), provider: z.string(), enabled: z.boolean() }),
    configVersion: z.number().int(),
    at: z.string().meta({ description: "The moment simulated at (ISO 8601): `at` of the request, or now" }),
    verification: z
      .object({ ok: z.boolean(), code: z.string().optional(), detail: z.string().optional(), secretIndex: z.number().int().optional() })
      .optional(),
    status: z
      .enum(["routed", "held", "unmatched", "invalid"])
      .meta({ description: "`held`: a `hold` pool would hold the lead; `hold` says until when and who takes it then" }),
    reason: z.string().optional(),
    lead: z.unknown().optional(),
    routeId: z.string().optional(),
    ownerId: z.string().optional(),
    experiment: z
      .object({ route: z.string(), arm: z.string() })
      .optional()
      .meta({ description: "The experiment arm the lead would land in (the same lead always lands in the same arm)" }),
    hold: z.object({ pool: z.string(), until: z.string().optional(), ownerId: z.string().optional(), reason: z.string() }).optional().meta({
      description:
        "The lead would be held: until when (absent when no member will be available on their own) and who would take it then; the actions listed run after that",
    }),
    trace: z.unknown().meta({ description: "The decision trace, as it would be stored with the event" }),
    actions: z.array(
      z.object({
        routeId: z.string(),
        action: z.enum(destinationActions),
        destinationId: z.string(),
        destinationType: z.string(),
        ownerId: z.string().optional(),
        properties: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi("SimulateResult");

const simulate = createRoute({
  operationId: "simulate",
  method: "post",
  path: "/v1/simulate",
  tags: ["Simulate"],
  security: [{ bearerAuth: [] }],
  summary: "What would happen to a payload, with no side effects",
  description:
    "Maps the payload to a lead, matches earlier leads (read-only), evaluates the routes, previews the owner pool's next owner without advancing it, and lists the actions that would run. Nothing is written to D1, KV or any pool, and no destination is called. The read-only token may simulate.",
  request: { body: { required: true, content: { "application/json": { schema: simulateBody } } } },
  responses: {
    200: { description: "The decision", content: { "application/json": { schema: simulateResult } } },
    ...problemResponses(400, 404, 413, 415, 422, 503),
  },
});

const encoder = new TextEncoder();

/** What POST /v1/simulate takes. */
export type SimulateInput = z.infer<typeof simulateBody>;
/** What POST /v1/simulate answers. */
export type SimulateResult = z.infer<typeof simulateResult>;

/**
 * The simulation itself, with no side effects: the admin route and the console's
 * Simulate page both call it. `requestUrl` gives the URL a signature is checked
 * against when the source has no `publicUrl`.
 */
export async function runSimulation(env: AdminEnv["Bindings"], input: SimulateInput, requestUrl: string): Promise<SimulateResult> {
  if (input.payload === undefined && input.rawBody === undefined) {
    throw validationFailed([{ pointer: "/payload", message: "give payload or rawBody" }]);
  }
  // The stored configuration, not the isolate's cached copy: simulate right after a write sees it.
  const config = await readCurrentConfig(env);
  const source = config?.document.sources.find((s) => s.id === input.source);
  if (!config || !source) throw new GatewayError("source_not_found", `No source has the id '${input.source}'.`);
  if (source.kind === "outcomes") {
    // Outcome reports are linked to earlier leads, not routed: there is no decision to show.
    throw validationFailed([{ pointer: "/source", message: `'${source.id}' reports outcomes; simulate a lead source` }]);
  }

  const verifier = verifiers[source.provider];
  const raw = encoder.encode(input.rawBody ?? JSON.stringify(input.payload));
  const headers = new Headers(input.headers ?? {});
  let payload = input.payload;
  if (payload === undefined) {
    const parsed = parseBody(raw, headers.get("content-type"), verifier.bodyFormat);
    payload = parsed.kind === "opaque" ? { body: input.rawBody } : parsed.value;
  }

  let verification: SimulateResult["verification"];
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

/** POST /v1/simulate. */
export function simulateRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });

  app.openapi(simulate, async (c) => c.json(await runSimulation(c.env, c.req.valid("json"), c.req.url), 200));

  return app;
}

/** A held delivery as it would run: with the owner who takes the lead then. */
function withOwner(planned: PlannedDelivery, ownerId: string | undefined): PlannedDelivery {
  return ownerId ? { ...planned, delivery: { ...planned.delivery, ownerId } } : planned;
}
