/**
 * Free-mail providers: an address at one of these says nothing about the person's
 * company, so its domain is neither taken as the lead's company domain nor used to
 * match leads (two strangers at gmail.com are not the same account).
 *
 * Kept deliberately compact: the largest consumer providers worldwide. A domain
 * missing here only costs a weaker match, never a wrong rejection.
 */

/** Exact domains. */
const freeMailDomains = new Set([
  "gmail.com",
  "googlemail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "msn.com",
  "aol.com",
  "ymail.com",
  "rocketmail.com",
  "proton.me",
  "protonmail.com",
  "protonmail.ch",
  "pm.me",
  "tutanota.com",
  "tuta.io",
  "fastmail.com",
  "hey.com",
  "zohomail.com",
  "mail.com",
  "email.com",
  "gmx.net",
  "web.de",
  "t-online.de",
  "freenet.de",
  "orange.fr",
  "free.fr",
  "laposte.net",
  "libero.it",
  "btinternet.com",
  "comcast.net",
  "verizon.net",
  "att.net",
  "sbcglobal.net",
  "mail.ru",
  "inbox.ru",
  "rambler.ru",
  "qq.com",
  "163.com",
  "126.com",
  "sina.com",
  "naver.com",
  "daum.net",
  "rediffmail.com",
  "seznam.cz",
  "wp.pl",
  "o2.pl",
  "interia.pl",
  "bol.com.br",
  "uol.com.br",
]);

/**
 * Providers with one domain per country (yahoo.co.uk, hotmail.fr, gmx.de, …): the
 * first label is the provider and the rest must look like a public suffix, so that
 * `live.acme.com` is not mistaken for Microsoft's live.com.
 */
const freeMailFamilies = new Set(["yahoo", "hotmail", "outlook", "live", "gmx", "yandex", "windowslive"]);
const countrySuffix = /^(?:[a-z]{2,3}\.)?[a-z]{2,3}$/;

/** Whether `domain` (lower-case, no `www.`) is a consumer mail provider. */
export function isFreeMailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (freeMailDomains.has(d)) return true;
  const dot = d.indexOf(".");
  if (dot <= 0) return false;
  return freeMailFamilies.has(d.slice(0, dot)) && countrySuffix.test(d.slice(dot + 1));
}
