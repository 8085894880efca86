import type { SourceConfig } from "../config/schema";
import { GatewayError } from "../errors";
import { verifiers } from "../verify/registry";
import { parseBody } from "./parse-body";

const decoder = new TextDecoder();

/** What of a stored event (an `events` row) the payload is read from. */
export interface StoredBody {
  body: Uint8Array | null;
  contentType: string | null;
}

/**
 * The payload a mapping reads: the JSON body, a form body as an object of fields,
 * or `{ "body": "<text>" }` for anything else (XML, plain text). The body was
 * parsed once at ingest, so failure here means retention removed it. Routing and
 * outcome linking read stored events through it.
 */
export function payloadOf(event: StoredBody, source: SourceConfig): { ok: true; payload: unknown } | { ok: false; reason: string } {
  if (!event.body) return { ok: false, reason: "The event's body is no longer stored (retention)." };
  try {
    const parsed = parseBody(event.body, event.contentType, verifiers[source.provider].bodyFormat);
    if (parsed.kind === "opaque") return { ok: true, payload: { body: decoder.decode(event.body) } };
    return { ok: true, payload: parsed.value };
  } catch (error) {
    return { ok: false, reason: error instanceof GatewayError ? error.detail : "The body could not be parsed." };
  }
}
