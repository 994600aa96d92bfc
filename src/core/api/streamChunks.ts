/**
 * The chunks of a response body, read one at a time. A failed read (the connection was cut, or the
 * caller aborted) is thrown as `cutError(cause)`, so each reader words it with what it knows (lines
 * delivered, batch id). When the consumer stops early or a read fails, the body is cancelled, which
 * releases the connection; the reader's lock is released in every case.
 */
export async function* readBodyChunks(body: ReadableStream<Uint8Array>, cutError: (cause: unknown) => Error): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw cutError(error);
      }
      if (chunk.done) break;
      yield chunk.value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
