import ipaddr from "ipaddr.js";

/**
 * The rule for every URL the gateway calls out to (CRMs, Slack, forwards,
 * enrichments, token endpoints): checked when a configuration is written
 * (src/config/validate.ts, a 422 with a pointer) and again before each request
 * (src/connectors/http.ts), so a stored document that predates the rule is still
 * never followed.
 *
 * https only. With `allowHttp` (the Worker var ALLOW_HTTP_DESTINATIONS = "true",
 * for local fakes on 127.0.0.1) http is allowed too, and so are local addresses;
 * without it `localhost` and literal addresses other than public unicast ones
 * (loopback, private, link-local, unique-local, carrier-grade NAT, multicast,
 * reserved…) are refused. Host names are not resolved here: a Worker's fetch
 * cannot reach a private network anyway, and the literal forms are what a mistaken
 * or hostile configuration would name.
 */
export interface OutboundPolicy {
  allowHttp: boolean;
}

/** The schemes a configured outbound URL may have at all, whatever the policy. */
export const outboundProtocols = /^https?$/;

/** Why `url` may not be called under `policy`, or undefined when it may. */
export function outboundUrlProblem(url: string, policy: OutboundPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a valid URL";
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && policy.allowHttp)) {
    return policy.allowHttp ? "must use https or http" : "must use https (http only when ALLOW_HTTP_DESTINATIONS is true)";
  }
  if (policy.allowHttp) return undefined;
  const host = parsed.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) {
    return "must not point at localhost (allowed only when ALLOW_HTTP_DESTINATIONS is true)";
  }
  if (ipaddr.isValid(host)) {
    const range = ipaddr.process(host).range();
    if (range !== "unicast") return `must not point at a ${range} address (allowed only when ALLOW_HTTP_DESTINATIONS is true)`;
  }
  return undefined;
}
