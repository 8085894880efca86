// The one load sender of the bench, the soak and the e2e suite: it sends signed
// webhooks to a gateway and records, per request, what came back and when.
//
// A request is `{ key, build(), originalKey? }`: `build()` returns `{ path, headers,
// body }` and runs for every attempt, so each attempt is signed afresh (sign with
// scripts/lib/sign-webhook.mjs); `originalKey` makes a duplicate wait for its
// original's answer first, as a provider's redelivery would.
//
//   const sender = loadSender(base, { retry: true, maxInFlight: 200 });
//   await sender.paced(requests, { spanMs: 10_000 });   // open loop, on a schedule
//   await sender.closedLoop(requests, { connections: 16 }); // each next when answered
//   await sender.settle();                               // every launched one answered
//   sender.outcomes.get(key);  // { status, json, error, attempts, sentAt, answeredAt }
//   summarize(sender.outcomes.values());                 // counts and latencies
//
// Every loop is bounded by its list, a deadline and `maxInFlight`, so a run ends by itself.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses a provider retries. 500 is among them, but the e2e checks report any 500 as a gateway bug. */
const retryable = (status) => status === 429 || status >= 500;

/** 250 ms doubling to 4 s, with jitter: what providers do, compressed for a test. */
function backoff(n) {
  return Math.min(4000, 250 * 2 ** n) * (0.75 + Math.random() / 2);
}

/**
 * One attempt: POST `base + path`. Resolves to `{ status, json, retryAfter }` or
 * `{ error }` (refused, reset, timed out); never rejects.
 */
async function attempt(base, request, timeoutMs) {
  const { path, headers, body } = request.build();
  try {
    const response = await fetch(`${base}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
  } catch (error) {
    return { error: error.cause?.code ?? error.name ?? String(error) };
  }
}

/**
 * Sends `request` once, or, with `retry`, the way a provider does: answers that mean
 * "try later" (429, 5xx, no connection at all) are retried, honouring Retry-After,
 * until `giveUpAfterMs`; every other answer is final. Every attempt is recorded, so
 * checks can see each 429 and refused connection, not just the final answer.
 *
 * @param {string} base gateway origin
 * @param {{ build(): { path: string, headers: Record<string,string>, body: string } }} request
 * @param {{ retry?: boolean, giveUpAfterMs?: number, timeoutMs?: number }} [options]
 * @returns {Promise<{ status?: number, json?: any, error?: string, sentAt: number, answeredAt: number,
 *   attempts: { status?: number, retryAfter?: string|null, code?: string, error?: string, at: number }[] }>}
 */
export async function sendWebhook(base, request, { retry = false, giveUpAfterMs = 120_000, timeoutMs = 30_000 } = {}) {
  const sentAt = Date.now();
  const attempts = [];
  for (let n = 0; ; n++) {
    const at = Date.now();
    const answer = await attempt(base, request, timeoutMs);
    const done = (outcome) => ({ ...outcome, attempts, sentAt, answeredAt: Date.now() });
    if (answer.error === undefined) {
      attempts.push({ status: answer.status, retryAfter: answer.retryAfter, code: answer.json?.code ?? answer.json?.status, at });
      if (!retry || !retryable(answer.status)) return done({ status: answer.status, json: answer.json });
    } else {
      attempts.push({ error: answer.error, at });
      if (!retry) return done({ error: answer.error });
    }
    // Retry-After is whole seconds here; a little jitter spreads the retries.
    const waitMs = answer.retryAfter != null && /^\d+$/.test(answer.retryAfter) ? Number(answer.retryAfter) * 1000 + Math.random() * 250 : backoff(n);
    if (Date.now() + waitMs - sentAt > giveUpAfterMs) {
      return done({ status: answer.status, error: answer.error ?? `gave up after ${attempts.length} attempts` });
    }
    await sleep(waitMs);
  }
}

/** The e2e suite's and the soak's name for a retrying send. */
export const sendLikeAProvider = (base, request, options = {}) => sendWebhook(base, request, { ...options, retry: true });

/**
 * A sender for `base`. `retry` sends like a provider (above); `maxInFlight` bounds
 * unanswered requests (memory, sockets): a paced schedule that hits it lags, and
 * `progress().maxLagMs` says by how much at worst.
 */
export function loadSender(base, { retry = false, maxInFlight = 256, timeoutMs = 30_000, giveUpAfterMs = 120_000 } = {}) {
  const outcomes = new Map();
  const answered = new Map(); // key → { promise, resolve }: settled once that request is answered
  /** A duplicate may be launched before its original: either side creates the entry. */
  const answerOf = (key) => {
    let entry = answered.get(key);
    if (!entry) {
      let resolve;
      entry = { promise: new Promise((r) => (resolve = r)), resolve };
      answered.set(key, entry);
    }
    return entry;
  };
  const tasks = new Set();
  let inFlight = 0;
  let launched = 0;
  let maxLagMs = 0;
  const freed = new Set(); // resolvers waiting for a slot

  /** Sends one request (after its original, if any); resolves to its outcome, never rejects. */
  function send(request) {
    inFlight += 1;
    launched += 1;
    const task = (async () => {
      try {
        if (request.originalKey !== undefined) await answerOf(request.originalKey).promise;
        const outcome = await sendWebhook(base, request, { retry, timeoutMs, giveUpAfterMs });
        outcomes.set(request.key, outcome);
        return outcome;
      } finally {
        answerOf(request.key).resolve();
        inFlight -= 1;
        for (const resolve of freed) resolve();
        freed.clear();
      }
    })();
    tasks.add(task);
    task.finally(() => tasks.delete(task));
    return task;
  }

  const slot = async () => {
    while (inFlight >= maxInFlight) await new Promise((resolve) => freed.add(resolve));
  };

  return {
    outcomes,
    send,
    /**
     * Open loop: launches `requests` evenly over [startAt, startAt + spanMs) whether or
     * not earlier ones were answered, as providers do; a slow gateway shows up as
     * latency, in-flight counts and lag, not as a quietly lower rate. Resolves once all
     * are launched (not answered: see settle()); `stopped()` ends it early.
     */
    async paced(requests, { startAt = Date.now(), spanMs, stopped = () => false }) {
      for (let i = 0; i < requests.length; i++) {
        if (stopped()) return;
        const due = startAt + (i * spanMs) / requests.length;
        if (due > Date.now()) await sleep(due - Date.now());
        await slot();
        maxLagMs = Math.max(maxLagMs, Date.now() - due);
        send(requests[i]);
      }
    },
    /**
     * Closed loop: `connections` senders, each sending its next request as soon as its
     * last was answered, until the list is done or `deadlineMs` passed. `onAnswer(done,
     * total)` runs after each answer. Resolves when every sent one was answered.
     * @param {any[]} requests
     * @param {{ connections: number, deadlineMs?: number, onAnswer?: (done: number, total: number) => void }} options
     */
    async closedLoop(requests, { connections, deadlineMs = Number.POSITIVE_INFINITY, onAnswer = () => {} }) {
      const startedAt = Date.now();
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < requests.length && Date.now() - startedAt <= deadlineMs) {
          const request = requests[next++];
          await send(request);
          done += 1;
          onAnswer(done, requests.length);
        }
      };
      await Promise.all(Array.from({ length: connections }, worker));
    },
    /** Waits for every launched request's final answer. */
    settle: () => Promise.all([...tasks]),
    progress: () => ({ launched, inFlight, maxLagMs }),
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Counts and latencies of outcomes: `{ sent, byStatus, errors, p50Ms, p99Ms, maxMs }`
 * (latency from the first attempt to the final answer, retries included).
 */
export function summarize(outcomes) {
  const list = [...outcomes];
  const byStatus = {};
  let errors = 0;
  for (const o of list) {
    if (o.status === undefined) errors += 1;
    else byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  }
  const latencies = list.map((o) => o.answeredAt - o.sentAt).sort((a, b) => a - b);
  return { sent: list.length, byStatus, errors, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies.at(-1) };
}
