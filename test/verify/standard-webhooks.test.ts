import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { standardWebhooksVerifier } from "../../src/verify/providers/standard-webhooks";
import type { VerifyInput, VerifyOutcome } from "../../src/verify/types";

// The published test vector of the reference libraries:
// standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts ("sign function works").
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
// Decoy entries from the same file's "multi sig payload is valid" test.
const DECOY = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** Signs independently of the verifier: raw WebCrypto over the spec's signed content. */
async function sign(key: Uint8Array, id: string, timestamp: number, body: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

function input(options: { secrets?: string[]; headers?: Record<string, string>; body?: string | Uint8Array; now?: number; tolerance?: number }): VerifyInput {
  const body = options.body ?? VECTOR.body;
  return {
    rawBody: typeof body === "string" ? encoder.encode(body) : body,
    headers: new Headers(
      options.headers ?? {
        "webhook-id": VECTOR.id,
        "webhook-timestamp": String(VECTOR.timestamp),
        "webhook-signature": VECTOR.signature,
      },
    ),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({
      id: "s",
      provider: "standard-webhooks",
      secrets: options.secrets ?? [VECTOR.secret],
      toleranceSeconds: options.tolerance ?? 300,
    }),
    nowSeconds: options.now ?? VECTOR.timestamp,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

function expectNoLeak(outcome: VerifyOutcome, ...secrets: string[]): void {
  for (const secret of secrets) expect(JSON.stringify(outcome)).not.toContain(secret);
}

describe("standard-webhooks verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(standardWebhooksVerifier.provider).toBe("standard-webhooks");
    expect(standardWebhooksVerifier.bodyFormat).toBe("json");
  });

  it("accepts the reference libraries' published vector", async () => {
    await expect(standardWebhooksVerifier.verify(input({}))).resolves.toEqual({
      ok: true,
      deliveryId: VECTOR.id,
      signedAt: VECTOR.timestamp,
      secretIndex: 0,
    });
  });

  it("accepts the secret without its whsec_ prefix, as the reference libraries do", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ secrets: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }));
    expect(outcome).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it("accepts a signature computed independently with WebCrypto", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const now = 1_700_000_000;
    const body = '{"type":"lead.created","data":{"email":"a@example.com"}}';
    const signature = await sign(key, "msg_own", now, body);
    const outcome = await standardWebhooksVerifier.verify(
      input({
        secrets: [`whsec_${toBase64(key)}`],
        body,
        now,
        headers: { "webhook-id": "msg_own", "webhook-timestamp": String(now), "webhook-signature": signature },
      }),
    );
    expect(outcome).toEqual({ ok: true, deliveryId: "msg_own", signedAt: now, secretIndex: 0 });
  });

  it("verifies the raw bytes, even when they are not valid UTF-8", async () => {
    const key = crypto.getRandomValues(new Uint8Array(24));
    const body = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const signed = new Uint8Array([...encoder.encode(`msg_bin.${VECTOR.timestamp}.`), ...body]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, signed));
    const outcome = await standardWebhooksVerifier.verify(
      input({
        secrets: [`whsec_${toBase64(key)}`],
        body,
        headers: {
          "webhook-id": "msg_bin",
          "webhook-timestamp": String(VECTOR.timestamp),
          "webhook-signature": `v1,${toBase64(mac)}`,
        },
      }),
    );
    expect(outcome).toMatchObject({ ok: true, deliveryId: "msg_bin" });
  });

  it("accepts when any one of several space-separated signatures matches", async () => {
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": [DECOY, DECOY.replace("v1,", "v2,"), VECTOR.signature, DECOY].join(" "),
    };
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toMatchObject({ ok: true });
  });

  it("rejects a tampered body", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ body: '{"test": 2432232315}' }));
    expect(outcome).toEqual(failure("signature_invalid"));
  });

  it("rejects a tampered webhook-id, which is part of the signed content", async () => {
    const headers = {
      "webhook-id": "msg_other",
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    };
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing it", async () => {
    const wrong = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    const outcome = await standardWebhooksVerifier.verify(input({ secrets: [wrong] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expectNoLeak(outcome, wrong, VECTOR.signature.slice(3));
  });

  it("reports the index of the matching secret during rotation", async () => {
    const newer = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    const outcome = await standardWebhooksVerifier.verify(input({ secrets: [newer, VECTOR.secret] }));
    expect(outcome).toEqual({ ok: true, deliveryId: VECTOR.id, signedAt: VECTOR.timestamp, secretIndex: 1 });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no signing secret/i);
  });

  it("rejects a configured secret that is not base64", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ secrets: ["whsec_not base64!"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/whsec_/);
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("reports a missing %s header", async (name) => {
    const headers: Record<string, string> = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    };
    delete headers[name];
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage", "not a signature"],
    ["an empty value", ""],
    ["a wrong version", VECTOR.signature.replace("v1,", "v2,")],
    ["bad base64", "v1,%%%not-base64%%%"],
    ["a short signature (the SDK's invalid case)", "v1,dawfeoifkpqwoekfpqoekf"],
    ["a truncated signature", VECTOR.signature.slice(0, 8)],
    ["a bare prefix", "v1,"],
  ])("rejects a webhook-signature with %s", async (_label, signature) => {
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": signature,
    };
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it.each(["hello", "", "1614265330.5", "-1614265330"])("rejects a webhook-timestamp of %j", async (timestamp) => {
    const headers = { "webhook-id": VECTOR.id, "webhook-timestamp": timestamp, "webhook-signature": VECTOR.signature };
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects an empty webhook-id", async () => {
    const headers = { "webhook-id": "", "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature };
    await expect(standardWebhooksVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp older than the tolerance", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ now: VECTOR.timestamp + 301 }));
    expect(outcome).toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("rejects a timestamp further in the future than the tolerance", async () => {
    const outcome = await standardWebhooksVerifier.verify(input({ now: VECTOR.timestamp - 301 }));
    expect(outcome).toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("accepts timestamps at the edge of the tolerance, in both directions", async () => {
    await expect(standardWebhooksVerifier.verify(input({ now: VECTOR.timestamp + 300 }))).resolves.toMatchObject({ ok: true });
    await expect(standardWebhooksVerifier.verify(input({ now: VECTOR.timestamp - 300 }))).resolves.toMatchObject({ ok: true });
  });

  it("honours the source's own tolerance", async () => {
    const stale = await standardWebhooksVerifier.verify(input({ now: VECTOR.timestamp + 61, tolerance: 60 }));
    expect(stale).toEqual(failure("timestamp_out_of_tolerance"));
  });
});
