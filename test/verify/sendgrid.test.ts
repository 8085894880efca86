import { beforeAll, describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { sendgridVerifier } from "../../src/verify/providers/sendgrid";
import type { VerifyInput } from "../../src/verify/types";

const NOW = 1_700_000_000;
const BODY = '[{"email":"ada@example.com","event":"processed","sg_event_id":"ZHJvcC0xMDk5","timestamp":1699999990}]\r\n';

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** IEEE P1363 r||s (what WebCrypto signs) to the DER form SendGrid sends. */
function p1363ToDer(signature: Uint8Array): Uint8Array {
  const integer = (scalar: Uint8Array): number[] => {
    let start = 0;
    while (start < scalar.length - 1 && scalar[start] === 0) start++;
    const bytes = Array.from(scalar.subarray(start));
    if ((bytes[0] ?? 0) >= 0x80) bytes.unshift(0);
    return [0x02, bytes.length, ...bytes];
  };
  const r = integer(signature.subarray(0, 32));
  const s = integer(signature.subarray(32, 64));
  return Uint8Array.from([0x30, r.length + s.length, ...r, ...s]);
}

interface TestKey {
  privateKey: CryptoKey;
  spkiBase64: string;
}

async function generateKey(): Promise<TestKey> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  if (!("privateKey" in pair)) throw new Error("expected a key pair");
  const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
  if (!(spki instanceof ArrayBuffer)) throw new Error("expected SPKI bytes");
  return { privateKey: pair.privateKey, spkiBase64: toBase64(new Uint8Array(spki)) };
}

async function signP1363(key: TestKey, timestamp: string, body: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(timestamp + body);
  return new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, data));
}

async function signHeader(key: TestKey, timestamp: string, body = BODY): Promise<string> {
  return toBase64(p1363ToDer(await signP1363(key, timestamp, body)));
}

function input(opts: { signature?: string | null; timestamp?: string | null; body?: string; secrets: string[]; now?: number }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (opts.signature !== null && opts.signature !== undefined) {
    headers.set("X-Twilio-Email-Event-Webhook-Signature", opts.signature);
  }
  if (opts.timestamp !== null) headers.set("X-Twilio-Email-Event-Webhook-Timestamp", opts.timestamp ?? String(NOW));
  return {
    rawBody: new TextEncoder().encode(opts.body ?? BODY),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "sendgrid", secrets: opts.secrets }),
    nowSeconds: opts.now ?? NOW,
  };
}

describe("sendgrid verifier", () => {
  let key: TestKey;
  let otherKey: TestKey;

  beforeAll(async () => {
    key = await generateKey();
    otherKey = await generateKey();
  });

  it("declares provider and body format", () => {
    expect(sendgridVerifier.provider).toBe("sendgrid");
    expect(sendgridVerifier.bodyFormat).toBe("json");
  });

  // sendgrid/sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js and
  // sendgrid/sendgrid-go helpers/eventwebhook/eventwebhook_test.go share this vector;
  // its DER r is 33 bytes (a 0x00 pad before a high-bit byte).
  describe("official SDK vector (nodejs, go)", () => {
    const PUBLIC_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
    const SIGNATURE = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
    const TIMESTAMP = "1588788367";
    const PAYLOAD = JSON.stringify({ category: "example_payload", event: "test_event", message_id: "message_id" });
    const sdk = (overrides: { key?: string; payload?: string; signature?: string; timestamp?: string }) =>
      input({
        secrets: [overrides.key ?? PUBLIC_KEY],
        body: overrides.payload ?? PAYLOAD,
        signature: overrides.signature ?? SIGNATURE,
        timestamp: overrides.timestamp ?? TIMESTAMP,
        now: 1588788367,
      });

    it("should verify a valid signature", async () => {
      expect(await sendgridVerifier.verify(sdk({}))).toEqual({ ok: true, signedAt: 1588788367, secretIndex: 0 });
    });

    it("should reject for invalid key", async () => {
      const key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==";
      expect(await sendgridVerifier.verify(sdk({ key }))).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it("should reject for bad payload", async () => {
      expect(await sendgridVerifier.verify(sdk({ payload: "payload" }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    });

    it("should reject for bad signature", async () => {
      const signature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=";
      expect(await sendgridVerifier.verify(sdk({ signature }))).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it("should reject for bad timestamp", async () => {
      expect(await sendgridVerifier.verify(sdk({ timestamp: "timestamp" }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    });

    it("rejects the go SDK's corrupted signature", async () => {
      expect(await sendgridVerifier.verify(sdk({ signature: `${SIGNATURE}causing failure` }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    });

    it("rejects the same signature under a different (signed) timestamp", async () => {
      expect(await sendgridVerifier.verify(sdk({ timestamp: "1588788368" }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    });
  });

  // sendgrid/sendgrid-python test/unit/test_eventwebhook.py: a real event body with its
  // trailing CRLF; here the DER s is the 33-byte integer and r the 32-byte one.
  it("verifies the official python SDK vector", async () => {
    const PUBLIC_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    const SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    const PAYLOAD =
      '[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]\r\n';
    const base = { secrets: [PUBLIC_KEY], signature: SIGNATURE, timestamp: "1600112502", now: 1600112502 };
    expect(await sendgridVerifier.verify(input({ ...base, body: PAYLOAD }))).toEqual({
      ok: true,
      signedAt: 1600112502,
      secretIndex: 0,
    });
    expect(await sendgridVerifier.verify(input({ ...base, body: PAYLOAD.trimEnd() }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("accepts a signature from a key pair generated in the test", async () => {
    const signature = await signHeader(key, String(NOW - 5));
    expect(await sendgridVerifier.verify(input({ signature, timestamp: String(NOW - 5), secrets: [key.spkiBase64] }))).toEqual({
      ok: true,
      signedAt: NOW - 5,
      secretIndex: 0,
    });
  });

  it("accepts a PEM-armoured verification key", async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${key.spkiBase64.slice(0, 64)}\n${key.spkiBase64.slice(64)}\n-----END PUBLIC KEY-----\n`;
    const signature = await signHeader(key, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature, secrets: [pem] }))).toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 0,
    });
  });

  it("handles DER integers that need a 0x00 pad and ones shorter than 32 bytes", async () => {
    let padded = 0;
    let short = 0;
    // Signatures are randomised: sign until both shapes have been seen (short ones are ~1/128).
    for (let i = 0; i < 4000 && (padded < 2 || short < 1); i++) {
      const raw = await signP1363(key, String(NOW), BODY);
      const hasPad = (raw[0] ?? 0) >= 0x80 || (raw[32] ?? 0) >= 0x80;
      const isShort = raw[0] === 0 || raw[32] === 0;
      if (!hasPad && !isShort) continue;
      const der = p1363ToDer(raw);
      const outcome = await sendgridVerifier.verify(input({ signature: toBase64(der), secrets: [key.spkiBase64] }));
      expect(outcome).toEqual({ ok: true, signedAt: NOW, secretIndex: 0 });
      if (hasPad) padded++;
      if (isShort) short++;
    }
    expect(padded).toBeGreaterThanOrEqual(2);
    expect(short).toBeGreaterThanOrEqual(1);
  });

  it("rejects a tampered body", async () => {
    const signature = await signHeader(key, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature, body: BODY.replace("processed", "delivered"), secrets: [key.spkiBase64] }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a signature from another key pair", async () => {
    const signature = await signHeader(otherKey, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature, secrets: [key.spkiBase64] }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("accepts the second verification key during rotation and reports its index", async () => {
    const signature = await signHeader(key, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature, secrets: [otherKey.spkiBase64, key.spkiBase64] }))).toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 1,
    });
  });

  it("skips an unusable key and still matches the next one", async () => {
    const signature = await signHeader(key, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature, secrets: ["not-a-key", key.spkiBase64] }))).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails when no configured key is a P-256 public key", async () => {
    const signature = await signHeader(key, String(NOW));
    // A valid base64 string that is not SPKI, and an HMAC-style secret.
    const outcome = await sendgridVerifier.verify(input({ signature, secrets: ["QUJDRA==", "whsec_abc!"] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/P-256 public key/);
  });

  it("fails when the source has no key", async () => {
    const signature = await signHeader(key, String(NOW));
    const outcome = await sendgridVerifier.verify(input({ signature, secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no verification key/);
  });

  it("reports a missing signature header and a missing timestamp header", async () => {
    const signature = await signHeader(key, String(NOW));
    expect(await sendgridVerifier.verify(input({ signature: null, secrets: [key.spkiBase64] }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
    expect(await sendgridVerifier.verify(input({ signature, timestamp: null, secrets: [key.spkiBase64] }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it("rejects malformed signature headers", async () => {
    const der = p1363ToDer(await signP1363(key, String(NOW), BODY));
    const raw = await signP1363(key, String(NOW), BODY);
    const cases = [
      "",
      "garbage!!",
      "AAAA",
      toBase64(raw), // raw r||s instead of DER
      toBase64(Uint8Array.from([...der, 0x00])), // trailing byte outside the SEQUENCE
      toBase64(Uint8Array.from([0x30, (der[1] ?? 0) + 1, ...der.subarray(2), 0x00])), // trailing byte inside it
      toBase64(Uint8Array.from([0x31, ...der.subarray(1)])), // SET instead of SEQUENCE
      toBase64(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01])), // negative r
      toBase64(Uint8Array.from([0x30, 0x26, 0x02, 0x21, 0x01, ...new Uint8Array(32).fill(7), 0x02, 0x01, 0x01])), // r > 32 bytes
    ];
    for (const signature of cases) {
      const outcome = await sendgridVerifier.verify(input({ signature, secrets: [key.spkiBase64] }));
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
      // Refused as malformed DER, not merely as a signature that fails to verify.
      expect(outcome.ok ? "" : outcome.detail).toMatch(/not a base64 DER ECDSA signature/);
    }
  });

  it("rejects malformed timestamp headers", async () => {
    const signature = await signHeader(key, String(NOW));
    for (const timestamp of ["", "timestamp", "1700000000.5", "-1700000000", "0x6553f100"]) {
      expect(await sendgridVerifier.verify(input({ signature, timestamp, secrets: [key.spkiBase64] }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    }
  });

  it("rejects stale and future timestamps beyond tolerance", async () => {
    for (const ts of [NOW - 301, NOW + 301]) {
      const signature = await signHeader(key, String(ts));
      expect(await sendgridVerifier.verify(input({ signature, timestamp: String(ts), secrets: [key.spkiBase64] }))).toMatchObject({
        ok: false,
        code: "timestamp_out_of_tolerance",
      });
    }
  });

  it("accepts timestamps within tolerance in both directions", async () => {
    for (const ts of [NOW - 300, NOW + 300]) {
      const signature = await signHeader(key, String(ts));
      expect(await sendgridVerifier.verify(input({ signature, timestamp: String(ts), secrets: [key.spkiBase64] }))).toEqual({
        ok: true,
        signedAt: ts,
        secretIndex: 0,
      });
    }
  });
});
