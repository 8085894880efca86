import type { SourceConfig } from "../config/schema";
import type { EventRow } from "../db/schema";
import { GatewayError } from "../errors";
import { parseBody } from "../ingest/parse-body";
import { verifiers } from "../verify/registry";

const decoder = new TextDecoder();

/**
 * The payload a mapping reads: the JSON body, a form body as an object of fields,
 * or `{ "body": "<text>" }` for anything else (XML, plain text). The body was
 * parsed once at ingest, so failure here means retention removed it.
 */
export function payloadOf(event: EventRow, source: SourceConfig): { ok: true; payload: unknown } | { ok: false; reason: string } {
  if (!event.body) return { ok: false, reason: "The event's body is no longer stored (retention)." };
  try {
    const parsed = parseBody(event.body, event.contentType, verifiers[source.provider].bodyFormat);
    if (parsed.kind === "opaque") return { ok: true, payload: { body: decoder.decode(event.body) } };
    return { ok: true, payload: parsed.value };
  } catch (error) {
    return { ok: false, reason: error instanceof GatewayError ? error.detail : "The body could not be parsed." };
  }
}
