import { log } from "../lib/log";

/** A type, not an interface, so it passes as log fields without a copy. */
export type WebhookLogLine = {
  requestId: string;
  /** The caller's own `X-Request-Id`, when it sent a plain one; never stored. */
  callerRequestId: string | undefined;
  sourceId: string | undefined;
  eventId: string | undefined;
  /** accepted, duplicate, handshake, or the problem code of a refusal. */
  outcome: string;
  status: number;
  latencyMs: number;
};

/**
 * One log line per webhook request, whatever its outcome: request id (and the
 * caller's, when it sent one), source, event id, outcome, status and latency.
 * Never the body or another header.
 */
export function logWebhook(line: WebhookLogLine): void {
  const level = line.status >= 500 ? "error" : line.status >= 400 ? "warn" : "info";
  log(level, "ingest", line);
}
