import { describe, expect, it } from "vitest";
import { hmac, toHex, utf8 } from "../../src/verify/crypto";

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
const rfc4231Case2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

describe("hmac", () => {
  it("gives the RFC 4231 digest for a secret given as text, every time (cached key)", async () => {
    for (let i = 0; i < 3; i++) {
      expect(toHex(await hmac("SHA-256", "Jefe", utf8("what do ya want for nothing?")))).toBe(rfc4231Case2);
    }
  });

  it("gives the same digest for the secret's bytes as for the secret", async () => {
    const data = utf8("what do ya want for nothing?");
    expect(toHex(await hmac("SHA-256", utf8("Jefe"), data))).toBe(rfc4231Case2);
  });

  it("keeps keys apart by algorithm and by secret", async () => {
    const data = utf8("payload");
    const sha256 = toHex(await hmac("SHA-256", "s1", data));
    const sha1 = toHex(await hmac("SHA-1", "s1", data));
    const other = toHex(await hmac("SHA-256", "s2", data));
    expect(sha1).toHaveLength(40);
    expect(new Set([sha256, sha1, other]).size).toBe(3);
  });

  it("still works past the cache's size, when it starts over", async () => {
    const data = utf8("payload");
    const first = toHex(await hmac("SHA-256", "secret-0", data));
    for (let i = 1; i < 300; i++) await hmac("SHA-256", `secret-${i}`, data);
    expect(toHex(await hmac("SHA-256", "secret-0", data))).toBe(first);
  });
});
