import { describe, expect, it } from "vitest";
import { accountDomainKey, accountKeys, accountNameKey, nameSearchWord } from "../../src/lead/account-keys";

describe("accountDomainKey", () => {
  it.each([
    ["acme.com", "acme.com"],
    ["www.acme.com", "acme.com"],
    ["https://WWW.Acme.com/about", "acme.com"],
    ["sales.eu.acme.com", "acme.com"],
    ["shop.acme.co.uk", "acme.co.uk"],
    ["acme.com.au", "acme.com.au"],
    ["acme.io", "acme.io"],
  ])("%s → %s", (input, key) => {
    expect(accountDomainKey(input)).toBe(key);
  });

  it.each(["gmail.com", "mail.yahoo.co.uk", "hotmail.fr", "not a domain", ""])("has no key for %s", (input) => {
    expect(accountDomainKey(input)).toBeUndefined();
  });
});

describe("accountNameKey", () => {
  it.each([
    ["Acme Inc.", "acme"],
    ["ACME, Inc", "acme"],
    ["Acme GmbH", "acme"],
    ["Acme GmbH & Co. KG", "acme"],
    ["Acme Ltd", "acme"],
    ["Acme Limited", "acme"],
    ["Acme S.A.", "acme"],
    ["Acme SA", "acme"],
    ["Acme S.p.A.", "acme"],
    ["Acme LLC", "acme"],
    ["Acme AG", "acme"],
    ["Acme SAS", "acme"],
    ["Acme B.V.", "acme"],
    ["Acme & Co.", "acme"],
    ["The Acme Corporation", "acme"],
    ["Acme Holding, Inc.", "acme holding"],
    ["Société Générale S.A.", "societe generale"],
    ["Müller-Lüdenscheidt GmbH", "muller ludenscheidt"],
    ["Johnson & Johnson", "johnson and johnson"],
  ])("%s → %s", (input, key) => {
    expect(accountNameKey(input)).toBe(key);
  });

  it("keeps a name that is only a legal form, and has no key for an empty one", () => {
    expect(accountNameKey("Inc.")).toBe("inc");
    expect(accountNameKey(" ., ")).toBeUndefined();
  });

  it("does not strip a legal form in the middle of a name", () => {
    expect(accountNameKey("AG Barr plc")).toBe("ag barr");
  });
});

describe("accountKeys", () => {
  it("gives the domain and the name key; a free-mail domain gives none", () => {
    expect(accountKeys({ domain: "www.acme.com", company: "Acme Inc" })).toEqual({ domain: "acme.com", name: "acme" });
    expect(accountKeys({ domain: "gmail.com", company: "Acme Inc" })).toEqual({ name: "acme" });
    expect(accountKeys({})).toEqual({});
  });
});

describe("nameSearchWord", () => {
  it("is the longest word of the key", () => {
    expect(nameSearchWord("o brien and sons")).toBe("brien");
    expect(nameSearchWord("acme")).toBe("acme");
  });
});
