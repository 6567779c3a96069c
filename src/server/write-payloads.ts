import type { Input } from "../gen/clarifai/api/resources.js";
import type { Accepted } from "./handlers/input-checks.js";
import type { PlannedInput, Store } from "./store.js";

/**
 * Writes the payloads (media bytes, raw text) of the accepted inputs as one blob
 * file, before any row refers to them, and plans each input's row.
 */
export async function writePayloads(
  accepted: readonly { input: Input; verdict: Accepted }[],
  store: Store,
): Promise<PlannedInput[]> {
  const parts: Buffer[] = [];
  for (const { verdict } of accepted) {
    if (verdict.media !== null) parts.push(verdict.media);
    if (verdict.text !== null) parts.push(verdict.text);
  }
  const pack = parts.length === 0 ? null : await store.blobs.writePack(parts);
  let next = 0;
  const nextRef = (): string | null => pack?.refs[next++] ?? null;
  return accepted.map(({ input, verdict }) => {
    const mediaBlob = verdict.media === null ? null : nextRef();
    const textBlob = verdict.text === null ? null : nextRef();
    return {
      requestedId: input.id,
      data: verdict.data,
      kind: verdict.kind,
      blobFile: mediaBlob === null && textBlob === null ? null : (pack?.file ?? null),
      mediaBlob,
      textBlob,
      url: verdict.media === null ? verdict.url : null,
      allowDuplicateUrl: verdict.allowDuplicateUrl,
      datasetIds: input.datasetIds,
    };
  });
}
