import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { basicAuthVerifier } from "../../src/verify/providers/basic-auth";
import type { VerifyInput } from "../../src/verify/types";

function input(authorization: string | null, secrets: string[] = ["Aladdin:open sesame"]): VerifyInput {
  const headers = new Headers();
  if (authorization !== null) headers.set("Authorization", authorization);
  return {
    rawBody: new TextEncoder().encode("{}"),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "basic-auth", secrets }),
    nowSeconds: 1_700_000_000,
  };
}

const encode = (credentials: string) => btoa(String.fromCharCode(...new TextEncoder().encode(credentials)));

describe("basic-auth verifier", () => {
  it("declares provider and body format", () => {
    expect(basicAuthVerifier.provider).toBe("basic-auth");
    expect(basicAuthVerifier.bodyFormat).toBe("any");
  });

  it("accepts RFC 7617's published example", async () => {
    // RFC 7617 §2: user "Aladdin", password "open sesame".
    expect(await basicAuthVerifier.verify(input("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("accepts RFC 7617's UTF-8 example", async () => {
    // RFC 7617 §2.1: "test:123£" in UTF-8 is dGVzdDoxMjPCow==.
    expect(await basicAuthVerifier.verify(input("Basic dGVzdDoxMjPCow==", ["test:123£"]))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("accepts credentials encoded in the test and a lower-case scheme", async () => {
    expect(await basicAuthVerifier.verify(input(`basic ${encode("Aladdin:open sesame")}`))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it.each([
    ["wrong password", "Aladdin:open sesame!"],
    ["wrong user", "aladdin:open sesame"],
    ["password only", "open sesame"],
    ["trailing space", "Aladdin:open sesame "],
    ["prefix of the secret", "Aladdin:open"],
  ])("rejects %s", async (_, credentials) => {
    expect(await basicAuthVerifier.verify(input(`Basic ${encode(credentials)}`))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("never puts the configured credentials in the detail", async () => {
    const outcome = await basicAuthVerifier.verify(input(`Basic ${encode("Aladdin:wrong")}`));
    expect(JSON.stringify(outcome)).not.toContain("open sesame");
  });

  it("accepts the second secret during rotation and reports its index", async () => {
    const secrets = ["svc:new-password", "svc:old-password"];
    expect(await basicAuthVerifier.verify(input(`Basic ${encode("svc:old-password")}`, secrets))).toEqual({
      ok: true,
      secretIndex: 1,
    });
    expect(await basicAuthVerifier.verify(input(`Basic ${encode("svc:new-password")}`, secrets))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("fails when the source has no credentials", async () => {
    const outcome = await basicAuthVerifier.verify(input("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", []));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no user:password/);
  });

  it("reports a missing Authorization header", async () => {
    expect(await basicAuthVerifier.verify(input(null))).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it.each([
    ["empty", ""],
    ["scheme only", "Basic"],
    ["Bearer scheme", "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ=="],
    ["no scheme", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="],
    ["bad base64", "Basic ***"],
    ["two tokens", "Basic QWxh ZGRpbjpvcGVuIHNlc2FtZQ=="],
    ["raw credentials", "Basic Aladdin:open sesame"],
  ])("rejects a malformed header (%s)", async (_, header) => {
    expect(await basicAuthVerifier.verify(input(header))).toMatchObject({ ok: false, code: "signature_invalid" });
  });
});
