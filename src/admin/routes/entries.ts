import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { destinationSchema, enrichmentSchema, type GatewayConfig, poolSchema, routeSchema, sourceSchema } from "../../config/schema";
import { maskDestination, maskEnrichment, maskSecret, type PointerProblem } from "../../config/secret-fields";
import { readCurrentConfig } from "../../config/store";
import { type EntryKind, enrichmentWriteSchema, poolWriteSchema, routeWriteSchema } from "../../config/write-schema";
import { destinationStatuses } from "../../delivery/destination-control";
import { GatewayError } from "../../errors";
import { applyDocument } from "../config-writes";
import type { AdminEnv } from "../env";
import { problemResponses, type ValidationProblem, validationFailed, validationHook } from "../problems";
import { destinationStateSchema, destinationWrite, expectedVersion, ifMatchHeaders, sourceWrite, writeResult } from "../schemas";

/** Per kind: the schema one entry is written with, the one it is read with, and names for the document. */
const kinds = {
  sources: { write: sourceWrite, read: sourceSchema.openapi("Source"), one: "source" },
  destinations: { write: destinationWrite, read: destinationSchema.openapi("Destination"), one: "destination" },
  enrichments: { write: enrichmentWriteSchema.openapi("EnrichmentWrite"), read: enrichmentSchema.openapi("Enrichment"), one: "enrichment" },
  routes: { write: routeWriteSchema.openapi("RouteWrite"), read: routeSchema.openapi("Route"), one: "route" },
  pools: { write: poolWriteSchema.openapi("PoolWrite"), read: poolSchema.openapi("Pool"), one: "pool" },
} as const;

type Entry = GatewayConfig[EntryKind][number];

/** `kind` tells which member of the union `entry` is; the casts say what TypeScript cannot correlate. */
function masked(kind: EntryKind, entry: Entry): Entry {
  if (kind === "sources" && "secrets" in entry) return { ...entry, secrets: entry.secrets.map(maskSecret) };
  if (kind === "destinations" && "type" in entry) return maskDestination(entry as GatewayConfig["destinations"][number]);
  if (kind === "enrichments" && "type" in entry) return maskEnrichment(entry as GatewayConfig["enrichments"][number]);
  return entry;
}

/**
 * Problems of the document a per-entry write would make: those inside the entry
 * point into the request body; others (a route naming a pool being deleted) point
 * into the stored configuration, marked `in: "config"`.
 */
function aimProblems(kind: EntryKind, index: number | undefined) {
  const prefix = `/${kind}/${index}`;
  return (problems: PointerProblem[]): ValidationProblem[] =>
    problems.map((p) =>
      index !== undefined && (p.pointer === prefix || p.pointer.startsWith(`${prefix}/`))
        ? { ...p, pointer: p.pointer.slice(prefix.length) }
        : { ...p, in: "config" as const },
    );
}

function notFound(kind: EntryKind, id: string): GatewayError {
  return new GatewayError("entry_not_found", `There is no ${kinds[kind].one} with the id '${id}'.`);
}

const idParams = z.object({ id: z.string().min(1).max(64) });

/** GET /v1/{kind}, GET|PUT|DELETE /v1/{kind}/{id} for one kind of entry. */
function kindRoutes(app: OpenAPIHono<AdminEnv>, kind: EntryKind): void {
  const { one } = kinds[kind];
  const write: z.ZodType<{ id: string }> = kinds[kind].write;
  const read: z.ZodType<Entry> = kinds[kind].read;
  const Kind = `${kind[0]?.toUpperCase()}${kind.slice(1)}`;
  const One = `${one[0]?.toUpperCase()}${one.slice(1)}`;
  const tags = [Kind];
  const security = [{ bearerAuth: [] }];

  const list = createRoute({
    operationId: `list${Kind}`,
    method: "get",
    path: `/v1/${kind}`,
    tags,
    security,
    summary: `List ${kind} (secrets masked)`,
    ...(kind === "destinations" ? { description: "With each destination's runtime state (`states`: paused, circuit breaker) beside the configuration." } : {}),
    responses: {
      200: {
        description: `Every ${one}, in document order`,
        content: {
          "application/json": {
            schema: z.object({
              items: z.array(read),
              ...(kind === "destinations" ? { states: z.record(z.string(), destinationStateSchema).meta({ description: "Per destination id" }) } : {}),
            }),
          },
        },
      },
      ...problemResponses(503),
    },
  });
  app.openapi(list, async (c) => {
    const current = await readCurrentConfig(c.env);
    const items: Entry[] = current?.document[kind] ?? [];
    const listed = { items: items.map((e) => masked(kind, e)) };
    if (kind !== "destinations") return c.json(listed, 200);
    const states = await destinationStatuses(
      c.env,
      items.map((e) => e.id),
    );
    return c.json({ ...listed, states: Object.fromEntries(states) }, 200);
  });

  const get = createRoute({
    operationId: `get${One}`,
    method: "get",
    path: `/v1/${kind}/{id}`,
    tags,
    security,
    summary: `One ${one} (secrets masked)`,
    request: { params: idParams },
    responses: {
      200: { description: `The ${one}`, content: { "application/json": { schema: read } } },
      ...problemResponses(404, 503),
    },
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const current = await readCurrentConfig(c.env);
    const items: Entry[] = current?.document[kind] ?? [];
    const entry = items.find((e) => e.id === id);
    if (!entry) throw notFound(kind, id);
    return c.json(masked(kind, entry), 200);
  });

  const put = createRoute({
    operationId: `put${One}`,
    method: "put",
    path: `/v1/${kind}/{id}`,
    tags,
    security,
    summary: `Create or replace a ${one}`,
    description: `The whole configuration that results is checked as PUT /v1/config checks it. ${kind === "sources" || kind === "destinations" || kind === "enrichments" ? "Secrets left out or sent masked keep their stored value. " : ""}The body's \`id\` must be the path's.`,
    request: { params: idParams, headers: ifMatchHeaders, body: { required: true, content: { "application/json": { schema: write } } } },
    responses: {
      200: { description: "Replaced", content: { "application/json": { schema: writeResult } } },
      201: { description: "Created", content: { "application/json": { schema: writeResult } } },
      ...problemResponses(400, 403, 412, 413, 415, 422, 503),
    },
  });
  app.openapi(put, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.id !== id) throw validationFailed([{ pointer: "/id", message: `must be '${id}', as in the path` }]);
    let index: number | undefined;
    let created = false;
    const result = await applyDocument(
      c.env,
      (current) => {
        const items: unknown[] = [...(current?.[kind] ?? [])];
        index = (current?.[kind] ?? []).findIndex((e) => e.id === id);
        if (index < 0) {
          index = items.length;
          created = true;
        }
        items[index] = body;
        return { ...current, [kind]: items };
      },
      {
        actor: c.get("actor"),
        expectedVersion: expectedVersion(c.req.valid("header")["if-match"]),
        mapProblems: (problems) => aimProblems(kind, index)(problems),
      },
    );
    c.header("etag", `"${result.version}"`);
    return created ? c.json(result, 201) : c.json(result, 200);
  });

  const del = createRoute({
    operationId: `delete${One}`,
    method: "delete",
    path: `/v1/${kind}/{id}`,
    tags,
    security,
    summary: `Delete a ${one}`,
    description: "Refused (422, pointers into the stored configuration) while other entries still refer to it.",
    request: { params: idParams, headers: ifMatchHeaders },
    responses: {
      200: { description: "Deleted: the new version", content: { "application/json": { schema: writeResult } } },
      ...problemResponses(403, 404, 412, 422, 503),
    },
  });
  app.openapi(del, async (c) => {
    const { id } = c.req.valid("param");
    const result = await applyDocument(
      c.env,
      (current) => {
        const items: Entry[] = current?.[kind] ?? [];
        if (!items.some((e) => e.id === id)) throw notFound(kind, id);
        return { ...current, [kind]: items.filter((e) => e.id !== id) };
      },
      {
        actor: c.get("actor"),
        expectedVersion: expectedVersion(c.req.valid("header")["if-match"]),
        mapProblems: aimProblems(kind, undefined),
      },
    );
    c.header("etag", `"${result.version}"`);
    return c.json(result, 200);
  });
}

/** The per-kind endpoints of sources, destinations, enrichments, routes and pools. */
export function entryRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  for (const kind of ["sources", "destinations", "enrichments", "routes", "pools"] as const) kindRoutes(app, kind);
  return app;
}
