import type { SourceConfig } from "../config/schema";
import { GatewayError } from "../errors";
import { ipAllowed } from "../lib/ip-ranges";

/**
 * The source's IP allowlist, checked before anything reads the body. The address is
 * the one Cloudflare puts in `CF-Connecting-IP` (a client cannot set it through
 * Cloudflare); a request without it is refused when the source has an allowlist.
 */
export function checkIpAllowlist(source: SourceConfig, headers: Headers): void {
  if (!source.allowIps?.length) return;
  const ip = headers.get("cf-connecting-ip");
  if (ip && ipAllowed(ip, source.allowIps)) return;
  throw new GatewayError("ip_not_allowed", `Source '${source.id}' only accepts requests from its listed addresses.`);
}
