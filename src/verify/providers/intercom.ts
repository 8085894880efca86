import { digestMatches, hmac, jsonStringField, matchingSecretIndex } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-hub-signature";
const SIGNATURE_FORMAT = /^sha1=([0-9a-fA-F]+)$/;

async function verifyIntercom({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Hub-Signature header is missing." };
  }
  const candidate = SIGNATURE_FORMAT.exec(header)?.[1];
  if (candidate === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The X-Hub-Signature header is not of the form sha1=<hex>." };
  }
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-1", secret, rawBody), candidate, "hex"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured client secret." };
  }
  // The notification's `id` (`notif_…`). The body also carries `delivery_attempts`, so a
  // retry's bytes differ and only this id can tell a retry from a new notification.
  return verified({ deliveryId: jsonStringField(rawBody, "id"), secretIndex });
}

/**
 * Intercom signed notifications, as documented at
 * https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications
 * (and the current webhooks docs): `X-Hub-Signature: sha1=<hex>` where the hex is
 * HMAC-SHA1(app client secret, raw body). The scheme carries no timestamp.
 */
export const intercomVerifier: Verifier = defineVerifier({
  provider: "intercom",
  bodyFormat: "json",
  secretName: "client secret",
  verify: verifyIntercom,
});
