import ipaddr from "ipaddr.js";

/** True when `entry` is an IP address or a CIDR range (IPv4 or IPv6). */
export function isIpOrCidr(entry: string): boolean {
  return ipaddr.isValidCIDR(entry) || ipaddr.isValid(entry);
}

/** A range as address + prefix length; an IPv4-mapped IPv6 range as the IPv4 range it maps. */
function rangeOf(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const [range, bits] = ipaddr.isValidCIDR(entry) ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), ipaddr.parse(entry).kind() === "ipv4" ? 32 : 128];
  if (range.kind() === "ipv6") {
    const v6 = range as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return [v6.toIPv4Address(), Math.max(0, bits - 96)];
  }
  return [range, bits];
}

/**
 * Whether `ip` falls in one of `entries` (addresses or CIDR ranges). IPv4-mapped
 * IPv6 addresses (::ffff:1.2.3.4) count as the IPv4 address they carry.
 */
export function ipAllowed(ip: string, entries: readonly string[]): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip);
  return entries.some((entry) => {
    const [range, bits] = rangeOf(entry);
    return address.kind() === range.kind() && address.match(range, bits);
  });
}
