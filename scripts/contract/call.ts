import type { ConnectorOptions } from "../../src/connectors/connector";
import { type DeliveryFailure, type HttpResult, parseJson, sendHttp } from "../../src/connectors/http";

export type CallResult = { ok: true; status: number; text: string; json: unknown } | { ok: false; error: string };

/**
 * One read or delete of the contract check, through the gateway's own `sendHttp`
 * (same https rule and timeout as the connectors). Anything but a 2xx is an error
 * naming the status and the start of the body.
 */
export async function call(method: string, url: string, headers: Record<string, string>, options: ConnectorOptions): Promise<CallResult> {
  const result = await sendHttp(
    { url, method, headers: { accept: "application/json", ...headers } },
    { timeoutMs: options.timeoutMs ?? 10_000, allowHttp: options.allowHttp },
  );
  return callResult(result);
}

/** A call's result as the check reads it; also for calls made through a connector's own session (Salesforce). */
export function callResult(result: HttpResult | DeliveryFailure): CallResult {
  if ("ok" in result) return { ok: false, error: result.error };
  if (result.kind !== "response") return { ok: false, error: result.error };
  if (result.status < 200 || result.status >= 300) return { ok: false, error: `HTTP ${result.status}: ${result.text.slice(0, 300)}` };
  return { ok: true, status: result.status, text: result.text, json: parseJson(result.text) };
}
