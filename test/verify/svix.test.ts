import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { svixVerifier } from "../../src/verify/providers/svix";
import type { VerifyInput } from "../../src/verify/types";

// Svix created the Standard Webhooks scheme and shares its published vector:
// standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts ("sign function works");
// svix/svix-webhooks javascript/src/webhook.test.ts builds the same svix-* headers from the same secret.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

async function sign(key: Uint8Array, id: string, timestamp: number, body: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

const svixHeaders = (overrides: Record<string, string> = {}): Record<string, string> => ({
  "svix-id": VECTOR.id,
  "svix-timestamp": String(VECTOR.timestamp),
  "svix-signature": VECTOR.signature,
  ...overrides,
});

function input(options: { secrets?: string[]; headers?: Record<string, string>; body?: string; now?: number }): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? VECTOR.body),
    headers: new Headers(options.headers ?? svixHeaders()),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "svix", secrets: options.secrets ?? [VECTOR.secret] }),
    nowSeconds: options.now ?? VECTOR.timestamp,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("svix verifier", () => {
  it("declares its provider", () => {
    expect(svixVerifier.provider).toBe("svix");
    expect(svixVerifier.bodyFormat).toBe("json");
  });

  it("accepts the published vector under svix-* headers", async () => {
    await expect(svixVerifier.verify(input({}))).resolves.toEqual({
      ok: true,
      deliveryId: VECTOR.id,
      signedAt: VECTOR.timestamp,
      secretIndex: 0,
    });
  });

  it("accepts a signature computed independently with WebCrypto", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const now = 1_700_000_123;
    const body = '{"eventType":"invoice.paid"}';
    const headers = {
      "svix-id": "msg_2",
      "svix-timestamp": String(now),
      "svix-signature": await sign(key, "msg_2", now, body),
    };
    const outcome = await svixVerifier.verify(input({ secrets: [`whsec_${toBase64(key)}`], headers, body, now }));
    expect(outcome).toEqual({ ok: true, deliveryId: "msg_2", signedAt: now, secretIndex: 0 });
  });

  it("falls back to the unbranded webhook-* headers, as Svix's SDK does", async () => {
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    };
    await expect(svixVerifier.verify(input({ headers }))).resolves.toMatchObject({ ok: true, deliveryId: VECTOR.id });
  });

  it("uses the webhook-* set when the svix-* set is incomplete", async () => {
    const headers = {
      "svix-id": "msg_partial",
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    };
    await expect(svixVerifier.verify(input({ headers }))).resolves.toMatchObject({ ok: true, deliveryId: VECTOR.id });
  });

  it("rejects a tampered body", async () => {
    await expect(svixVerifier.verify(input({ body: '{"test": 1}' }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret", async () => {
    const wrong = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    await expect(svixVerifier.verify(input({ secrets: [wrong] }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("reports the index of the matching secret during rotation", async () => {
    const newer = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    await expect(svixVerifier.verify(input({ secrets: [newer, VECTOR.secret] }))).resolves.toEqual({
      ok: true,
      deliveryId: VECTOR.id,
      signedAt: VECTOR.timestamp,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no secret", async () => {
    await expect(svixVerifier.verify(input({ secrets: [] }))).resolves.toEqual(failure("signature_invalid"));
  });

  it.each(["svix-id", "svix-timestamp", "svix-signature"])("reports a missing %s header", async (name) => {
    const headers = svixHeaders();
    delete headers[name];
    const outcome = await svixVerifier.verify(input({ headers }));
    expect(outcome).toEqual(failure("signature_missing"));
    expect(outcome.ok === false && outcome.detail).toContain("svix-id");
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty value", ""],
    ["a wrong version", VECTOR.signature.replace("v1,", "v1a,")],
    ["bad base64", "v1,***"],
  ])("rejects a svix-signature with %s", async (_label, signature) => {
    const outcome = await svixVerifier.verify(input({ headers: svixHeaders({ "svix-signature": signature }) }));
    expect(outcome).toEqual(failure("signature_invalid"));
  });

  it("rejects a non-numeric svix-timestamp", async () => {
    const outcome = await svixVerifier.verify(input({ headers: svixHeaders({ "svix-timestamp": "hello" }) }));
    expect(outcome).toEqual(failure("signature_invalid"));
  });

  it("rejects stale and future timestamps beyond the tolerance", async () => {
    await expect(svixVerifier.verify(input({ now: VECTOR.timestamp + 301 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
    await expect(svixVerifier.verify(input({ now: VECTOR.timestamp - 301 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("accepts timestamps within the tolerance", async () => {
    await expect(svixVerifier.verify(input({ now: VECTOR.timestamp + 299 }))).resolves.toMatchObject({ ok: true });
    await expect(svixVerifier.verify(input({ now: VECTOR.timestamp - 299 }))).resolves.toMatchObject({ ok: true });
  });
});
