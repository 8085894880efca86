import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { hmacVerifier } from "../../src/verify/providers/hmac";
import type { VerifyInput } from "../../src/verify/types";
import type { SourceInput } from "../helpers";

const NOW = 1_700_000_000;
const SECRET = "generic-secret";
const BODY = '{"lead":{"email":"ada@example.com"}}';
const URL_SIGNED = "https://hooks.example.com/in/generic?x=1";

type Hash = "SHA-1" | "SHA-256" | "SHA-512";

async function mac(hash: Hash, key: string, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const text = (value: string) => new TextEncoder().encode(value);

function input(opts: {
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  secrets?: string[];
  hmac?: SourceInput["hmac"];
  now?: number;
  method?: string;
}): VerifyInput {
  return {
    rawBody: typeof opts.body === "object" ? opts.body : text(opts.body ?? BODY),
    headers: new Headers(opts.headers ?? {}),
    url: URL_SIGNED,
    method: opts.method ?? "POST",
    source: sourceSchema.parse({ id: "s", provider: "hmac", secrets: opts.secrets ?? [SECRET], hmac: opts.hmac }),
    nowSeconds: opts.now ?? NOW,
  };
}

describe("generic hmac verifier", () => {
  it("declares provider and body format", () => {
    expect(hmacVerifier.provider).toBe("hmac");
    expect(hmacVerifier.bodyFormat).toBe("any");
  });

  it("verifies GitHub's published example when configured like GitHub", async () => {
    // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody",
    // payload "Hello, World!", X-Hub-Signature-256 below.
    const outcome = await hmacVerifier.verify(
      input({
        body: "Hello, World!",
        secrets: ["It's a Secret to Everybody"],
        hmac: { header: "X-Hub-Signature-256", prefix: "sha256=", idHeader: "X-GitHub-Delivery" },
        headers: {
          "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
          "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        },
      }),
    );
    // GitHub signs the body alone: the delivery id is kept, but not as a dedup key.
    expect(outcome).toEqual({ ok: true, secretIndex: 0, unsignedDeliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
  });

  it("uses the schema defaults (x-signature, sha256, hex, {body}) when no options are set", async () => {
    const signature = hex(await mac("SHA-256", SECRET, text(BODY)));
    expect(await hmacVerifier.verify(input({ headers: { "x-signature": signature } }))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("supports sha1 with base64 and a prefix", async () => {
    const signature = `sha1=${base64(await mac("SHA-1", SECRET, text(BODY)))}`;
    const hmac = { header: "X-Sig", algorithm: "sha1", encoding: "base64", prefix: "sha1=" } as const;
    expect(await hmacVerifier.verify(input({ hmac, headers: { "X-Sig": signature } }))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("supports sha512", async () => {
    const signature = hex(await mac("SHA-512", SECRET, text(BODY)));
    const hmac = { algorithm: "sha512" } as const;
    expect(await hmacVerifier.verify(input({ hmac, headers: { "x-signature": signature } }))).toMatchObject({ ok: true });
    const sha256 = hex(await mac("SHA-256", SECRET, text(BODY)));
    expect(await hmacVerifier.verify(input({ hmac, headers: { "x-signature": sha256 } }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("signs the template with timestamp, method and url, and checks the timestamp", async () => {
    const hmac = {
      template: "{timestamp}.{method}.{url}.{body}",
      timestampHeader: "X-Timestamp",
      idHeader: "X-Delivery",
    };
    const ts = NOW - 20;
    const signature = hex(await mac("SHA-256", SECRET, text(`${ts}.PUT.${URL_SIGNED}.${BODY}`)));
    const headers = { "x-signature": signature, "X-Timestamp": String(ts), "X-Delivery": "dlv_1" };
    expect(await hmacVerifier.verify(input({ hmac, headers, method: "PUT" }))).toEqual({
      ok: true,
      secretIndex: 0,
      signedAt: ts,
      unsignedDeliveryId: "dlv_1",
    });
    // Same signature, other method: the method is part of what was signed.
    expect(await hmacVerifier.verify(input({ hmac, headers, method: "POST" }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("signs a non-UTF-8 body byte for byte", async () => {
    const body = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x80]);
    const signature = hex(await mac("SHA-256", SECRET, body));
    expect(await hmacVerifier.verify(input({ body, headers: { "x-signature": signature } }))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("rejects a tampered body", async () => {
    const signature = hex(await mac("SHA-256", SECRET, text(BODY)));
    expect(await hmacVerifier.verify(input({ body: BODY.replace("ada", "eve"), headers: { "x-signature": signature } }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a signature made with another secret, without echoing the expected one", async () => {
    const signature = hex(await mac("SHA-256", "other-secret", text(BODY)));
    const outcome = await hmacVerifier.verify(input({ headers: { "x-signature": signature } }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(JSON.stringify(outcome)).not.toContain(hex(await mac("SHA-256", SECRET, text(BODY))));
  });

  it("accepts the second secret during rotation and reports its index", async () => {
    const signature = hex(await mac("SHA-256", "old-secret", text(BODY)));
    expect(await hmacVerifier.verify(input({ secrets: ["new-secret", "old-secret"], headers: { "x-signature": signature } }))).toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails when the source has no secret", async () => {
    const signature = hex(await mac("SHA-256", SECRET, text(BODY)));
    const outcome = await hmacVerifier.verify(input({ secrets: [], headers: { "x-signature": signature } }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no HMAC secret/);
  });

  it("reports a missing signature header", async () => {
    expect(await hmacVerifier.verify(input({}))).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it("reports a missing timestamp header when one is configured", async () => {
    const signature = hex(await mac("SHA-256", SECRET, text(`${NOW}.${BODY}`)));
    const outcome = await hmacVerifier.verify(
      input({ hmac: { template: "{timestamp}.{body}", timestampHeader: "X-Timestamp" }, headers: { "x-signature": signature } }),
    );
    expect(outcome).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it("refuses a template that uses {timestamp} without a timestampHeader", async () => {
    const outcome = await hmacVerifier.verify(input({ hmac: { template: "{timestamp}.{body}" }, headers: { "x-signature": "a".repeat(64) } }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it.each([
    ["empty", ""],
    ["garbage", "not a digest"],
    ["bad hex", "zz".repeat(32)],
    ["odd-length hex", "a".repeat(63)],
    ["wrong prefix", `sha1=${"a".repeat(64)}`],
  ])("rejects a malformed hex header (%s)", async (_, value) => {
    expect(await hmacVerifier.verify(input({ headers: { "x-signature": value } }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it.each([
    ["missing prefix", "digest"],
    ["other prefix", "sha256=digest"],
    ["bad base64", "v1=***"],
    ["prefix only", "v1="],
  ])("rejects a malformed prefixed base64 header (%s)", async (_, value) => {
    const digest = base64(await mac("SHA-256", SECRET, text(BODY)));
    const hmac = { encoding: "base64", prefix: "v1=" } as const;
    expect(await hmacVerifier.verify(input({ hmac, headers: { "x-signature": value.replace("digest", digest) } }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("says so when the configured prefix is missing", async () => {
    const digest = hex(await mac("SHA-256", SECRET, text(BODY)));
    const outcome = await hmacVerifier.verify(input({ hmac: { prefix: "sha256=" }, headers: { "x-signature": digest } }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/prefix/);
  });

  describe("timestamp tolerance", () => {
    const hmac = { template: "{timestamp}:{body}", timestampHeader: "X-Timestamp" };
    const signedInput = async (ts: string) =>
      input({
        hmac,
        headers: { "x-signature": hex(await mac("SHA-256", SECRET, text(`${ts}:${BODY}`))), "X-Timestamp": ts },
      });

    it("rejects stale and future timestamps beyond tolerance", async () => {
      for (const ts of [NOW - 301, NOW + 301]) {
        expect(await hmacVerifier.verify(await signedInput(String(ts)))).toMatchObject({
          ok: false,
          code: "timestamp_out_of_tolerance",
        });
      }
    });

    it("accepts timestamps within tolerance in both directions", async () => {
      for (const ts of [NOW - 300, NOW + 300]) {
        expect(await hmacVerifier.verify(await signedInput(String(ts)))).toEqual({ ok: true, secretIndex: 0, signedAt: ts });
      }
    });

    it("treats milliseconds as a timestamp far in the future", async () => {
      expect(await hmacVerifier.verify(await signedInput(String(NOW * 1000)))).toMatchObject({ ok: false });
    });

    it("rejects a timestamp header that is not Unix seconds", async () => {
      for (const ts of ["", "soon", "1700000000.5", "2023-11-14T22:13:20Z"]) {
        expect(await hmacVerifier.verify(await signedInput(ts))).toMatchObject({ ok: false, code: "signature_invalid" });
      }
    });

    it("refuses a timestamp the template does not sign, even a fresh one on a 30-day-old signature", async () => {
      // A source stored before writes refused this: a replayer would send a fresh timestamp.
      const signature = hex(await mac("SHA-256", SECRET, text(BODY)));
      const outcome = await hmacVerifier.verify(
        input({
          hmac: { timestampHeader: "X-Timestamp" },
          headers: { "x-signature": signature, "X-Timestamp": String(NOW) },
          now: NOW + 30 * 86_400,
        }),
      );
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
      expect(outcome.ok ? "" : outcome.detail).toMatch(/hmac\.timestampHeader.*does not sign \{timestamp\}/);
    });

    it("refuses a signed timestamp moved forward: the signature no longer matches", async () => {
      const old = NOW - 30 * 86_400;
      const signature = hex(await mac("SHA-256", SECRET, text(`${old}:${BODY}`)));
      const outcome = await hmacVerifier.verify(input({ hmac, headers: { "x-signature": signature, "X-Timestamp": String(NOW) } }));
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    });
  });

  describe("signed delivery id", () => {
    const hmac = { template: "{id}.{timestamp}.{body}", timestampHeader: "X-Timestamp", idHeader: "X-Id" };
    const signed = async (id: string) => hex(await mac("SHA-256", SECRET, text(`${id}.${NOW}.${BODY}`)));

    it("reports an id the template signs as the delivery id", async () => {
      const headers = { "x-signature": await signed("dlv_1"), "X-Timestamp": String(NOW), "X-Id": "dlv_1" };
      expect(await hmacVerifier.verify(input({ hmac, headers }))).toEqual({
        ok: true,
        secretIndex: 0,
        signedAt: NOW,
        deliveryId: "dlv_1",
      });
    });

    it("refuses a replay that carries a new id", async () => {
      const headers = { "x-signature": await signed("dlv_1"), "X-Timestamp": String(NOW), "X-Id": "dlv_2" };
      expect(await hmacVerifier.verify(input({ hmac, headers }))).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it("reports a missing id header as a missing signature part", async () => {
      const headers = { "x-signature": await signed(""), "X-Timestamp": String(NOW) };
      expect(await hmacVerifier.verify(input({ hmac, headers }))).toMatchObject({ ok: false, code: "signature_missing" });
    });
  });

  it.each([
    ["a template without {body}", { template: "{timestamp}", timestampHeader: "X-Timestamp" }, /hmac\.template.*\{body\}/],
    ["{id} without an idHeader", { template: "{id}.{body}" }, /hmac\.template.*idHeader/],
  ])("refuses a source stored with %s", async (_, hmac, detail) => {
    const signature = hex(await mac("SHA-256", SECRET, text(BODY)));
    const outcome = await hmacVerifier.verify(input({ hmac, headers: { "x-signature": signature, "X-Timestamp": String(NOW) } }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(detail);
  });
});
