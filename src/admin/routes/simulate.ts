import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { destinationActions } from "../../connectors/connector";
import { simulate as simulateLead } from "../../routing/simulate";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";

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

/** POST /v1/simulate: the HTTP side of `simulate` (src/routing/simulate.ts). */
export function simulateRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });

  app.openapi(simulate, async (c) => c.json((await simulateLead(c.env, c.req.valid("json"), c.req.url)) satisfies z.infer<typeof simulateResult>, 200));

  return app;
}
