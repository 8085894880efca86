import { digestMatches, hmac, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-hub-signature";
const SIGNATURE_FORMAT = /^sha1=([0-9a-fA-F]+)$/;

/**
 * The notification's `id` (`notif_…`). The body also carries `delivery_attempts`, so a
 * retry's bytes differ and only this id can tell a retry from a new notification.
 */
function deliveryIdFrom(rawBody: Uint8Array): string | undefined {
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(rawBody));
    if (typeof body !== "object" || body === null) return undefined;
    const id: unknown = Reflect.get(body, "id");
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    // An unparseable body is rejected later by the ingest path (400); no id is all we lose here.
    return undefined;
  }
}

async function verifyIntercom({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no client secret configured." };
  }
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Hub-Signature header is missing." };
  }
  const candidate = SIGNATURE_FORMAT.exec(header)?.[1];
  if (candidate === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The X-Hub-Signature header is not of the form sha1=<hex>." };
  }
  let secretIndex: number | undefined;
  for (const [index, secret] of source.secrets.entries()) {
    const expected = await hmac("SHA-1", utf8(secret), rawBody);
    if (digestMatches(expected, candidate, "hex") && secretIndex === undefined) secretIndex = index;
  }
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured client secret." };
  }
  const deliveryId = deliveryIdFrom(rawBody);
  return deliveryId === undefined ? { ok: true, secretIndex } : { ok: true, deliveryId, secretIndex };
}

/**
 * Intercom signed notifications, as documented at
 * https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications
 * (and the current webhooks docs): `X-Hub-Signature: sha1=<hex>` where the hex is
 * HMAC-SHA1(app client secret, raw body). The scheme carries no timestamp.
 */
export const intercomVerifier: Verifier = {
  provider: "intercom",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyIntercom(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
