// Sends the end-to-end bench's webhooks and notes, per lead, when it was sent and what
// the gateway answered. Two shapes: paced (open loop: a send every 1/rate s whether or
// not earlier answers came back, as providers do) and burst (closed loop: a fixed
// number of connections, each sending its next lead as soon as the last was answered).
// 127.0.0.1 only; every loop is bounded by its count and a deadline.
import http from "node:http";
import { leadEmail, runDeliveryId, signedLead } from "./webhook.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** No answer within this is counted as an error (the lead may still be stored). */
const requestTimeoutMs = 30_000;

/** A sender for `baseUrl + path`; `close()` ends its keep-alive connections. */
export function createSender({ baseUrl, path, maxSockets }) {
  const url = new URL(baseUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`the bench only loads 127.0.0.1, not ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets });

  /** Sends lead `n` once; resolves to what happened, never rejects. */
  const send = (n) =>
    new Promise((resolve) => {
      const { body, headers } = signedLead(runDeliveryId(`e2e-${n}`), n);
      const lead = { n, email: leadEmail(n), sentAt: Date.now() };
      const request = http.request(
        { host: url.hostname, port: url.port, path, method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () => {
            let id;
            try {
              id = JSON.parse(text).id;
            } catch {
              // not JSON: only the status counts
            }
            resolve({ ...lead, status: response.statusCode, eventId: id, answeredAt: Date.now() });
          });
          response.on("error", (error) => resolve({ ...lead, error: error.message, answeredAt: Date.now() }));
        },
      );
      request.setTimeout(requestTimeoutMs, () => request.destroy(new Error("timeout")));
      request.on("error", (error) => resolve({ ...lead, error: error.message, answeredAt: Date.now() }));
      request.end(body);
    });

  return { send, close: () => agent.destroy() };
}

/**
 * Paced: lead numbers `first`, `first + 1`, … sent at `rate` per second for `seconds`.
 * At most `maxInFlight` unanswered at once (a slow gateway then lags the schedule;
 * `lagMs` says by how much at worst).
 */
export async function sendPaced({ sender, first, rate, seconds, maxInFlight = 256, deadlineMs }) {
  const count = Math.round(rate * seconds);
  const results = [];
  const inFlight = new Set();
  const startedAt = Date.now();
  let lagMs = 0;
  for (let i = 0; i < count; i++) {
    if (Date.now() - startedAt > deadlineMs) break;
    const due = startedAt + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    lagMs = Math.max(lagMs, Date.now() - due);
    const pending = sender.send(first + i).then((result) => {
      results.push(result);
      inFlight.delete(pending);
    });
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
  return { results: results.sort((a, b) => a.n - b.n), startedAt, endedAt: Date.now(), lagMs };
}

/** Burst: lead numbers `first` … `first + count - 1` over `connections` closed-loop connections. */
export async function sendBurst({ sender, first, count, connections, deadlineMs }) {
  const results = [];
  const startedAt = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() - startedAt <= deadlineMs) {
      const n = first + next;
      next += 1;
      results.push(await sender.send(n));
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { results: results.sort((a, b) => a.n - b.n), startedAt, endedAt: Date.now(), lagMs: 0 };
}
