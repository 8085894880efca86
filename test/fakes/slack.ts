import { z } from "zod";
import { createFakeApp, createState, isRecord, respond } from "./common";

/**
 * Contract fake of a Slack incoming webhook (`POST https://hooks.slack.com/services/…`),
 * per api.slack.com/messaging/webhooks and the 2016-05-17 changelog on webhook errors.
 * Answers are plain text: 200 `ok`; 400 `invalid_payload` (not JSON / not an object),
 * `no_text` (neither text nor blocks), `invalid_blocks` (unknown block type, text over
 * the block's limit, more than 50 blocks or 10 fields); 404 `no_service` for a URL that
 * is not a webhook; and, through `channel`, 410 `channel_is_archived` or
 * 403 `action_prohibited`. Faults answer with the same codes.
 */
export const slackFakeOptionsSchema = z.object({
  /** The secret part of the webhook URL. */
  webhookPath: z.string().startsWith("/services/").default("/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
  channel: z.enum(["active", "archived", "prohibited"]).default("active"),
});
export type SlackFakeOptions = z.input<typeof slackFakeOptionsSchema>;

export interface SlackMessageRecord {
  at: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
}

const CODES: Record<number, string> = {
  400: "invalid_payload",
  403: "action_prohibited",
  404: "no_service",
  410: "channel_is_archived",
  429: "rate_limited",
  500: "rollup_error",
};
const BLOCK_TYPES = ["header", "section", "context", "divider", "actions", "image", "rich_text", "input", "file", "video"];

export function createSlackFake(input: SlackFakeOptions = {}) {
  const options = slackFakeOptionsSchema.parse(input);
  const state = createState("slack", () => [] as SlackMessageRecord[]);
  const app = createFakeApp(
    state,
    {
      error: (status) => ({ body: CODES[status] ?? "rollup_error", contentType: "text/html" }),
      malformed: { body: "<html><body>upstream proxy page</body></html>", contentType: "text/html" },
    },
    (records) => records,
  );

  app.post("/services/*", async (c) => {
    if (c.req.path !== options.webhookPath) return text("no_service", 404);
    if (options.channel === "archived") return text("channel_is_archived", 410);
    if (options.channel === "prohibited") return text("action_prohibited", 403);

    const raw = await c.req.text();
    const type = c.req.header("content-type") ?? "";
    let payload: unknown;
    try {
      payload = JSON.parse(type.startsWith("application/x-www-form-urlencoded") ? (new URLSearchParams(raw).get("payload") ?? "") : raw);
    } catch {
      return text("invalid_payload", 400);
    }
    if (!isRecord(payload)) return text("invalid_payload", 400);
    const messageText = typeof payload.text === "string" ? payload.text : undefined;
    const blocks = Array.isArray(payload.blocks) ? payload.blocks : undefined;
    if (payload.blocks !== undefined && !blocks) return text("invalid_blocks", 400);
    if (!messageText && (!blocks || blocks.length === 0)) return text("no_text", 400);
    if (messageText && messageText.length > 40_000) return text("msg_too_long", 400);
    if (blocks && !blocksValid(blocks)) return text("invalid_blocks", 400);

    state.records.push({ at: new Date().toISOString(), text: messageText, blocks });
    return text("ok", 200);
  });

  app.all("*", () => text("no_service", 404));
  return { app, state, options };
}

function text(body: string, status: number): Response {
  return respond(body, status, { "content-type": "text/html" });
}

function textObject(value: unknown, max: number, types: string[]): boolean {
  return isRecord(value) && types.includes(String(value.type)) && typeof value.text === "string" && value.text.length > 0 && value.text.length <= max;
}

/** The Block Kit limits a webhook message most often breaks. */
function blocksValid(blocks: unknown[]): boolean {
  if (blocks.length > 50) return false;
  return blocks.every((block) => {
    if (!isRecord(block) || !BLOCK_TYPES.includes(String(block.type))) return false;
    if (block.type === "header") return textObject(block.text, 150, ["plain_text"]);
    if (block.type === "section") {
      if (block.text === undefined && block.fields === undefined) return false;
      if (block.text !== undefined && !textObject(block.text, 3000, ["plain_text", "mrkdwn"])) return false;
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > 10) return false;
        if (!block.fields.every((field) => textObject(field, 2000, ["plain_text", "mrkdwn"]))) return false;
      }
      return true;
    }
    if (block.type === "context") {
      return Array.isArray(block.elements) && block.elements.length > 0 && block.elements.length <= 10;
    }
    return true;
  });
}
