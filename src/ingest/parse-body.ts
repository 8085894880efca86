import { GatewayError } from "../errors";
import type { Verifier } from "../verify/types";

export type ParsedBody = { kind: "json"; value: unknown } | { kind: "form"; value: Record<string, string> } | { kind: "opaque" };

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Parses the body as its Content-Type says, or as the provider always sends it.
 * Runs after verification: raw bytes are verified, never a re-serialized body.
 */
export function parseBody(raw: Uint8Array, contentType: string | null, format: Verifier["bodyFormat"]): ParsedBody {
  const type = (contentType ?? "").toLowerCase();
  const isForm = type.includes("application/x-www-form-urlencoded");
  if (isForm) {
    return { kind: "form", value: Object.fromEntries(new URLSearchParams(decodeText(raw, "form"))) };
  }
  if (type.includes("json") || format === "json") {
    const text = decodeText(raw, "JSON");
    try {
      return { kind: "json", value: JSON.parse(text) };
    } catch {
      throw new GatewayError("body_unparseable", "The body is not valid JSON.");
    }
  }
  return { kind: "opaque" };
}

function decodeText(raw: Uint8Array, what: string): string {
  try {
    return decoder.decode(raw);
  } catch {
    throw new GatewayError("body_unparseable", `The ${what} body is not valid UTF-8.`);
  }
}

/** Reads `a.b.0.c` (dots; numeric segments index arrays) from a parsed body. */
export function valueAtPath(body: ParsedBody, path: string): unknown {
  if (body.kind === "opaque") return undefined;
  let current: unknown = body.value;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
