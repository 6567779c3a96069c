import { layOutPostInputsRequest, type EncodedPostInputs, type InputLayout, type MediaKind } from "../../src/api/post-inputs-request.js";
import type { PostInputsRequest } from "../../src/gen/clarifai/api/service.js";

const MEDIA_KINDS: MediaKind[] = ["image", "video", "audio"];

/**
 * Encodes `request` as the uploader does: laid out with a slot for each input's media
 * bytes, which are then written into their slots.
 */
export function encodeThroughSlots(request: PostInputsRequest): EncodedPostInputs {
  const media = request.inputs.map((input) => {
    const kind = MEDIA_KINDS.find((name) => (input.data?.[name]?.base64.byteLength ?? 0) > 0);
    return kind && { kind, bytes: input.data![kind]!.base64 };
  });
  const layouts = request.inputs.map((input, index): InputLayout => {
    const found = media[index];
    if (!found) return { message: input };
    const withoutBytes = { ...input.data![found.kind]!, base64: new Uint8Array(0) };
    return { message: { ...input, data: { ...input.data!, [found.kind]: withoutBytes } }, media: { kind: found.kind, size: found.bytes.byteLength } };
  });
  const { inputs: _, ...header } = request;
  const encoded = layOutPostInputsRequest(header, layouts);
  media.forEach((found, index) => found && encoded.mediaSlot(index).set(found.bytes));
  return encoded;
}
