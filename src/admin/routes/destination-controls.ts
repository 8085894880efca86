import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { controlDestination } from "../../delivery/destination-control";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";
import { destinationStateSchema } from "../schemas";

const destinationStatusSchema = z.object({ id: z.string() }).extend(destinationStateSchema.shape).openapi("DestinationStatus");

const idParams = z.object({ id: z.string().min(1).max(64) });

/** The route of one control: pause or resume. */
function controlRoute(action: "pause" | "resume") {
  return createRoute({
    operationId: `${action}Destination`,
    method: "post",
    path: `/v1/destinations/{id}/${action}`,
    tags: ["Destinations"],
    security: [{ bearerAuth: [] }],
    summary: action === "pause" ? "Pause a destination" : "Resume a paused destination",
    description:
      action === "pause"
        ? "Holds the destination's deliveries: none is attempted and no attempt is counted, however long the pause. A runtime state, not a configuration version; pausing twice is the same as once."
        : "Lifts a pause: held deliveries go out oldest first (one lead's in order) at the destination's rate, each once. While its circuit breaker is open they stay held until a probe succeeds. Resuming an active destination changes nothing.",
    request: { params: idParams },
    responses: {
      200: { description: "The destination's state after the change", content: { "application/json": { schema: destinationStatusSchema } } },
      ...problemResponses(403, 404),
    },
  });
}

/** POST /v1/destinations/{id}/pause and /resume. */
export function destinationControlRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  for (const action of ["pause", "resume"] as const) {
    app.openapi(controlRoute(action), async (c) => {
      const { id } = c.req.valid("param");
      const status = await controlDestination(c.env, id, action);
      return c.json({ id, ...status }, 200);
    });
  }
  return app;
}
