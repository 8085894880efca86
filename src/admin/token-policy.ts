import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { GatewayError, problemResponse } from "../errors";
import { log } from "../lib/log";
import type { AdminSecrets } from "./env";

/**
 * Admin tokens must be long enough that guessing is hopeless even at the throttle's
 * rate: 32 characters (`openssl rand -base64 32` gives 44). A gateway configured
 * with a shorter one does not serve its management surface at all — /healthz, the
 * admin API and the console answer `token_too_short` — so the mistake is seen at
 * once rather than after someone guessed the token. Webhooks keep being accepted:
 * refusing leads would punish the providers for an operator's setting.
 */
export const minTokenLength = 32;

/** What is wrong with the configured tokens, or undefined when they are fine. */
export function tokenMisconfiguration(env: AdminSecrets): string | undefined {
  const short = (["ADMIN_TOKEN", "ADMIN_READ_TOKEN"] as const).filter((name) => {
    const token = env[name];
    return token !== undefined && token !== "" && token.length < minTokenLength;
  });
  if (short.length === 0) return undefined;
  return `${short.join(" and ")} ${short.length > 1 ? "are" : "is"} shorter than ${minTokenLength} characters; set a longer secret (e.g. \`openssl rand -base64 32 | npx wrangler secret put ${short[0]}\`).`;
}

/** Messages already logged by this isolate: one log line per isolate, not per request. */
const logged = new Set<string>();

/** Answers every request with the misconfiguration while a token is too short. */
export const requireStrongTokens: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problem = tokenMisconfiguration(c.env as AdminSecrets);
  if (problem === undefined) return next();
  if (!logged.has(problem)) {
    logged.add(problem);
    log("error", "admin token too short: the management API is refused", { problem });
  }
  return problemResponse(new GatewayError("token_too_short", problem), c.get("requestId"));
};
