import ipaddr from "ipaddr.js";

/**
 * The address a request came from, as a key for per-client limits. On Cloudflare it
 * is `CF-Connecting-IP`, which Cloudflare sets and a client cannot override. An IPv6
 * address counts by its /64, since one host usually holds a whole /64 and could
 * otherwise rotate through it. Without the header (tests, some local setups) every
 * request shares one key, which locally means "this machine".
 */
export function clientAddressOf(headers: Headers): string {
  const ip = headers.get("cf-connecting-ip")?.trim();
  if (!ip || !ipaddr.isValid(ip)) return "unknown";
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(":")}::/64`;
}
