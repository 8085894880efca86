import { GatewayError } from "../errors";

/**
 * Reads the body as raw bytes, refusing it as soon as it passes `maxBytes`: first
 * by Content-Length when the sender declares one, then while streaming, so an
 * oversized body is never buffered whole.
 *
 * The body stream comes from the client alone, so a read that fails is the client
 * going away mid-body (a dropped connection, a cancelled upload): that is
 * `client_disconnected` (499, nginx's "client closed request"), never a storage
 * failure or a 5xx of ours. Nobody reads the answer; the log line says what happened.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  const body = request.body;
  if (!body) return new Uint8Array();
  try {
    // A declared length within the limit is enforced by the runtime itself (it will
    // not deliver more bytes than declared), so the whole body can be read at once.
    if (declared !== null) return new Uint8Array(await request.arrayBuffer());
    return await readCapped(body, maxBytes);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError("client_disconnected", "The client closed the connection before the body was complete.");
  }
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError("payload_too_large", `The body is larger than this source's limit of ${maxBytes} bytes.`);
}
