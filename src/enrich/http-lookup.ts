import type { EnrichmentConfig } from "../config/schema";
import { type HttpResult, parseJson, sendHttp } from "../connectors/http";
import type { Lead } from "../lead/schema";
import type { LookupAnswer } from "./answer";

export type HttpEnrichment = Extract<EnrichmentConfig, { type: "http" }>;

/**
 * Asks an operator's enrichment endpoint about one lead:
 * `POST <url>` with `{ "key": "<domain or email>", "lead": { …the lead as routed so far } }`,
 * `accept: application/json`, `Authorization: Bearer <token>` when a token is set,
 * within `timeoutMs`. The endpoint answers JSON that the `fields` expressions read;
 * 404, 204 or a JSON `null` mean "nothing known about this key".
 */
export async function lookupHttp(enrichment: HttpEnrichment, key: string, lead: Lead, options: { allowHttp: boolean }): Promise<LookupAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (enrichment.token) headers.authorization = `Bearer ${enrichment.token}`;
  const result = await sendHttp(
    { url: enrichment.url, method: "POST", headers, body: JSON.stringify({ key, lead }) },
    { timeoutMs: enrichment.timeoutMs, allowHttp: options.allowHttp },
  );
  if (result.kind !== "response") return { kind: "failed", error: transportError(result, enrichment.timeoutMs) };
  const nothing = { kind: "not_found" } as const;
  if (result.status === 404 || result.status === 204) return nothing;
  if (result.status < 200 || result.status >= 300) return { kind: "failed", error: `HTTP ${result.status}` };
  const answer = parseJson(result.text);
  if (answer === undefined) return { kind: "failed", error: `HTTP ${result.status} but the answer is not JSON` };
  return answer === null ? nothing : { kind: "found", answer };
}

/** The trace's words for a request that got no answer. */
export function transportError(result: Exclude<HttpResult, { kind: "response" }>, timeoutMs: number): string {
  return result.kind === "timeout" ? `timed out after ${timeoutMs} ms` : result.error;
}
