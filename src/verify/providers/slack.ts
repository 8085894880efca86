import { jsonStringField } from "../crypto";
import type { Verifier } from "../types";
import { createV0Verifier } from "./v0-signature";

/**
 * Slack request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>`,
 * timestamp in Unix seconds. Slack signs every request it sends, url_verification included.
 */
export const slackVerifier: Verifier = createV0Verifier({
  provider: "slack",
  // Events API bodies are JSON; slash commands and interactivity are forms.
  bodyFormat: "any",
  secretName: "signing secret",
  signatureHeader: "X-Slack-Signature",
  timestampHeader: "X-Slack-Request-Timestamp",
  // Only Events API bodies carry an event_id; a form body yields none.
  deliveryId: (rawBody) => jsonStringField(rawBody, "event_id"),
});
