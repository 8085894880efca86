import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { endOwnerAway, listOwnerStatuses, setOwnerAway } from "../../owners/away";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";

const ownerStatus = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    timeZone: z.string(),
    localTime: z.string().meta({ description: "The owner's local weekday and clock now, e.g. `Mon 09:30`" }),
    away: z.boolean().meta({ description: "Away now: a planned `away` period of the configuration or a runtime one" }),
    working: z.boolean().meta({ description: "Inside working hours now (always true for owners without working hours)" }),
    reason: z
      .string()
      .optional()
      .meta({ description: "Why the owner takes no leads now (pools with `availability: working_hours` also skip owners outside their hours)" }),
    runtimeAway: z.object({ from: z.string(), until: z.string(), reason: z.string().optional() }).optional(),
    pools: z.array(z.string()),
  })
  .openapi("OwnerStatus");

const awayBody = z
  .object({
    until: z.iso.datetime({ offset: true }).meta({ description: "When the owner is back (ISO 8601)" }),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: "When the time away starts; default now" }),
    reason: z.string().max(200).optional(),
  })
  .openapi("OwnerAway");

const idParams = z.object({ id: z.string().min(1).max(100) });
const security = [{ bearerAuth: [] }];
const tags = ["Owners"];

const list = createRoute({
  operationId: "listOwners",
  method: "get",
  path: "/v1/owners",
  tags,
  security,
  summary: "Owners and whether each can take leads now",
  description: "Every owner of the configuration's `owners` and every owner id a pool names, with their local time, time away and working hours now.",
  responses: {
    200: { description: "The owners", content: { "application/json": { schema: z.object({ items: z.array(ownerStatus) }) } } },
    ...problemResponses(503),
  },
});

const putAway = createRoute({
  operationId: "setOwnerAway",
  method: "put",
  path: "/v1/owners/{id}/away",
  tags,
  security,
  summary: "Set an owner away, at once",
  description:
    "A runtime toggle (no new configuration version): from `from` (default now) until `until`, pools skip the owner. Replaces the owner's previous runtime time away; planned periods in the configuration stay.",
  request: { params: idParams, body: { required: true, content: { "application/json": { schema: awayBody } } } },
  responses: {
    200: { description: "The owner's status after the change", content: { "application/json": { schema: ownerStatus } } },
    ...problemResponses(400, 404, 415, 422, 503),
  },
});

const deleteAway = createRoute({
  operationId: "clearOwnerAway",
  method: "delete",
  path: "/v1/owners/{id}/away",
  tags,
  security,
  summary: "End an owner's runtime time away, at once",
  request: { params: idParams },
  responses: {
    200: { description: "The owner's status after the change", content: { "application/json": { schema: ownerStatus } } },
    ...problemResponses(404, 503),
  },
});

/** GET /v1/owners, PUT|DELETE /v1/owners/{id}/away. */
export function ownerRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });

  app.openapi(list, async (c) => c.json({ items: await listOwnerStatuses(c.env, c.get("services").db) }, 200));

  app.openapi(putAway, async (c) => c.json(await setOwnerAway(c.env, c.get("services").db, c.req.valid("param").id, c.req.valid("json")), 200));

  app.openapi(deleteAway, async (c) => c.json(await endOwnerAway(c.env, c.get("services").db, c.req.valid("param").id), 200));

  return app;
}
