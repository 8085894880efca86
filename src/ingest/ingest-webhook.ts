import type { SourceConfig } from "../config/schema";
import { loadConfig, refreshConfig } from "../config/store";
import { GatewayError } from "../errors";
import { verifiers } from "../verify/registry";
import { acceptInInbox } from "./accept";
import { dedupKeyFor } from "./dedup-key";
import { answerHandshake } from "./handshake";
import { checkIpAllowlist } from "./ip-allowlist";
import { parseBody } from "./parse-body";
import { readBody } from "./read-body";
import { countRejection } from "./rejection-tally";
import { inboxNameFor, inboxNamesOf, shardRate } from "./shard";
import { storedHeaders } from "./stored-headers";

/** One webhook request, as the front door (src/ingest/handler.ts) hands it over. */
export interface WebhookRequest {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  requestId: string;
  sourceId: string;
  receivedAt: number;
}

/** What became of a webhook that was not refused (refusals are thrown GatewayErrors). */
export interface IngestResult {
  response: Response;
  outcome: "accepted" | "duplicate" | "handshake";
  eventId?: string;
}

async function findSource(env: Env, ctx: ExecutionContext, sourceId: string): Promise<SourceConfig> {
  let config = await loadConfig(env, (p) => ctx.waitUntil(p));
  if (!config.sources.has(sourceId)) config = await refreshConfig(env);
  const source = config.sources.get(sourceId);
  if (!source?.enabled) {
    throw new GatewayError("source_not_found", `No enabled source has the id '${sourceId}'.`);
  }
  return source;
}

/**
 * POST /in/:sourceId — the order is the contract's: source lookup (404), size limit
 * (413) before the body is read whole, signature on the raw bytes (401), body parse
 * (400), then throttle + dedup + durable accept in one inbox call (429 / 200 / 202).
 */
export async function ingestWebhook({ request, env, ctx, requestId, sourceId, receivedAt }: WebhookRequest): Promise<IngestResult> {
  const source = await findSource(env, ctx, sourceId);
  checkIpAllowlist(source, request.headers);
  const raw = await readBody(request, source.maxBodyBytes);

  const verifier = verifiers[source.provider];
  const verification = await verifier.verify({
    rawBody: raw,
    headers: request.headers,
    url: source.publicUrl ?? request.url,
    method: request.method,
    source,
    nowSeconds: Math.floor(receivedAt / 1000),
  });
  if (!verification.ok) {
    // Counted for the verification-failure alert in memory, written to the inbox once per window.
    countRejection(env, ctx, inboxNamesOf(source)[0] ?? source.id, verification.code);
    throw new GatewayError(verification.code, verification.detail);
  }

  const contentType = request.headers.get("content-type");
  const body = parseBody(raw, contentType, verifier.bodyFormat);
  const handshake = await answerHandshake(source, body, verification.secretIndex);
  if (handshake) return { response: handshake, outcome: "handshake" };

  const dedupKey = await dedupKeyFor(source, verification.deliveryId, body, raw);
  const result = await acceptInInbox(env, inboxNameFor(source, dedupKey), {
    sourceId,
    requestId,
    receivedAt,
    dedupKey,
    dedupWindowSeconds: source.dedupWindowSeconds,
    rate: shardRate(source),
    contentType,
    headers: storedHeaders(request.headers, source),
    body: raw.buffer.byteLength === raw.byteLength ? (raw.buffer as ArrayBuffer) : raw.slice().buffer,
    verification: JSON.stringify({
      provider: source.provider,
      secretIndex: verification.secretIndex ?? null,
      signedAt: verification.signedAt ?? null,
      deliveryId: verification.deliveryId ?? null,
      unsignedDeliveryId: verification.unsignedDeliveryId ?? null,
    }),
  });

  if (result.status === "rate_limited") {
    throw new GatewayError(
      "rate_limited",
      `Source '${sourceId}' allows ${source.rate.perSecond} requests a second (burst ${source.rate.burst}).`,
      result.retryAfterSeconds,
    );
  }
  return {
    response: Response.json({ id: result.id, status: result.status }, { status: result.status === "accepted" ? 202 : 200 }),
    outcome: result.status,
    eventId: result.id,
  };
}
