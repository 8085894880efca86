/**
 * How an event's body is stored in D1. The column keeps the bytes exactly as
 * received, but not always as a BLOB: D1's client sends a BLOB parameter as a JSON
 * array of numbers (`Array.from(bytes)`, in the Worker's isolate) and reads one
 * back the same way, several bytes of JSON and a boxed number per body byte, both
 * ways. Webhook bodies are nearly always UTF-8 (JSON, forms), so those are stored as
 * TEXT, which travels as a plain string; anything else stays a BLOB. SQLite keeps
 * either in the `blob`-declared column as given, and reading turns both into the
 * same bytes.
 */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** What to bind for `bytes`: its text when it is valid UTF-8 (a BOM included), else the bytes. */
export function bodyToD1(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/** The stored body as bytes, whichever way it was stored (and however D1 hands a BLOB back). */
export function bodyFromD1(value: string | ArrayBuffer | Uint8Array | number[]): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  return Array.isArray(value) ? Uint8Array.from(value) : new Uint8Array(value);
}
