import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { rollbackConfig } from "../../config/rollback";
import { configSchema } from "../../config/schema";
import { maskDocument } from "../../config/secret-fields";
import { listConfigVersions, readConfigVersion, readCurrentConfig, readCurrentSealed, rekeyConfig } from "../../config/store";
import { GatewayError } from "../../errors";
import { applyDocument } from "../config-writes";
import type { AdminEnv } from "../env";
import { problemResponses, validationFailed, validationHook } from "../problems";
import { configDocument, configWrite, expectedVersion, ifMatchHeaders, limitParam, versionInfo, writeResult } from "../schemas";

const tags = ["Configuration"];
const security = [{ bearerAuth: [] }];

const getConfig = createRoute({
  operationId: "getConfig",
  method: "get",
  path: "/v1/config",
  tags,
  security,
  summary: "Export the whole configuration",
  description: "The active document, secrets masked. `ETag` is its version: send it back as `If-Match` when writing.",
  responses: {
    200: {
      description: "The active configuration (an empty one, version 0, before the first write)",
      headers: { ETag: { schema: { type: "string" }, description: 'The version, e.g. "3"' } },
      content: { "application/json": { schema: configDocument } },
    },
    ...problemResponses(503),
  },
});

const putConfig = createRoute({
  operationId: "putConfig",
  method: "put",
  path: "/v1/config",
  tags,
  security,
  summary: "Import a whole configuration",
  description:
    "Validates all of it — size limits, schema, ids unique per kind, references between entries, JSONata mappings, condition values, secrets — and stores it as a new version, or answers 422 with every problem (`config_limit_exceeded` when a limit is gone over; 413 `config_too_large` for a document over 2 MiB) and changes nothing. A document equal to the active one makes no new version.",
  request: {
    headers: ifMatchHeaders,
    body: { required: true, content: { "application/json": { schema: configWrite } } },
  },
  responses: {
    200: { description: "Stored (or unchanged)", content: { "application/json": { schema: writeResult } } },
    ...problemResponses(400, 403, 412, 413, 415, 422, 503),
  },
});

const listVersions = createRoute({
  operationId: "listConfigVersions",
  method: "get",
  path: "/v1/config/versions",
  tags,
  security,
  summary: "The configuration history, newest first",
  request: { query: z.object({ limit: limitParam(1000, 50), cursor: z.string().optional() }) },
  responses: {
    200: {
      description: "Versions with who, when and what changed",
      content: {
        "application/json": {
          schema: z.object({ active: z.number().int(), versions: z.array(versionInfo), nextCursor: z.string().optional() }),
        },
      },
    },
    ...problemResponses(422),
  },
});

const getVersion = createRoute({
  operationId: "getConfigVersion",
  method: "get",
  path: "/v1/config/versions/{version}",
  tags,
  security,
  summary: "One version of the configuration, secrets masked",
  request: { params: z.object({ version: z.coerce.number().int().positive() }) },
  responses: {
    200: {
      description: "The version and its document",
      content: { "application/json": { schema: versionInfo.extend({ document: configDocument }) } },
    },
    ...problemResponses(404, 422, 503),
  },
});

const rollback = createRoute({
  operationId: "rollbackConfig",
  method: "post",
  path: "/v1/config/rollback",
  tags,
  security,
  summary: "Restore an earlier version",
  description:
    "Stores the document of `version` (its secrets included) as a new version: the history stays append-only, and a rollback can itself be rolled back.",
  request: {
    headers: ifMatchHeaders,
    body: { required: true, content: { "application/json": { schema: z.object({ version: z.number().int().positive() }) } } },
  },
  responses: {
    200: { description: "The new version", content: { "application/json": { schema: writeResult } } },
    ...problemResponses(400, 403, 404, 412, 415, 422, 503),
  },
});

const rekey = createRoute({
  operationId: "rekeyConfig",
  method: "post",
  path: "/v1/config/rekey",
  tags,
  security,
  summary: "Seal every stored secret under the current CONFIG_KEY",
  description:
    "After `CONFIG_KEY` was changed and the old key set as `CONFIG_KEY_PREVIOUS`: re-encrypts the secrets of the active version and of the history under `CONFIG_KEY`, up to 200 history entries per call; call again with `nextCursor` until it is absent (`npm run config -- rekey` does). Makes no new version. History versions that no key opens are left as they are and listed in `unreadable`; an active version no key opens is `config_key_mismatch` and nothing changes.",
  request: {
    body: { required: false, content: { "application/json": { schema: z.object({ cursor: z.string().min(1).optional() }) } } },
  },
  responses: {
    200: {
      description: "What this call re-encrypted",
      content: {
        "application/json": {
          schema: z.object({
            rekeyed: z.number().int(),
            unchanged: z.number().int(),
            unreadable: z.array(z.number().int()),
            nextCursor: z.string().optional(),
          }),
        },
      },
    },
    ...problemResponses(400, 403, 415, 422, 503),
  },
});

/** GET|PUT /v1/config, the history and rollback. */
export function configRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });

  app.openapi(getConfig, async (c) => {
    const current = await readCurrentConfig(c.env);
    c.header("etag", `"${current?.version ?? 0}"`);
    return c.json(maskDocument(current?.document ?? configSchema.parse({})), 200);
  });

  app.openapi(putConfig, async (c) => {
    const input = c.req.valid("json");
    const result = await applyDocument(c.env, c.get("services").db, () => input, {
      replacesAll: true,
      actor: c.get("actor"),
      expectedVersion: expectedVersion(c.req.valid("header")["if-match"]),
    });
    c.header("etag", `"${result.version}"`);
    return c.json(result, 200);
  });

  app.openapi(listVersions, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const [current, listed] = await Promise.all([
      readCurrentSealed(c.env),
      listConfigVersions(c.env, { limit, ...(cursor ? { cursor } : {}) }).catch(() => {
        // Cloudflare's KV rejects a cursor it did not issue (the local one ignores it).
        throw validationFailed([{ pointer: "/cursor", message: "not a cursor from this list", in: "query" }]);
      }),
    ]);
    return c.json({ active: current?.version ?? 0, versions: listed.versions, ...(listed.cursor ? { nextCursor: listed.cursor } : {}) }, 200);
  });

  app.openapi(getVersion, async (c) => {
    const { version } = c.req.valid("param");
    const stored = await readConfigVersion(c.env, version);
    if (!stored) throw new GatewayError("config_version_not_found", `There is no configuration version ${version}.`);
    return c.json({ ...stored, document: maskDocument(stored.document) }, 200);
  });

  app.openapi(rollback, async (c) => {
    const { version } = c.req.valid("json");
    const info = await rollbackConfig(c.env, version, {
      actor: c.get("actor"),
      expectedVersion: expectedVersion(c.req.valid("header")["if-match"]),
    });
    c.header("etag", `"${info.version}"`);
    return c.json({ ...info, unchanged: false }, 200);
  });

  app.openapi(rekey, async (c) => {
    const { cursor } = c.req.valid("json") ?? {};
    const result = await rekeyConfig(c.env, cursor ? { cursor } : {}).catch((error: unknown) => {
      if (!cursor || error instanceof GatewayError) throw error;
      // Cloudflare's KV rejects a cursor it did not issue (the local one ignores it).
      throw validationFailed([{ pointer: "/cursor", message: "not a cursor from a rekey" }]);
    });
    const { cursor: next, ...counts } = result;
    return c.json({ ...counts, ...(next ? { nextCursor: next } : {}) }, 200);
  });

  return app;
}
