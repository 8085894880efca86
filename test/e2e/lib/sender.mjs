// Sends one webhook the way a provider does: answers that mean "try later" (429, 5xx,
// no connection at all) are retried, honouring Retry-After, with a fresh signature
// each time; every other answer is final. Each attempt is recorded, so the checks can
// see every 429 and every refused connection, not just the final answer.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses a provider retries. 500 is among them, but the checks report any 500 as a gateway bug. */
const retryable = (status) => status === 429 || status >= 500;

/**
 * @param {string} base gateway origin
 * @param {{ build(): { path: string, headers: Record<string,string>, body: string } }} request
 * @param {{ giveUpAfterMs?: number, timeoutMs?: number }} options
 * @returns {Promise<{ status?: number, json?: any, error?: string, attempts: { status?: number, retryAfter?: string|null, code?: string, error?: string, at: number }[] }>}
 */
export async function sendLikeAProvider(base, request, { giveUpAfterMs = 120_000, timeoutMs = 30_000 } = {}) {
  const started = Date.now();
  const attempts = [];
  for (let n = 0; ; n++) {
    const { path, headers, body } = request.build();
    const at = Date.now();
    let waitMs;
    try {
      const response = await fetch(`${base}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const retryAfter = response.headers.get("retry-after");
      attempts.push({ status: response.status, retryAfter, code: json?.code ?? json?.status, at });
      if (!retryable(response.status)) return { status: response.status, json, attempts };
      // Retry-After is whole seconds here; a little jitter spreads the retries.
      waitMs = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 + Math.random() * 250 : backoff(n);
    } catch (error) {
      // Refused or reset: the gateway is down (the restart) or dropped the connection.
      attempts.push({ error: error.cause?.code ?? error.name ?? String(error), at });
      waitMs = backoff(n);
    }
    if (Date.now() + waitMs - started > giveUpAfterMs) {
      const last = attempts[attempts.length - 1];
      return { status: last.status, error: last.error ?? `gave up after ${attempts.length} attempts`, attempts };
    }
    await sleep(waitMs);
  }
}

/** 250 ms doubling to 4 s, with jitter: what providers do, compressed for a test. */
function backoff(n) {
  return Math.min(4000, 250 * 2 ** n) * (0.75 + Math.random() / 2);
}
