import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { intercomVerifier } from "../../src/verify/providers/intercom";
import type { VerifyInput } from "../../src/verify/types";

const SECRET = "intercom-client-secret";
// Shape of the example in Intercom's "Signed Notifications" reference.
const BODY =
  '{"type":"notification_event","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"user.created","app_id":"a86dr8yl","data":{"type":"notification_event_data","item":{"type":"user","id":"530370b477ad7120001d"}}}';

async function hmacSha1Hex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function input(opts: { header?: string | null; body?: string; secrets?: string[] }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (opts.header !== null && opts.header !== undefined) headers.set("X-Hub-Signature", opts.header);
  return {
    rawBody: new TextEncoder().encode(opts.body ?? BODY),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "intercom", secrets: opts.secrets ?? [SECRET] }),
    nowSeconds: 1_700_000_000,
  };
}

const NOTIFICATION_ID = "notif_78c122d0-23ba-11e4-9464-79b01267cc2e";

describe("intercom verifier", () => {
  it("declares provider and body format", () => {
    expect(intercomVerifier.provider).toBe("intercom");
    expect(intercomVerifier.bodyFormat).toBe("json");
  });

  it("accepts a fixed vector computed outside the test runtime", async () => {
    // HMAC-SHA1("intercom-client-secret", BODY), computed with Python's hmac module.
    const header = "sha1=9daa963911614bcfcca7f67557dd2c24946fb57e";
    expect(await intercomVerifier.verify(input({ header }))).toEqual({
      ok: true,
      deliveryId: NOTIFICATION_ID,
      secretIndex: 0,
    });
  });

  it("accepts a signature computed with WebCrypto, in upper-case hex too", async () => {
    const hex = await hmacSha1Hex(SECRET, BODY);
    expect(await intercomVerifier.verify(input({ header: `sha1=${hex}` }))).toMatchObject({ ok: true, secretIndex: 0 });
    expect(await intercomVerifier.verify(input({ header: `sha1=${hex.toUpperCase()}` }))).toMatchObject({ ok: true });
  });

  it("returns no delivery id when the verified body has no id", async () => {
    const body = '{"type":"notification_event","topic":"ping"}';
    const header = `sha1=${await hmacSha1Hex(SECRET, body)}`;
    expect(await intercomVerifier.verify(input({ header, body }))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    const header = `sha1=${await hmacSha1Hex(SECRET, BODY)}`;
    const outcome = await intercomVerifier.verify(input({ header, body: BODY.replace("user.created", "user.deleted") }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature made with another secret, without echoing the expected one", async () => {
    const header = `sha1=${await hmacSha1Hex("wrong-secret", BODY)}`;
    const outcome = await intercomVerifier.verify(input({ header }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(JSON.stringify(outcome)).not.toContain(await hmacSha1Hex(SECRET, BODY));
  });

  it("accepts the second secret during rotation and reports its index", async () => {
    const header = `sha1=${await hmacSha1Hex("old-secret", BODY)}`;
    expect(await intercomVerifier.verify(input({ header, secrets: ["new-secret", "old-secret"] }))).toEqual({
      ok: true,
      deliveryId: NOTIFICATION_ID,
      secretIndex: 1,
    });
  });

  it("fails when the source has no secret", async () => {
    const header = `sha1=${await hmacSha1Hex(SECRET, BODY)}`;
    const outcome = await intercomVerifier.verify(input({ header, secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no client secret/);
  });

  it("reports a missing header", async () => {
    expect(await intercomVerifier.verify(input({ header: null }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it.each([
    ["empty", ""],
    ["garbage", "garbage"],
    ["bare hex without prefix", "9daa963911614bcfcca7f67557dd2c24946fb57e"],
    ["sha256 prefix", "sha256=9daa963911614bcfcca7f67557dd2c24946fb57e"],
    ["bad hex", "sha1=9daa963911614bcfcca7f67557dd2c24946fb57g"],
    ["truncated digest", "sha1=9daa963911614bcfcca7f67557dd2c24946fb5"],
    ["prefix only", "sha1="],
  ])("rejects a malformed header (%s)", async (_, header) => {
    expect(await intercomVerifier.verify(input({ header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });
});
