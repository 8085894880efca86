import { z } from "zod";
import { createFakeApp, createState, isRecord, jsonResponse, readJson } from "./common";

/**
 * A company-data endpoint of the kind an `http` enrichment calls (an operator's own
 * service, or a Clearbit-style API behind a small adapter), speaking the contract
 * docs/enrichment.md gives: `POST <path>` with `{ key, lead }` and
 * `Authorization: Bearer <token>` → 200 with the JSON answer seeded for `key`,
 * 404 `{ error: "not_found" }` when nothing is, 401 `{ error: "unauthorized" }`
 * without the token, 400 `{ error: "bad_request" }` when the body is not that shape.
 * Answers are seeded with the `answers` option or `POST /__fake/answers`
 * (`{ "<key>": <answer>, … }`); `GET /__fake/records` lists them. A `malformed`
 * fault answers 200 with an HTML page, as a misrouted proxy would.
 */
export const enrichmentFakeOptionsSchema = z.object({
  token: z.string().min(1).default("enrich-fake-token-0123456789"),
  path: z.string().startsWith("/").default("/v1/enrich"),
  answers: z.record(z.string(), z.unknown()).default({}),
});
export type EnrichmentFakeOptions = z.input<typeof enrichmentFakeOptionsSchema>;

export function createEnrichmentFake(input: EnrichmentFakeOptions = {}) {
  const options = enrichmentFakeOptionsSchema.parse(input);
  const state = createState("enrichment", () => new Map<string, unknown>(Object.entries(options.answers).map(([key, answer]) => [key.toLowerCase(), answer])));
  const app = createFakeApp(
    state,
    {
      error: (status) => ({ body: JSON.stringify({ error: `enrichment fake answered ${status}` }), contentType: "application/json" }),
      malformed: { body: "<html><body><h1>502 Bad Gateway</h1></body></html>", contentType: "text/html" },
    },
    (records) => Object.fromEntries(records),
    (control) => {
      control.post("/__fake/answers", async (c) => {
        const body: unknown = await c.req.json().catch(() => undefined);
        if (!isRecord(body)) return c.json({ error: "expected { <key>: <answer> }" }, 400);
        for (const [key, answer] of Object.entries(body)) state.records.set(key.toLowerCase(), answer);
        return c.json({ keys: [...state.records.keys()] }, 201);
      });
    },
  );

  app.post(options.path, async (c) => {
    if (c.req.header("authorization") !== `Bearer ${options.token}`) return jsonResponse({ error: "unauthorized" }, 401);
    const body = await readJson(c);
    if (!isRecord(body) || typeof body.key !== "string" || !isRecord(body.lead)) return jsonResponse({ error: "bad_request" }, 400);
    const key = body.key.toLowerCase();
    if (!state.records.has(key)) return jsonResponse({ error: "not_found" }, 404);
    return jsonResponse(state.records.get(key), 200);
  });

  app.all("*", () => jsonResponse({ error: "not found" }, 404));
  return { app, state, options };
}
