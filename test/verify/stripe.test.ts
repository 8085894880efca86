import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { stripeVerifier } from "../../src/verify/providers/stripe";
import type { VerifyInput } from "../../src/verify/types";

// Stripe publishes no fixed signature vector: stripe-node's test/Webhook.spec.ts signs its
// fixture at test time. The fixture (payload, secret) and its header cases are reused here,
// signed with WebCrypto exactly as Stripe's docs describe.
const SECRET = "whsec_test_secret";
const PAYLOAD = JSON.stringify({ id: "evt_test_webhook", object: "event" }, null, 2);
const NOW = 1_700_000_000;

const encoder = new TextEncoder();
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function v1(secret: string, timestamp: number | string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${payload}`))));
}

async function header(timestamp = NOW, secret = SECRET, payload = PAYLOAD): Promise<string> {
  return `t=${timestamp},v1=${await v1(secret, timestamp, payload)}`;
}

function input(options: { signature?: string | null; secrets?: string[]; body?: string; now?: number }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (options.signature !== null && options.signature !== undefined) headers.set("stripe-signature", options.signature);
  return {
    rawBody: encoder.encode(options.body ?? PAYLOAD),
    headers,
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "stripe", secrets: options.secrets ?? [SECRET] }),
    nowSeconds: options.now ?? NOW,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("stripe verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(stripeVerifier.provider).toBe("stripe");
    expect(stripeVerifier.bodyFormat).toBe("json");
  });

  it("accepts a valid signature and reports the event id", async () => {
    await expect(stripeVerifier.verify(input({ signature: await header() }))).resolves.toEqual({
      ok: true,
      deliveryId: "evt_test_webhook",
      signedAt: NOW,
      secretIndex: 0,
    });
  });

  it("uses the whole whsec_ string as the key, not a decoded form of it", async () => {
    const withoutPrefix = `t=${NOW},v1=${await v1("test_secret", NOW, PAYLOAD)}`;
    await expect(stripeVerifier.verify(input({ signature: withoutPrefix }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("accepts when at least one v1 matches (stripe-node: ',v1=potato')", async () => {
    const signature = `${await header()},v1=potato`;
    await expect(stripeVerifier.verify(input({ signature }))).resolves.toMatchObject({ ok: true });
  });

  it("accepts the second v1 of a header signed during a secret roll", async () => {
    const signature = `t=${NOW},v1=${await v1("whsec_old", NOW, PAYLOAD)},v1=${await v1(SECRET, NOW, PAYLOAD)}`;
    await expect(stripeVerifier.verify(input({ signature }))).resolves.toMatchObject({ ok: true, secretIndex: 0 });
  });

  it("ignores a v0 signature even when it is the only valid one", async () => {
    const valid = await v1(SECRET, NOW, PAYLOAD);
    await expect(stripeVerifier.verify(input({ signature: `t=${NOW},v0=${valid}` }))).resolves.toEqual(failure("signature_invalid"));
    await expect(stripeVerifier.verify(input({ signature: `t=${NOW},v1=${"0".repeat(64)},v0=${valid}` }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("still accepts the event when the verified body is not JSON, without a delivery id", async () => {
    const body = "not json";
    const outcome = await stripeVerifier.verify(input({ signature: await header(NOW, SECRET, body), body }));
    expect(outcome).toEqual({ ok: true, signedAt: NOW, secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    const body = PAYLOAD.replace("evt_test_webhook", "evt_forged");
    await expect(stripeVerifier.verify(input({ signature: await header(), body }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp changed after signing", async () => {
    const signature = (await header()).replace(`t=${NOW}`, `t=${NOW + 1}`);
    await expect(stripeVerifier.verify(input({ signature }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing the expected signature", async () => {
    const outcome = await stripeVerifier.verify(input({ signature: await header(), secrets: ["whsec_other"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    const expected = await v1("whsec_other", NOW, PAYLOAD);
    expect(JSON.stringify(outcome)).not.toContain(expected);
    expect(JSON.stringify(outcome)).not.toContain("whsec_other");
  });

  it("reports the index of the matching secret during rotation", async () => {
    const outcome = await stripeVerifier.verify(input({ signature: await header(), secrets: ["whsec_new", SECRET] }));
    expect(outcome).toEqual({ ok: true, deliveryId: "evt_test_webhook", signedAt: NOW, secretIndex: 1 });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await stripeVerifier.verify(input({ signature: await header(), secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no signing secret/i);
  });

  it("reports a missing Stripe-Signature header", async () => {
    await expect(stripeVerifier.verify(input({ signature: null }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage (stripe-node: 'bad_header')", "bad_header"],
    ["an empty value", ""],
    ["no timestamp", `v1=${"a".repeat(64)}`],
    ["a non-numeric timestamp", `t=abc,v1=${"a".repeat(64)}`],
    ["two timestamps", `t=${NOW},t=${NOW + 1},v1=${"a".repeat(64)}`],
    ["no v1 at all", `t=${NOW}`],
    ["bad hex", `t=${NOW},v1=zzzz`],
    ["a wrong prefix", `t=${NOW},v2=${"a".repeat(64)}`],
  ])("rejects a header with %s", async (_label, signature) => {
    await expect(stripeVerifier.verify(input({ signature }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp older than the tolerance", async () => {
    const outcome = await stripeVerifier.verify(input({ signature: await header(NOW - 301) }));
    expect(outcome).toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("rejects a timestamp further in the future than the tolerance", async () => {
    const outcome = await stripeVerifier.verify(input({ signature: await header(NOW + 301) }));
    expect(outcome).toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("accepts timestamps within the tolerance in both directions", async () => {
    await expect(stripeVerifier.verify(input({ signature: await header(NOW - 300) }))).resolves.toMatchObject({
      ok: true,
      signedAt: NOW - 300,
    });
    await expect(stripeVerifier.verify(input({ signature: await header(NOW + 300) }))).resolves.toMatchObject({
      ok: true,
      signedAt: NOW + 300,
    });
  });
});
