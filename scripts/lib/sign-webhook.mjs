// Signs a webhook in Node exactly as its provider does (node:crypto, nothing shared
// with the gateway's verifiers), so the demo and the e2e suite are checked the way a
// real provider's request would be. Only the schemes they send; each follows
// docs/providers.md and src/verify/providers/<provider>.ts.
import { createHmac } from "node:crypto";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

function digest(algorithm, key, content, encoding) {
  return createHmac(algorithm, key).update(content).digest(encoding);
}

/**
 * The headers that authenticate `body` (a string, sent byte for byte) for `source`, a
 * configuration source (`provider`, and `hmac` options for the generic scheme).
 * `deliveryId` goes where the scheme carries one in a header; `timestamp` is Unix
 * seconds, fresh by default: a provider re-signs every retry.
 */
export function signatureHeaders(source, secret, { body, deliveryId, timestamp = nowSeconds(), url = "", method = "POST" }) {
  switch (source.provider) {
    case "typeform":
      // Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>; no timestamp.
      return { "typeform-signature": `sha256=${digest("sha256", secret, body, "base64")}` };
    case "standard-webhooks": {
      // The key is the base64 after `whsec_`; signed content is `id.timestamp.body`.
      const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
      return {
        "webhook-id": deliveryId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": `v1,${digest("sha256", key, `${deliveryId}.${timestamp}.${body}`, "base64")}`,
      };
    }
    case "calendly":
      // Calendly-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(key, `t.body`)>.
      return { "calendly-webhook-signature": `t=${timestamp},v1=${digest("sha256", secret, `${timestamp}.${body}`, "hex")}` };
    case "hmac": {
      // The gateway's generic scheme, with its defaults (src/config/schema.ts).
      const options = { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "", template: "{body}", ...source.hmac };
      const values = { body, timestamp: String(timestamp), url, method, id: deliveryId ?? "" };
      // One pass over the template only, as the gateway renders it: a body that
      // contains "{timestamp}" is signed literally.
      const content = options.template.replace(/\{(body|timestamp|url|method|id)\}/g, (_, name) => values[name]);
      const headers = { [options.header]: `${options.prefix}${digest(options.algorithm, secret, content, options.encoding)}` };
      if (options.timestampHeader) headers[options.timestampHeader] = String(timestamp);
      if (options.idHeader && deliveryId) headers[options.idHeader] = deliveryId;
      return headers;
    }
    default:
      throw new Error(`No Node signer for provider '${source.provider}'.`);
  }
}
