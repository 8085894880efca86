import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { hubspotVerifier } from "../../src/verify/providers/hubspot";
import type { VerifyInput } from "../../src/verify/types";

// HubSpot's published examples: the "Validating requests" docs and HubSpot/hubspot-api-nodejs
// test/unit/signature.spec.ts (v1, v2 GET, v2 POST), and HubSpot/hubspot-api-python
// tests/spec/utils/test_signature.py (v1, v2 and a fixed v3 vector with timestamp 15000000 ms).
const SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
const URI = "https://www.example.com/webhook_uri";
const DOCS_V1 = {
  body: '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]',
  signature: "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
};
const DOCS_V2_GET = "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e";
const DOCS_V2_POST = { body: '{"example_field":"example_value"}', signature: "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900" };
const PY = {
  body: "{'example_field':'example_value'}",
  v1: "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750",
  v2: "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383",
  v3: "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=",
  timestampMs: 15000000,
};

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function signV3(secret: string, method: string, uri: string, body: string, timestampMs: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${method}${uri}${body}${timestampMs}`));
  return toBase64(new Uint8Array(mac));
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

function input(options: {
  headers: Record<string, string>;
  body?: string;
  url?: string;
  method?: string;
  secrets?: string[];
  now?: number;
  tolerance?: number;
}): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? PY.body),
    headers: new Headers(options.headers),
    url: options.url ?? URI,
    method: options.method ?? "POST",
    source: sourceSchema.parse({
      id: "s",
      provider: "hubspot",
      secrets: options.secrets ?? [SECRET],
      toleranceSeconds: options.tolerance ?? 300,
    }),
    nowSeconds: options.now ?? PY.timestampMs / 1000,
  };
}

const v3Headers = (signature: string, timestampMs: number | string = PY.timestampMs): Record<string, string> => ({
  "x-hubspot-signature-v3": signature,
  "x-hubspot-request-timestamp": String(timestampMs),
});

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("hubspot verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(hubspotVerifier.provider).toBe("hubspot");
    expect(hubspotVerifier.bodyFormat).toBe("json");
  });

  describe("v3", () => {
    it("accepts hubspot-api-python's published vector, with the timestamp in milliseconds", async () => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(PY.v3) }))).resolves.toEqual({
        ok: true,
        signedAt: 15000,
        secretIndex: 0,
      });
    });

    it("accepts a signature computed independently with WebCrypto", async () => {
      const now = 1_700_000_000;
      const ts = now * 1000 - 1234;
      const body = '[{"eventId":100,"subscriptionType":"contact.creation","objectId":1}]';
      const url = "https://gateway.example/in/hubspot?portal=62515";
      const headers = v3Headers(await signV3("client-secret", "POST", url, body, ts), ts);
      await expect(hubspotVerifier.verify(input({ headers, body, url, now, secrets: ["client-secret"] }))).resolves.toEqual({
        ok: true,
        signedAt: now - 2,
        secretIndex: 0,
      });
    });

    it("decodes exactly the percent-escapes HubSpot's table lists before signing the URI", async () => {
      const now = 1_700_000_000;
      const ts = now * 1000;
      const sent = "https://gateway.example/in/hubspot?redirect=https%3A%2F%2Fx.example%2Fa%3Fb%40c%21%24%27%28%29%2A%2C%3B&q=a%20b";
      const signedUri = "https://gateway.example/in/hubspot?redirect=https://x.example/a?b@c!$'()*,;&q=a%20b";
      const headers = v3Headers(await signV3(SECRET, "POST", signedUri, PY.body, ts), ts);
      await expect(hubspotVerifier.verify(input({ headers, url: sent, now }))).resolves.toMatchObject({ ok: true });

      const spaceDecoded = signedUri.replace("a%20b", "a b");
      const wrong = v3Headers(await signV3(SECRET, "POST", spaceDecoded, PY.body, ts), ts);
      await expect(hubspotVerifier.verify(input({ headers: wrong, url: sent, now }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("signs the request method", async () => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), method: "PUT" }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("is preferred over v1/v2 when both are present", async () => {
      const headers = {
        ...v3Headers("AAAA"),
        "x-hubspot-signature": PY.v1,
        "x-hubspot-signature-version": "v1",
      };
      await expect(hubspotVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("rejects a tampered body", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), body: "{'example_field':'other'}" }));
      expect(outcome).toEqual(failure("signature_invalid"));
    });

    it("rejects a timestamp changed after signing", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: v3Headers(PY.v3, PY.timestampMs + 1) }));
      expect(outcome).toEqual(failure("signature_invalid"));
    });

    it("rejects a wrong secret without revealing it", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), secrets: ["zzzz-other"] }));
      expect(outcome).toEqual(failure("signature_invalid"));
      expect(JSON.stringify(outcome)).not.toContain("zzzz-other");
    });

    it("reports the index of the matching secret during rotation", async () => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), secrets: ["newer", SECRET] }))).resolves.toEqual({
        ok: true,
        signedAt: 15000,
        secretIndex: 1,
      });
    });

    it("reports a missing X-HubSpot-Request-Timestamp", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: { "x-hubspot-signature-v3": PY.v3 } }));
      expect(outcome).toEqual(failure("signature_missing"));
    });

    it.each(["", "soon", "15000000.0", "-15000000"])("rejects a timestamp of %j", async (timestamp) => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(PY.v3, timestamp) }))).resolves.toEqual(failure("signature_invalid"));
    });

    it.each([
      ["garbage", "garbage!"],
      ["an empty value", ""],
      ["bad base64", "%%%%"],
      ["a hex digest", "ab".repeat(32)],
      ["a prefixed value", `sha256=${PY.v3}`],
    ])("rejects a signature with %s", async (_label, signature) => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(signature) }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("rejects a timestamp older than the tolerance, compared in milliseconds", async () => {
      await expect(hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), now: 15301 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
      const now = 1_700_000_000;
      const ts = now * 1000 - 300_001;
      const headers = v3Headers(await signV3(SECRET, "POST", URI, PY.body, ts), ts);
      await expect(hubspotVerifier.verify(input({ headers, now }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
    });

    it("rejects a timestamp further in the future than the tolerance", async () => {
      const now = 1_700_000_000;
      const ts = now * 1000 + 300_001;
      const headers = v3Headers(await signV3(SECRET, "POST", URI, PY.body, ts), ts);
      await expect(hubspotVerifier.verify(input({ headers, now }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
    });

    it("accepts timestamps within the tolerance in both directions", async () => {
      const now = 1_700_000_000;
      for (const ts of [now * 1000 - 300_000, now * 1000 + 300_000]) {
        const headers = v3Headers(await signV3(SECRET, "POST", URI, PY.body, ts), ts);
        await expect(hubspotVerifier.verify(input({ headers, now }))).resolves.toMatchObject({ ok: true });
      }
    });
  });

  describe("v1 and v2", () => {
    const legacy = (signature: string, version: string): Record<string, string> => ({
      "x-hubspot-signature": signature,
      "x-hubspot-signature-version": version,
    });

    it("accepts the documented v1 example", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: legacy(DOCS_V1.signature, "v1"), body: DOCS_V1.body }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("accepts the documented v2 GET and POST examples", async () => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(DOCS_V2_GET, "v2"), body: "", method: "GET" }))).resolves.toEqual({
        ok: true,
        secretIndex: 0,
      });
      await expect(hubspotVerifier.verify(input({ headers: legacy(DOCS_V2_POST.signature, "v2"), body: DOCS_V2_POST.body }))).resolves.toEqual({
        ok: true,
        secretIndex: 0,
      });
    });

    it("accepts hubspot-api-python's v1 and v2 vectors", async () => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v1, "v1") }))).resolves.toMatchObject({ ok: true });
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v2, "v2") }))).resolves.toMatchObject({ ok: true });
    });

    it("accepts v1 and v2 digests computed independently with WebCrypto", async () => {
      const body = '[{"eventId":7}]';
      const url = "https://gateway.example/in/hubspot";
      await expect(hubspotVerifier.verify(input({ headers: legacy(await sha256Hex(`s3${body}`), "v1"), body, secrets: ["s3"] }))).resolves.toMatchObject({
        ok: true,
      });
      await expect(
        hubspotVerifier.verify(input({ headers: legacy(await sha256Hex(`s3POST${url}${body}`), "v2"), body, url, secrets: ["s3"] })),
      ).resolves.toMatchObject({ ok: true });
    });

    it("signs v2 with the URI exactly as sent (no decoding)", async () => {
      const url = "https://gateway.example/in/hubspot?next=a%3Ab";
      const decoded = await sha256Hex(`${SECRET}POSThttps://gateway.example/in/hubspot?next=a:b${PY.body}`);
      await expect(hubspotVerifier.verify(input({ headers: legacy(decoded, "v2"), url }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("does not accept a v1 digest announced as v2, or the reverse", async () => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v1, "v2") }))).resolves.toEqual(failure("signature_invalid"));
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v2, "v1") }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("rejects a tampered body", async () => {
      const outcome = await hubspotVerifier.verify(
        input({ headers: legacy(DOCS_V1.signature, "v1"), body: DOCS_V1.body.replace('"objectId":123', '"objectId":124') }),
      );
      expect(outcome).toEqual(failure("signature_invalid"));
    });

    it("rejects a wrong secret", async () => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v1, "v1"), secrets: ["nope"] }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("reports the index of the matching secret during rotation", async () => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v2, "v2"), secrets: ["newer", SECRET] }))).resolves.toEqual({ ok: true, secretIndex: 1 });
    });

    it("reports a missing X-HubSpot-Signature-Version", async () => {
      await expect(hubspotVerifier.verify(input({ headers: { "x-hubspot-signature": PY.v1 } }))).resolves.toEqual(failure("signature_missing"));
    });

    it.each(["v3", "", "V1"])("rejects a signature version of %j", async (version) => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(PY.v1, version) }))).resolves.toEqual(failure("signature_invalid"));
    });

    it.each([
      ["garbage", "garbage"],
      ["an empty value", ""],
      ["bad hex", "zz".repeat(32)],
      ["a base64 digest", PY.v3],
    ])("rejects a signature with %s", async (_label, signature) => {
      await expect(hubspotVerifier.verify(input({ headers: legacy(signature, "v1") }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("has no timestamp, so the clock does not matter", async () => {
      const outcome = await hubspotVerifier.verify(input({ headers: legacy(PY.v1, "v1"), now: 0 }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await hubspotVerifier.verify(input({ headers: v3Headers(PY.v3), secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no client secret/i);
  });

  it("reports missing signature headers", async () => {
    await expect(hubspotVerifier.verify(input({ headers: {} }))).resolves.toEqual(failure("signature_missing"));
  });
});
