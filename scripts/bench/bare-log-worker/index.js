// A control for the bench (on unless BENCH_LOG_CONTROL=0): the bare Worker plus one JSON log
// line per request, shaped like the gateway's ingest log line (src/ingest/request-log.ts).
// bare → bare+log shows what that one line costs by itself on each way of running.
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));
app.post("/", async (c) => {
  const started = Date.now();
  await c.req.arrayBuffer(); // as in the bare Worker: keeps the connection reusable
  const response = c.json({ ok: true });
  console.log(
    JSON.stringify({
      level: "info",
      msg: "ingest",
      time: new Date().toISOString(),
      requestId: `req_${crypto.randomUUID()}`,
      sourceId: "bench-hmac",
      eventId: `evt_${crypto.randomUUID()}`,
      outcome: "accepted",
      status: 202,
      latencyMs: Date.now() - started,
    }),
  );
  return response;
});

export default app;
