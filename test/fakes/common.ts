import { type Context, Hono } from "hono";
import { z } from "zod";

/**
 * What every contract fake shares: a request log, records, injectable faults and the
 * control API under `/__fake`. Pure Hono + zod, so the same code runs under Node
 * (@hono/node-server: vitest globalSetup, e2e scripts, the demo) and anywhere else.
 *
 * Control API (JSON):
 * - `POST /__fake/faults` one fault or a list, queued in order, each answering the
 *   next `count` API requests: `{ "status": 429, "count": 3, "retryAfter": 2 }`,
 *   `{ "status": 503, "count": 2 }`, `{ "delayMs": 3000, "count": 1 }` (then answers
 *   normally, or with `status` if given), `{ "malformed": true, "count": 1 }` (200 with
 *   a body that is not the documented shape), `"body"` overrides the error body,
 *   `"method"` / `"path"` (a prefix) make the fault wait for a matching request
 * - `GET /__fake/faults`, `DELETE /__fake/faults`
 * - `GET /__fake/records` what the fake stores, `GET /__fake/requests` every API request
 * - `POST /__fake/reset` clears records, requests, faults and rate-limit windows
 * - a fake may add its own control endpoints (HubSpot: `/__fake/companies` to seed
 *   companies for search) through `createFakeApp`'s `control`
 */

export const faultSchema = z
  .object({
    status: z.number().int().min(200).max(599).optional(),
    count: z.number().int().positive().max(10_000).default(1),
    /** Retry-After value: seconds, or an HTTP-date string. */
    retryAfter: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    delayMs: z.number().int().nonnegative().max(120_000).optional(),
    malformed: z.boolean().optional(),
    body: z.string().optional(),
    /** Only requests with this method (e.g. "POST") take the fault. */
    method: z.string().toUpperCase().optional(),
    /** Only requests whose path starts with this take the fault. */
    path: z.string().startsWith("/").optional(),
  })
  .refine((f) => f.status !== undefined || f.delayMs !== undefined || f.malformed === true, {
    message: "a fault needs status, delayMs or malformed",
  });
export type Fault = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Set when an injected fault answered (or delayed) this request. */
  fault?: string;
}

export interface FakeState<R> {
  readonly name: string;
  records: R;
  requests: RecordedRequest[];
  faults: Fault[];
  reset(): void;
}

/** Per-status error bodies in the API's own shape. */
export interface FakeResponses {
  error(status: number): { body: string; contentType: string };
  /** A 2xx body that a client reading the documented shape must reject. */
  malformed?: { body: string; contentType: string };
}

export function createState<R>(name: string, initial: () => R, onReset: () => void = () => {}): FakeState<R> {
  const state: FakeState<R> = {
    name,
    records: initial(),
    requests: [],
    faults: [],
    reset() {
      state.records = initial();
      state.requests = [];
      state.faults = [];
      onReset();
    },
  };
  return state;
}

/**
 * A Hono app with the control API, request recording and fault injection in front
 * of whatever API routes the caller adds next. `control` adds a fake's own control
 * endpoints under `/__fake` (not recorded, never faulted, like the common ones).
 */
export function createFakeApp<R>(state: FakeState<R>, responses: FakeResponses, exportRecords: (records: R) => unknown, control?: (app: Hono) => void): Hono {
  const app = new Hono();

  app.post("/__fake/faults", async (c) => {
    const parsed = z.union([faultSchema, z.array(faultSchema)]).safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid fault", issues: parsed.error.issues }, 400);
    state.faults.push(...(Array.isArray(parsed.data) ? parsed.data : [parsed.data]));
    return c.json({ faults: state.faults });
  });
  app.get("/__fake/faults", (c) => c.json({ faults: state.faults }));
  app.delete("/__fake/faults", (c) => {
    state.faults = [];
    return c.json({ faults: [] });
  });
  app.get("/__fake/records", (c) => c.json(exportRecords(state.records)));
  app.get("/__fake/requests", (c) => c.json(state.requests));
  app.post("/__fake/reset", (c) => {
    state.reset();
    return c.json({ reset: true });
  });
  control?.(app);
  app.all("/__fake/*", (c) => c.json({ error: "unknown control endpoint" }, 404));

  app.use("*", async (c, next) => {
    const recorded: RecordedRequest = {
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      headers: c.req.header(),
      body: await c.req.text(),
      at: Date.now(),
    };
    state.requests.push(recorded);

    const fault = takeFault(state, recorded.method, recorded.path);
    if (fault) {
      recorded.fault = JSON.stringify(fault);
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.malformed) {
        const malformed = responses.malformed ?? { body: '{"results": [{"id": ', contentType: "application/json" };
        return respond(malformed.body, 200, { "content-type": malformed.contentType });
      }
      if (fault.status !== undefined) {
        const error = responses.error(fault.status);
        const headers: Record<string, string> = { "content-type": error.contentType };
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        return respond(fault.body ?? error.body, fault.status, headers);
      }
    }
    await next();
  });

  return app;
}

/** The first queued fault that applies to this request, used up one count at a time. */
function takeFault<R>(state: FakeState<R>, method: string, path: string): Fault | undefined {
  const index = state.faults.findIndex(
    (fault) => (fault.method === undefined || fault.method === method) && (fault.path === undefined || path.startsWith(fault.path)),
  );
  const fault = state.faults[index];
  if (!fault) return undefined;
  if (fault.count <= 1) state.faults.splice(index, 1);
  else fault.count -= 1;
  return fault;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A plain Response: fakes answer arbitrary statuses, which Hono's typed helpers
 * narrow to known codes.
 */
export function respond(body: string | null, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return respond(JSON.stringify(body), status, { "content-type": "application/json;charset=utf-8", ...headers });
}

/** Parses a JSON body; undefined when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text());
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** A random id in the style of an API's correlation/request ids. */
export function uuid(): string {
  return crypto.randomUUID();
}
