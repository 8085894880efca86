import type { Verifier } from "../types";
import { createV0Verifier } from "./v0-signature";

/**
 * Zoom webhooks (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events, and
 * the official zoom/webhook-sample and @zoom/rivet receivers):
 * `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:" + x-zm-request-timestamp + ":" + raw body)>`,
 * timestamp in Unix seconds. The endpoint.url_validation request is signed the same way.
 */
export const zoomVerifier: Verifier = createV0Verifier({
  provider: "zoom",
  bodyFormat: "json",
  secretName: "secret token",
  signatureHeader: "x-zm-signature",
  timestampHeader: "x-zm-request-timestamp",
  // No deliveryId: Zoom bodies carry no per-delivery id (event_ts is a time, not an id).
});
