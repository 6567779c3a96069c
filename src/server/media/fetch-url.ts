export type Download = { ok: true; bytes: Buffer } | { ok: false; reason: string };

export interface DownloadOptions {
  timeoutMs: number;
  /** Stop and fail once this many bytes have arrived. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** GETs an http(s) URL with a deadline and a size cap. Never throws. */
export async function download(url: string, options: DownloadOptions): Promise<Download> {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal !== undefined) signals.push(options.signal);
  try {
    const response = await fetch(url, { signal: AbortSignal.any(signals), redirect: "follow" });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `the URL answered HTTP ${response.status}` };
    }
    const declared = Number(response.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel();
      return { ok: false, reason: `the URL's content is ${declared} bytes, over the ${options.maxBytes}-byte limit` };
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (response.body !== null) {
      for await (const chunk of response.body) {
        total += chunk.byteLength;
        if (total > options.maxBytes) {
          await response.body.cancel().catch(() => undefined);
          return { ok: false, reason: `the URL's content is over the ${options.maxBytes}-byte limit` };
        }
        chunks.push(chunk);
      }
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError") return { ok: false, reason: `the download took longer than ${options.timeoutMs} ms` };
    if (name === "AbortError") return { ok: false, reason: "the download was stopped" };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { ok: false, reason: `the URL could not be fetched (${cause})` };
  }
}
