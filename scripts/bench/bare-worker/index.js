// The baseline the gateway is measured against: the least a Hono Worker can do on
// the same runtime. Plain JS so the bench needs no build step of its own.
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));
app.post("/", async (c) => {
  // Read the body, as any webhook receiver must. Left unread, workerd cannot reuse the
  // connection and closes it after each response (seen under the Miniflare API): the
  // baseline would then pay a TCP connect per request, and autocannon, which does not
  // expect the close, reports latencies of hundreds of milliseconds.
  await c.req.arrayBuffer();
  return c.json({ ok: true });
});

export default app;
