import type { SourceConfig } from "../config/schema";

/** Headers that carry credentials; they are verified, never stored. */
const credentialHeaders = new Set(["authorization", "proxy-authorization", "cookie"]);

/** The request headers to keep with the event, as a JSON object. */
export function storedHeaders(headers: Headers, source: SourceConfig): string {
  const apiKeyHeader = source.apiKey?.header.toLowerCase() ?? (source.provider === "api-key" ? "x-api-key" : undefined);
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (credentialHeaders.has(name) || name === apiKeyHeader) continue;
    kept[name] = value;
  }
  return JSON.stringify(kept);
}
