import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { twilioVerifier } from "../../src/verify/providers/twilio";
import type { VerifyInput } from "../../src/verify/types";

// Published vectors of Twilio's official Go SDK, twilio/twilio-go client/request_validator_test.go
// (auth token "12345"; the five-parameter set at commit 2f0eb52a, the seven-parameter set that
// pins key sorting at commit ae542037). RSOYDt4T… is also the example of Twilio's security docs.
const TOKEN = "12345";
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
const FORM = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
const FORM_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
const FORM_SIGNATURE_WITH_443 = "kvajT1Ptam85bY51eRf/AJRuM3w=";
const HTTP_SIGNATURE_WITH_80 = "0ZXoZLH/DfblKGATFgpif+LLRf4=";
const HTTP_SIGNATURE_WITH_1234 = "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=";
const FORM_7 = `${FORM}&ReasonConferenceEnded=test&Reason=Participant`;
const FORM_7_SIGNATURE = "vOEb5UThFn24KEfnOFLQY2AE5FY=";
const FORM_7_MISSORTED = "95+Bu0JVPi0r/SsESZCVf0dWAjw=";
const JSON_BODY = '{"property": "value", "boolean": true}';
const BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
const JSON_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4=";
const JSON_ONLY_HASH_SIGNATURE = "y77kIzt2vzLz71DgmJGsen2scGs=";

const FORM_TYPE = "application/x-www-form-urlencoded";
const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** Twilio's algorithm written out independently: URL, then name+value pairs sorted by name (values too), HMAC-SHA1, base64. */
async function sign(token: string, url: string, params: [string, string][] = []): Promise<string> {
  const byNameThenValue = ([ka, va]: [string, string], [kb, vb]: [string, string]): number => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0);
  const data = [...params].sort(byNameThenValue).reduce((acc, [k, v]) => acc + k + v, url);
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data))));
}

function input(options: {
  signature?: string | null;
  url?: string;
  body?: string;
  contentType?: string | null;
  secrets?: string[];
  headers?: Record<string, string>;
  method?: string;
}): VerifyInput {
  const headers = new Headers(options.headers);
  const contentType = options.contentType === undefined ? FORM_TYPE : options.contentType;
  if (contentType !== null) headers.set("content-type", contentType);
  if (typeof options.signature === "string") headers.set("x-twilio-signature", options.signature);
  return {
    rawBody: encoder.encode(options.body ?? FORM),
    headers,
    url: options.url ?? URL_,
    method: options.method ?? "POST",
    source: sourceSchema.parse({ id: "s", provider: "twilio", secrets: options.secrets ?? [TOKEN] }),
    nowSeconds: 1_700_000_000,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("twilio verifier", () => {
  it("declares its provider; bodies are forms or JSON", () => {
    expect(twilioVerifier.provider).toBe("twilio");
    expect(twilioVerifier.bodyFormat).toBe("any");
  });

  describe("form bodies", () => {
    it("accepts the published vector and reports I-Twilio-Idempotency-Token", async () => {
      const outcome = await twilioVerifier.verify(input({ signature: FORM_SIGNATURE, headers: { "i-twilio-idempotency-token": "idem-1" } }));
      expect(outcome).toEqual({ ok: true, unsignedDeliveryId: "idem-1", secretIndex: 0 });
    });

    it("accepts the charset-qualified form content type Twilio sends", async () => {
      const outcome = await twilioVerifier.verify(input({ signature: FORM_SIGNATURE, contentType: "application/x-www-form-urlencoded; charset=UTF-8" }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("sorts by parameter name, not by name+value (twilio-go's Reason / ReasonConferenceEnded case)", async () => {
      await expect(twilioVerifier.verify(input({ body: FORM_7, signature: FORM_7_SIGNATURE }))).resolves.toMatchObject({
        ok: true,
      });
      await expect(twilioVerifier.verify(input({ body: FORM_7, signature: FORM_7_MISSORTED }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("accepts a signature computed independently with WebCrypto", async () => {
      const url = "https://hooks.example.com/in/sms?source=twilio";
      const params: [string, string][] = [
        ["To", "+15005550006"],
        ["Body", "Hello & welcome=yes"],
        ["From", "+14155551212"],
        ["MessageSid", "SM123"],
      ];
      const body = new URLSearchParams(params).toString();
      const outcome = await twilioVerifier.verify(input({ url, body, signature: await sign("tok", url, params), secrets: ["tok"] }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("signs each distinct value of a repeated parameter, sorted, as twilio-node does", async () => {
      const params: [string, string][] = [
        ["MediaUrl", "https://b.example/2"],
        ["MediaUrl", "https://a.example/1"],
        ["Body", "hi"],
      ];
      const body = `${new URLSearchParams(params).toString()}&MediaUrl=${encodeURIComponent("https://a.example/1")}`;
      const signature = await sign(TOKEN, URL_, params);
      await expect(twilioVerifier.verify(input({ body, signature }))).resolves.toMatchObject({ ok: true });
    });

    it("accepts a GET request whose only signed content is the URL", async () => {
      const url = "https://mycompany.com/voice?CallSid=CA1&From=%2B1415";
      const outcome = await twilioVerifier.verify(input({ url, body: "", method: "GET", contentType: null, signature: await sign(TOKEN, url) }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("rejects a tampered parameter", async () => {
      const body = FORM.replace("Digits=1234", "Digits=9999");
      await expect(twilioVerifier.verify(input({ body, signature: FORM_SIGNATURE }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("rejects an added parameter", async () => {
      await expect(twilioVerifier.verify(input({ body: `${FORM}&Extra=1`, signature: FORM_SIGNATURE }))).resolves.toEqual(failure("signature_invalid"));
    });

    it("rejects a different URL (twilio-node: test=param vs test=param2)", async () => {
      const signature = await sign(TOKEN, "https://example.com/path?test=param");
      const outcome = await twilioVerifier.verify(input({ url: "https://example.com/path?test=param2", body: "", signature }));
      expect(outcome).toEqual(failure("signature_invalid"));
    });
  });

  describe("ports", () => {
    it("accepts a signature over the URL with :443 when the URL has no port", async () => {
      await expect(twilioVerifier.verify(input({ signature: FORM_SIGNATURE_WITH_443 }))).resolves.toMatchObject({ ok: true });
    });

    it("accepts a signature over the URL without the port when the URL has :443", async () => {
      const url = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
      await expect(twilioVerifier.verify(input({ url, signature: FORM_SIGNATURE }))).resolves.toMatchObject({ ok: true });
    });

    it("accepts a signature over the URL with :80 for http", async () => {
      const url = "http://mycompany.com/myapp.php?foo=1&bar=2";
      await expect(twilioVerifier.verify(input({ url, signature: HTTP_SIGNATURE_WITH_80 }))).resolves.toMatchObject({
        ok: true,
      });
    });

    it("accepts a signature with or without a non-standard port that the URL carries", async () => {
      const url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
      await expect(twilioVerifier.verify(input({ url, signature: HTTP_SIGNATURE_WITH_1234 }))).resolves.toMatchObject({
        ok: true,
      });
      const withoutPort = await sign(TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", [
        ["CallSid", "CA1234567890ABCDE"],
        ["Caller", "+14158675309"],
        ["Digits", "1234"],
        ["From", "+14158675309"],
        ["To", "+18005551212"],
      ]);
      await expect(twilioVerifier.verify(input({ url, signature: withoutPort }))).resolves.toMatchObject({ ok: true });
    });

    it("treats an escaped and an unescaped quote in the query alike, as twilio-node does", async () => {
      const signature = await sign(TOKEN, "https://example.com/path?test=param%27WithQuote");
      const outcome = await twilioVerifier.verify(input({ url: "https://example.com/path?test=param'WithQuote", body: "", signature }));
      expect(outcome).toMatchObject({ ok: true });
    });
  });

  describe("JSON bodies with bodySHA256", () => {
    it("accepts the published vector", async () => {
      const url = `${URL_}&bodySHA256=${BODY_HASH}`;
      const outcome = await twilioVerifier.verify(input({ url, body: JSON_BODY, contentType: "application/json", signature: JSON_SIGNATURE }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("accepts the published vector whose only query parameter is bodySHA256", async () => {
      const url = `https://mycompany.com/myapp.php?bodySHA256=${BODY_HASH}`;
      const outcome = await twilioVerifier.verify(input({ url, body: JSON_BODY, contentType: "application/json", signature: JSON_ONLY_HASH_SIGNATURE }));
      expect(outcome).toEqual({ ok: true, secretIndex: 0 });
    });

    it("rejects a body that does not hash to bodySHA256, though the URL signature is valid", async () => {
      const url = `${URL_}&bodySHA256=${BODY_HASH}`;
      const outcome = await twilioVerifier.verify(
        input({ url, body: '{"property": "forged", "boolean": true}', contentType: "application/json", signature: JSON_SIGNATURE }),
      );
      expect(outcome).toEqual(failure("signature_invalid"));
    });

    it("rejects a JSON body when the URL carries no bodySHA256 (the body would be unsigned)", async () => {
      const signature = await sign(TOKEN, URL_);
      const outcome = await twilioVerifier.verify(input({ body: JSON_BODY, contentType: "application/json", signature }));
      expect(outcome).toEqual(failure("signature_invalid"));
    });

    it("rejects a malformed bodySHA256", async () => {
      const url = `${URL_}&bodySHA256=not-a-hash`;
      const signature = await sign(TOKEN, url);
      const outcome = await twilioVerifier.verify(input({ url, body: JSON_BODY, contentType: "application/json", signature }));
      expect(outcome).toEqual(failure("signature_invalid"));
    });
  });

  it("rejects a wrong auth token without revealing it", async () => {
    const outcome = await twilioVerifier.verify(input({ signature: FORM_SIGNATURE, secrets: ["54321"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("54321");
  });

  it("reports the index of the matching auth token during rotation", async () => {
    await expect(twilioVerifier.verify(input({ signature: FORM_SIGNATURE, secrets: ["secondary", TOKEN] }))).resolves.toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no auth token", async () => {
    const outcome = await twilioVerifier.verify(input({ signature: FORM_SIGNATURE, secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no auth token/i);
  });

  it("reports a missing X-Twilio-Signature header", async () => {
    await expect(twilioVerifier.verify(input({ signature: null }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage (twilio-go: 'WRONG SIGNATURE')", "WRONG SIGNATURE"],
    ["an empty value", ""],
    ["bad base64", "%%%%"],
    ["a hex digest", "ab".repeat(20)],
    ["a prefixed value", `sha1=${FORM_SIGNATURE}`],
  ])("rejects a signature with %s", async (_label, signature) => {
    await expect(twilioVerifier.verify(input({ signature }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects an unparseable signed URL", async () => {
    await expect(twilioVerifier.verify(input({ url: "not a url", signature: FORM_SIGNATURE }))).resolves.toEqual(failure("signature_invalid"));
  });
});
