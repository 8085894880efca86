import type { Context } from "hono";
import { loadConfig, refreshConfig } from "../config/store";
import type { SourceConfig } from "../config/schema";
import type { AppEnv } from "../context";
import { GatewayError } from "../errors";
import { verifiers } from "../verify/registry";
import { acceptInInbox } from "./accept";
import { dedupKeyFor } from "./dedup-key";
import { answerHandshake } from "./handshake";
import { parseBody } from "./parse-body";
import { checkIpAllowlist } from "./ip-allowlist";
import { readBody } from "./read-body";
import { inboxNameFor, inboxNamesOf, shardRate } from "./shard";
import { storedHeaders } from "./stored-headers";

async function findSource(c: Context<AppEnv>, sourceId: string): Promise<SourceConfig> {
  let config = await loadConfig(c.env, (p) => c.executionCtx.waitUntil(p));
  if (!config.sources.has(sourceId)) config = await refreshConfig(c.env);
  const source = config.sources.get(sourceId);
  if (!source || !source.enabled) {
    throw new GatewayError("source_not_found", `No enabled source has the id '${sourceId}'.`);
  }
  return source;
}

/**
 * POST /in/:sourceId — the order is the contract's: source lookup (404), size limit
 * (413) before the body is read whole, signature on the raw bytes (401), body parse
 * (400), then throttle + dedup + durable accept in one inbox call (429 / 200 / 202).
 */
export async function ingest(c: Context<AppEnv>): Promise<Response> {
  const receivedAt = Date.now();
  const sourceId = c.req.param("sourceId") ?? "";
  const source = await findSource(c, sourceId);
  checkIpAllowlist(source, c.req.raw.headers);
  const raw = await readBody(c.req.raw, source.maxBodyBytes);

  const verifier = verifiers[source.provider];
  const verification = await verifier.verify({
    rawBody: raw,
    headers: c.req.raw.headers,
    url: source.publicUrl ?? c.req.url,
    method: c.req.method,
    source,
    nowSeconds: Math.floor(receivedAt / 1000),
  });
  if (!verification.ok) {
    // Counted for the verification-failure alert, after the response is sent.
    const inbox = c.env.SOURCE_INBOX.getByName(inboxNamesOf(source)[0] ?? source.id);
    c.executionCtx.waitUntil(inbox.recordRejection(verification.code).catch(() => undefined));
    throw new GatewayError(verification.code, verification.detail);
  }

  const contentType = c.req.header("content-type") ?? null;
  const body = parseBody(raw, contentType, verifier.bodyFormat);
  const handshake = await answerHandshake(source, body, verification.secretIndex);
  if (handshake) {
    c.set("outcome", "handshake");
    return handshake;
  }

  const dedupKey = await dedupKeyFor(source, verification.deliveryId, body, raw);
  const result = await acceptInInbox(c.env, inboxNameFor(source, dedupKey), {
    sourceId,
    requestId: c.get("requestId"),
    receivedAt,
    dedupKey,
    dedupWindowSeconds: source.dedupWindowSeconds,
    rate: shardRate(source),
    contentType,
    headers: storedHeaders(c.req.raw.headers, source),
    body: raw.buffer.byteLength === raw.byteLength ? (raw.buffer as ArrayBuffer) : raw.slice().buffer,
    verification: JSON.stringify({
      provider: source.provider,
      secretIndex: verification.secretIndex ?? null,
      signedAt: verification.signedAt ?? null,
      deliveryId: verification.deliveryId ?? null,
    }),
  });

  if (result.status === "rate_limited") {
    throw new GatewayError(
      "rate_limited",
      `Source '${sourceId}' allows ${source.rate.perSecond} requests a second (burst ${source.rate.burst}).`,
      result.retryAfterSeconds,
    );
  }
  c.set("eventId", result.id);
  c.set("outcome", result.status);
  return c.json({ id: result.id, status: result.status }, result.status === "accepted" ? 202 : 200);
}
