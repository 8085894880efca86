// The bench's webhook: a source with a real signature scheme, and a request factory
// that signs a unique body per request, so every ingest request is a genuine new
// event (verified, not deduplicated, not throttled) and must come back 202.
import { randomBytes } from "node:crypto";
import { signatureHeaders } from "../lib/sign-webhook.mjs";

export const sourceId = "bench-hmac";
/** Fresh per run: nothing outside this run can produce a valid signature. */
const secret = randomBytes(32).toString("hex");
/** The bench source's signing secret (the naive Worker verifies with it too). */
export function benchSecret() {
  return secret;
}
/** Makes delivery ids unique across runs too, should a persist directory be reused. */
const runNonce = randomBytes(4).toString("hex");

/** A generic HMAC source: sha256 hex over "{id}.{timestamp}.{body}" (the id is signed, so it is the dedup key). */
export function benchSource() {
  return {
    id: sourceId,
    provider: "hmac",
    secrets: [secret],
    toleranceSeconds: 300,
    // Far above what one machine can send: the bench measures accepts, not 429s.
    rate: { perSecond: 100_000, burst: 100_000 },
    dedup: { by: "delivery-id" },
    hmac: {
      header: "x-signature",
      algorithm: "sha256",
      encoding: "hex",
      prefix: "",
      template: "{id}.{timestamp}.{body}",
      timestampHeader: "x-webhook-timestamp",
      idHeader: "x-webhook-id",
    },
  };
}

/**
 * The KV value under "config/current", in the shape src/config/store.ts reads: by
 * default the bench source alone. Secrets stay plain: without CONFIG_KEY the store
 * reads unencrypted values as they are.
 */
export function storedConfig(document = { sources: [benchSource()] }) {
  return {
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "bench",
    document,
  };
}

/** Built once: the signer reads it per request. */
const source = benchSource();
let sequence = 0;

/** A typical form-tool lead payload (a few hundred bytes), unique per delivery. */
export function leadBody(deliveryId, n) {
  return JSON.stringify({
    event_id: deliveryId,
    event_type: "form_response",
    form_response: {
      form_id: "lead-form",
      submitted_at: new Date().toISOString(),
      hidden: { email: leadEmail(n), first_name: "Ada", company: `Example ${n % 97} Ltd` },
      calculated: { score: n % 100 },
      answers: [
        { field: "country", text: "DE" },
        { field: "employees", number: 120 },
      ],
    },
  });
}

/** The email `leadBody(…, n)` carries (what a mapping of `form_response.hidden.email` yields). */
export function leadEmail(n) {
  return `lead-${n}@example.com`;
}

/** One lead webhook, body and headers, signed now for the bench source (scripts/lib/sign-webhook.mjs). */
export function signedLead(deliveryId, n) {
  const body = leadBody(deliveryId, n);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "switchboard-bench",
      ...signatureHeaders(source, secret, { body, deliveryId }),
    },
  };
}

/**
 * Lead `n` as a request of scripts/lib/load-sender.mjs, for `path`: one delivery id
 * unique to this run (dedup is by delivery id), signed afresh at each attempt.
 */
export function leadRequest(path, n) {
  const deliveryId = `${runNonce}-e2e-${n}`;
  return { key: n, n, email: leadEmail(n), build: () => ({ path, ...signedLead(deliveryId, n) }) };
}

/**
 * An autocannon request whose `setupRequest` runs before every send: a new delivery
 * id and body, signed now. The bare target gets the very same requests, so the load
 * generator spends the same work per request on both sides of a ratio.
 */
export function signedRequest(path, onAccepted) {
  return {
    method: "POST",
    path,
    setupRequest(request) {
      sequence += 1;
      const { body, headers } = signedLead(`${runNonce}-${sequence}`, sequence);
      request.body = body;
      request.headers = headers;
      return request;
    },
    onResponse(status, body) {
      if (status !== 202 || !onAccepted) return;
      try {
        onAccepted(JSON.parse(body).id);
      } catch {
        // a 202 without a readable id is counted by status, and fails the id check
        onAccepted(undefined);
      }
    },
  };
}
