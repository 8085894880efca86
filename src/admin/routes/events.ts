import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { outcomeNames } from "../../config/schema";
import { createDb } from "../../db/client";
import { type EventFilter, eventDetail, insertReplays, listEvents, replayCandidate, replayCandidates, replaysInFlight } from "../../db/event-queries";
import { deadDeliveries, deadRoutings, type Position } from "../../db/event-stats";
import { deliveryStatuses, slaStatuses } from "../../db/schema";
import { GatewayError } from "../../errors";
import { newId } from "../../lib/ids";
import { sendRoutingMessages } from "../../queue/messages";
import type { AdminEnv } from "../env";
import { iso, maskHeaders, parseJson, presentBody, presentSla } from "../present";
import { problemResponses, validationFailed, validationHook } from "../problems";
import { eventFilterShape, eventStatus, limitParam } from "../schemas";

const tags = ["Events"];
const security = [{ bearerAuth: [] }];

/** Replays created but not yet routed, over which new replays are refused (429). */
const maxReplaysInFlight = 1_000;
const inFlightWindowMs = 10 * 60_000;
/** Events one replay-by-filter call takes on; the answer's cursor continues the job. */
const maxReplayPerCall = 100;

const eventSummary = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    status: eventStatus,
    statusReason: z.string().nullable(),
    routeId: z.string().nullable(),
    ownerId: z.string().nullable(),
    experiment: z.string().nullable().meta({ description: "The route whose split the lead went through" }),
    arm: z.string().nullable().meta({ description: "The experiment arm the lead landed in" }),
    email: z.string().nullable(),
    bodySize: z.number().int(),
    bodyKept: z.boolean(),
    receivedAt: z.string(),
    updatedAt: z.string(),
    replayOf: z.string().nullable(),
  })
  .openapi("EventSummary");

const list = createRoute({
  operationId: "listEvents",
  method: "get",
  path: "/v1/events",
  tags,
  security,
  summary: "List events, newest first",
  description: "Filters combine with AND. `since`/`until` are the time the event was accepted. Follow `nextCursor` for the next page.",
  request: { query: z.object({ ...eventFilterShape, limit: limitParam(200, 50), cursor: z.string().optional() }) },
  responses: {
    200: {
      description: "A page of events",
      content: { "application/json": { schema: z.object({ items: z.array(eventSummary), nextCursor: z.string().optional() }) } },
    },
    ...problemResponses(422),
  },
});

const slaHistoryKinds = ["started", "met", "missed", "reassigned", "escalated", "notified", "stopped"] as const;

const eventSla = z
  .object({
    status: z
      .enum(slaStatuses)
      .meta({ description: "`running` until the outcome arrives or the deadline passes; then `met`, `reassigned` (the last owner keeps it) or `escalated`" }),
    routeId: z.string(),
    poolId: z.string().nullable(),
    ownerId: z.string().meta({ description: "The owner the clock is (or was last) running for" }),
    until: z.enum(outcomeNames).meta({ description: "The outcome (or any later one) that meets the SLA" }),
    then: z.enum(["reassign", "escalate"]),
    notify: z.string().nullable(),
    workingHoursOnly: z.boolean(),
    withinMs: z.number().int(),
    startedAt: z.string(),
    dueAt: z.string().meta({ description: "The current owner's deadline" }),
    reassignments: z.number().int(),
    history: z.array(
      z.object({
        at: z.string(),
        kind: z.enum(slaHistoryKinds),
        ownerId: z.string().optional(),
        note: z.string(),
      }),
    ),
  })
  .openapi("EventSla");

const detail = createRoute({
  operationId: "getEvent",
  method: "get",
  path: "/v1/events/{id}",
  tags,
  security,
  summary: "One event: headers (credentials masked), body, verification, decision trace, deliveries and attempts",
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: {
    200: {
      description: "The event",
      content: {
        "application/json": {
          schema: eventSummary
            .extend({
              requestId: z.string().nullable(),
              contentType: z.string().nullable(),
              headers: z.record(z.string(), z.string()),
              body: z.string().nullable().meta({ description: "null once retention dropped it" }),
              bodyEncoding: z.enum(["utf-8", "base64"]).nullable(),
              bodyStoredIn: z
                .enum(["d1", "r2"])
                .nullable()
                .meta({ description: "Where the body is kept: in the event's D1 row, or in R2 when it was over BODY_R2_THRESHOLD_BYTES; null once dropped" }),
              verification: z.unknown(),
              lead: z.unknown(),
              trace: z.unknown().meta({ description: "The decision trace: mapping, match, routes tried, owner, actions" }),
              decidedAt: z.string().nullable(),
              deliveries: z.array(z.record(z.string(), z.unknown())),
              attempts: z.array(z.record(z.string(), z.unknown())),
              sla: eventSla.nullable().meta({ description: "The SLA clock the route started for this lead, with its history; null when no SLA applies" }),
            })
            .openapi("EventDetail"),
        },
      },
    },
    ...problemResponses(404),
  },
});

const replayed = z.object({ id: z.string(), replayOf: z.string(), sourceId: z.string(), status: z.literal("queued") });

const replayOne = createRoute({
  operationId: "replayEvent",
  method: "post",
  path: "/v1/events/{id}/replay",
  tags,
  security,
  summary: "Replay one event",
  description:
    "Creates a new event with the same source, headers and body (`replayOf` names the original) and routes it afresh under the active configuration: new decision, new deliveries, new attempts.",
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: {
    202: { description: "The replay is queued", content: { "application/json": { schema: replayed } } },
    ...problemResponses(403, 404, 409, 429),
  },
});

const replayJob = z
  .object({
    id: z.string(),
    matched: z.number().int(),
    replayed: z.number().int(),
    skipped: z.number().int().meta({ description: "Matched events whose body retention has dropped" }),
    events: z.array(replayed),
    nextCursor: z.string().optional().meta({ description: "More events match: send it back as `cursor` to continue" }),
    done: z.boolean(),
  })
  .openapi("ReplayJob");

const replayMany = createRoute({
  operationId: "replayEvents",
  method: "post",
  path: "/v1/events/replay",
  tags,
  security,
  summary: "Replay every event matching a filter",
  description: `A bounded job: one call replays at most \`limit\` (≤ ${maxReplayPerCall}) events in the order they were accepted and answers with counts and a cursor to continue. Refused with 429 while ${maxReplaysInFlight} replays wait for routing. At least one filter is required.`,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({
            ...eventFilterShape,
            limit: z.number().int().min(1).max(maxReplayPerCall).default(maxReplayPerCall),
            cursor: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    202: { description: "The job's counts", content: { "application/json": { schema: replayJob } } },
    ...problemResponses(400, 403, 415, 422, 429),
  },
});

const deadLetter = z
  .object({
    kind: z.enum(["delivery", "routing"]),
    eventId: z.string(),
    sourceId: z.string(),
    deliveryId: z.string().optional(),
    destinationId: z.string().optional(),
    action: z.string().optional(),
    attempts: z.number().int().optional(),
    /** A delivery's status: `failed` (refused for good by the destination) or `dead` (out of attempts). */
    status: z.enum(deliveryStatuses).optional(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .openapi("DeadLetter");

const deadLetters = createRoute({
  operationId: "listDeadLetters",
  method: "get",
  path: "/v1/dead-letters",
  tags,
  security,
  summary: "Dead letters, newest first",
  description:
    "`kind=delivery` (default): deliveries that will not be tried again: refused for good by the destination (`status: failed`), out of attempts or dead-lettered by the queue (`dead`). Replay their event once the cause is fixed. `kind=routing`: events whose routing itself was dead-lettered.",
  request: {
    query: z.object({
      kind: z.enum(["delivery", "routing"]).default("delivery"),
      source: z.string().optional(),
      destination: z.string().optional(),
      limit: limitParam(200, 50),
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: {
      description: "A page of dead letters",
      content: { "application/json": { schema: z.object({ items: z.array(deadLetter), nextCursor: z.string().optional() }) } },
    },
    ...problemResponses(422),
  },
});

/** A dead-letter cursor: `<updatedAt>.<id>`. */
function readPosition(cursor: string | undefined): Position | undefined {
  if (!cursor) return undefined;
  const dot = cursor.indexOf(".");
  const at = Number(cursor.slice(0, dot));
  if (dot < 1 || !Number.isInteger(at)) throw validationFailed([{ pointer: "/cursor", message: "not a cursor from this list", in: "query" }]);
  return { at, id: cursor.slice(dot + 1) };
}

function filterOf(input: EventFilter): EventFilter {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as EventFilter;
}

async function ensureReplayCapacity(db: ReturnType<typeof createDb>): Promise<void> {
  const inFlight = await replaysInFlight(db, inFlightWindowMs);
  if (inFlight >= maxReplaysInFlight) {
    throw new GatewayError("replay_rate_limited", `${inFlight} replays still wait for routing; try again shortly.`, 30);
  }
}

/**
 * Replays one event: a new `queued` event with the same source, headers and body,
 * sent to routing. Throws `event_not_found`, `replay_unavailable` (body gone) or
 * `replay_rate_limited`. The console's replay button calls this too.
 */
export async function replayEvent(
  env: Pick<AdminEnv["Bindings"], "DB" | "ROUTING_QUEUE">,
  id: string,
  requestId: string,
): Promise<{ id: string; replayOf: string; sourceId: string }> {
  const db = createDb(env.DB);
  const original = await replayCandidate(db, id);
  if (!original) throw new GatewayError("event_not_found", `There is no event '${id}'.`);
  if (!original.bodyKept) throw new GatewayError("replay_unavailable", `The body of '${id}' is gone (retention); it cannot be replayed.`);
  await ensureReplayCapacity(db);
  const [replay] = await insertReplays(db, [original], requestId);
  if (!replay) throw new GatewayError("replay_unavailable", `The body of '${id}' is gone (retention); it cannot be replayed.`);
  // If this send fails the replay stays `queued` and the sweeper sends it later.
  await sendRoutingMessages(env.ROUTING_QUEUE, [{ eventId: replay.id, sourceId: replay.sourceId }]);
  return replay;
}

/** Events: list, detail, replay (one, or by filter), dead letters. */
export function eventRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });

  app.openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const page = await listEvents(createDb(c.env.DB), filterOf(filter), { limit, ...(cursor ? { cursor } : {}) });
    const items = page.items.map((e) => ({
      ...e,
      bodyKept: Boolean(e.bodyKept),
      receivedAt: new Date(e.receivedAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
    }));
    return c.json({ items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
  });

  app.openapi(detail, async (c) => {
    const { id } = c.req.valid("param");
    const found = await eventDetail(createDb(c.env.DB), c.env.BODIES, id);
    if (!found) throw new GatewayError("event_not_found", `There is no event '${id}'.`);
    const { event } = found;
    const lead = parseJson(event.lead);
    return c.json(
      {
        id: event.id,
        sourceId: event.sourceId,
        status: event.status,
        statusReason: event.statusReason,
        routeId: event.routeId,
        ownerId: event.ownerId,
        experiment: event.experiment,
        arm: event.arm,
        email: typeof lead === "object" && lead !== null && "email" in lead && typeof lead.email === "string" ? lead.email : null,
        bodySize: event.bodySize,
        bodyKept: event.body !== null,
        receivedAt: new Date(event.receivedAt).toISOString(),
        updatedAt: new Date(event.updatedAt).toISOString(),
        replayOf: event.replayOf,
        requestId: event.requestId,
        contentType: event.contentType,
        headers: maskHeaders(event.headers),
        ...presentBody(event.body),
        bodyStoredIn: event.body === null ? null : event.bodyRef === null ? ("d1" as const) : ("r2" as const),
        verification: parseJson(event.verification),
        lead,
        trace: parseJson(event.trace),
        decidedAt: iso(event.decidedAt),
        deliveries: found.deliveries.map((d) => ({
          ...d,
          payload: parseJson(d.payload),
          nextAttemptAt: iso(d.nextAttemptAt),
          leaseUntil: iso(d.leaseUntil),
          createdAt: iso(d.createdAt),
          updatedAt: iso(d.updatedAt),
        })),
        attempts: found.attempts.map((a) => ({ ...a, at: iso(a.at), retryAt: iso(a.retryAt) })),
        sla: presentSla(found.sla),
      },
      200,
    );
  });

  app.openapi(replayOne, async (c) => {
    const { id } = c.req.valid("param");
    const replay = await replayEvent(c.env, id, c.get("requestId"));
    return c.json({ ...replay, status: "queued" as const }, 202);
  });

  app.openapi(replayMany, async (c) => {
    const { limit, cursor, ...input } = c.req.valid("json");
    const filter = filterOf(input);
    if (Object.keys(filter).length === 0) {
      throw validationFailed([{ pointer: "", message: "give at least one filter (source, status, route, destination, since, until or email)" }]);
    }
    const db = createDb(c.env.DB);
    await ensureReplayCapacity(db);
    const candidates = await replayCandidates(db, filter, { limit, ...(cursor ? { cursor } : {}) });
    const replays = await insertReplays(db, candidates, c.get("requestId"));
    await sendRoutingMessages(
      c.env.ROUTING_QUEUE,
      replays.map((r) => ({ eventId: r.id, sourceId: r.sourceId })),
    );
    const last = candidates[candidates.length - 1];
    const more = candidates.length === limit && last !== undefined;
    return c.json(
      {
        id: newId("job"),
        matched: candidates.length,
        replayed: replays.length,
        skipped: candidates.length - replays.length,
        events: replays.map((r) => ({ ...r, status: "queued" as const })),
        ...(more ? { nextCursor: last.id } : {}),
        done: !more,
      },
      202,
    );
  });

  app.openapi(deadLetters, async (c) => {
    const { kind, source, destination, limit, cursor } = c.req.valid("query");
    const db = createDb(c.env.DB);
    const after = readPosition(cursor);
    const page = { limit, ...(after ? { after } : {}) };
    const items =
      kind === "delivery"
        ? (await deadDeliveries(db, { ...(source ? { source } : {}), ...(destination ? { destination } : {}) }, page)).map((d) => ({
            kind: "delivery" as const,
            ...d,
            at: new Date(d.at).toISOString(),
            rawAt: d.at,
            key: d.deliveryId,
          }))
        : (await deadRoutings(db, source ? { source } : {}, page)).map((e) => ({
            kind: "routing" as const,
            ...e,
            at: new Date(e.at).toISOString(),
            rawAt: e.at,
            key: e.eventId,
          }));
    const last = items[items.length - 1];
    const nextCursor = items.length === limit && last ? `${last.rawAt}.${last.key}` : undefined;
    return c.json({ items: items.map(({ rawAt: _rawAt, key: _key, ...item }) => item), ...(nextCursor ? { nextCursor } : {}) }, 200);
  });

  return app;
}
