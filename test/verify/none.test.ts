import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { noneVerifier } from "../../src/verify/providers/none";
import type { VerifyInput } from "../../src/verify/types";

function input(headers: Record<string, string>, secrets: string[] = []): VerifyInput {
  return {
    rawBody: new Uint8Array([0xff, 0x00]),
    headers: new Headers(headers),
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "none", secrets }),
    nowSeconds: 1_700_000_000,
  };
}

describe("none verifier", () => {
  it("declares provider and body format", () => {
    expect(noneVerifier.provider).toBe("none");
    expect(noneVerifier.bodyFormat).toBe("any");
  });

  it("accepts a request with no credentials at all, reporting no secret", async () => {
    expect(await noneVerifier.verify(input({}))).toEqual({ ok: true });
  });

  it("accepts whatever headers and secrets are present, without checking them", async () => {
    const outcome = await noneVerifier.verify(input({ Authorization: "Basic garbage", "x-signature": "zz" }, ["unused"]));
    expect(outcome).toEqual({ ok: true });
  });
});
