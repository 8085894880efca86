import { GatewayError } from "../errors";
import type { AcceptRequest, AcceptResult } from "../inbox/source-inbox";
import { errorMessage, log } from "../lib/log";

/**
 * Hands a verified request to its source's inbox. Anything that goes wrong in that
 * call means the event may not be stored, so the sender is told to retry (503)
 * rather than given a 2xx we cannot back.
 */
export async function acceptInInbox(env: Env, inboxName: string, request: AcceptRequest): Promise<Exclude<AcceptResult, { status: "unavailable" }>> {
  let result: AcceptResult;
  try {
    result = await env.SOURCE_INBOX.getByName(inboxName).accept(request);
  } catch (error) {
    result = { status: "unavailable", error: errorMessage(error) };
  }
  if (result.status !== "unavailable") return result;
  log("error", "inbox accept failed", { requestId: request.requestId, sourceId: request.sourceId, error: result.error });
  throw new GatewayError("storage_unavailable", "The event could not be stored; retry later.", 5);
}
