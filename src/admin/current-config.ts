import type { GatewayConfig } from "../config/schema";
import { readCurrentConfig } from "../config/store";
import { errorMessage, log } from "../lib/log";
import type { AdminEnv } from "./env";

/**
 * The current configuration document for a read that must not fail with it (stats,
 * metrics): unreadable (a wrong CONFIG_KEY, KV down), the read goes on without it
 * and `consequence` is logged as a warning, saying what the answer lacks.
 */
export async function currentDocumentOrNone(env: AdminEnv["Bindings"], requestId: string, consequence: string): Promise<GatewayConfig | undefined> {
  try {
    return (await readCurrentConfig(env))?.document;
  } catch (error) {
    log("warn", consequence, { requestId, error: errorMessage(error) });
    return undefined;
  }
}
