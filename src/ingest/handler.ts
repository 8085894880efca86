import { GatewayError, problemResponse, unexpectedError } from "../errors";
import { errorMessage, log } from "../lib/log";
import { callerRequestId, newRequestId } from "../lib/request-id";
import { ingestWebhook } from "./ingest-webhook";
import { logWebhook } from "./request-log";

/**
 * The webhook front door: everything under `/in/`. It is one route with one method,
 * so it is dispatched here by hand rather than through a Hono app: a Context, a
 * router match and a middleware chain per webhook measured ~10% of the Worker's CPU
 * per accepted webhook (`npm run bench:profile`), with nothing to route.
 *
 * Like the Hono apps it answers every refusal as a problem (src/errors.ts), puts the
 * request id in `X-Request-Id`, and writes one log line per request. The request id
 * is always the gateway's own (it is stored with the event); a caller's
 * `X-Request-Id` is only logged, as `callerRequestId`.
 */
export async function handleWebhook(request: Request, env: Env, ctx: ExecutionContext, path: string): Promise<Response> {
  const receivedAt = Date.now();
  const requestId = newRequestId();
  const sourceId = sourceIdOf(path);
  let answer: { response: Response; outcome: string; eventId?: string };
  try {
    if (sourceId === undefined) throw new GatewayError("not_found", `Nothing at ${path}.`);
    if (request.method !== "POST") throw new GatewayError("method_not_allowed", "Webhooks are delivered with POST.");
    answer = await ingestWebhook({ request, env, ctx, requestId, sourceId, receivedAt });
  } catch (error) {
    const refusal = error instanceof GatewayError ? error : unexpected(error, requestId, path);
    answer = { response: problemResponse(refusal, requestId), outcome: refusal.code };
  }
  const { response, outcome, eventId } = answer;
  response.headers.set("x-request-id", requestId);
  logWebhook({
    requestId,
    callerRequestId: callerRequestId(request.headers),
    sourceId,
    eventId,
    outcome,
    status: response.status,
    latencyMs: Date.now() - receivedAt,
  });
  return response;
}

/** A bug or a storage failure: logged with its message, answered as a 500 or 503 problem. */
function unexpected(error: unknown, requestId: string, path: string): GatewayError {
  log("error", "unhandled error", { requestId, path, error: errorMessage(error) });
  return unexpectedError(error);
}

/** The path of an absolute URL (as Workers give it), without the query. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/** True when the path starts with `/in/`: a webhook, for this front door. */
export function isIngestPath(path: string): boolean {
  return path.startsWith("/in/");
}

/**
 * The source id of the path `/in/{sourceId}`, percent-decoded; undefined for any
 * other path (`/in/`, `/in/a/b`), which is a 404 like any unknown path.
 */
export function sourceIdOf(path: string): string | undefined {
  const segment = path.slice("/in/".length);
  if (!isIngestPath(path) || segment === "" || segment.includes("/")) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
