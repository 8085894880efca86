import type { SourceConfig } from "../config/schema";
import { hmac, toHex, utf8 } from "../verify/crypto";
import type { ParsedBody } from "./parse-body";

/**
 * Provider handshakes: requests that prove we own the endpoint. They are answered
 * as the provider expects and never stored or routed. They arrive signed like any
 * other request and are answered only after verification.
 */
export async function answerHandshake(source: SourceConfig, body: ParsedBody, secretIndex: number | undefined): Promise<Response | undefined> {
  if (body.kind !== "json" || body.value === null || typeof body.value !== "object") return undefined;
  const payload = body.value as Record<string, unknown>;

  // Slack Events API: echo the challenge (https://api.slack.com/events/url_verification).
  if (source.provider === "slack" && payload.type === "url_verification" && typeof payload.challenge === "string") {
    return Response.json({ challenge: payload.challenge });
  }

  // Zoom: answer with the plain token and its HMAC-SHA256 (hex) under the secret token.
  if (source.provider === "zoom" && payload.event === "endpoint.url_validation") {
    const plainToken = (payload.payload as Record<string, unknown> | undefined)?.plainToken;
    const secret = source.secrets[secretIndex ?? 0];
    if (typeof plainToken !== "string" || secret === undefined) return undefined;
    const encryptedToken = toHex(await hmac("SHA-256", secret, utf8(plainToken)));
    return Response.json({ plainToken, encryptedToken });
  }
  return undefined;
}
