import { layOutPostInputsRequest, type ContentKind, type EncodedPostInputs, type InputLayout } from "../../src/api/post-inputs-request.js";
import type { Input } from "../../src/gen/clarifai/api/resources.js";
import type { PostInputsRequest } from "../../src/gen/clarifai/api/service.js";

const MEDIA_KINDS = ["image", "video", "audio"] as const;

/** The bytes the uploader reads into a slot: the media's, else the text's (as for a text file). */
function slotContent(input: Input): { kind: ContentKind; bytes: Uint8Array } | undefined {
  const kind = MEDIA_KINDS.find((name) => (input.data?.[name]?.base64.byteLength ?? 0) > 0);
  if (kind) return { kind, bytes: input.data![kind]!.base64 };
  const raw = input.data?.text?.raw ?? "";
  return raw === "" ? undefined : { kind: "text", bytes: Buffer.from(raw, "utf8") };
}

/** `input` without the bytes that go into its slot. */
function withoutSlotContent(input: Input, kind: ContentKind): Input {
  const data = input.data!;
  if (kind === "text") return { ...input, data: { ...data, text: { ...data.text!, raw: "" } } };
  return { ...input, data: { ...data, [kind]: { ...data[kind]!, base64: new Uint8Array(0) } } };
}

/**
 * Encodes `request` as the uploader does: laid out with a slot for each input's file
 * bytes, which are then written into their slots.
 */
export function encodeThroughSlots(request: PostInputsRequest): EncodedPostInputs {
  const contents = request.inputs.map(slotContent);
  const layouts = request.inputs.map((input, index): InputLayout => {
    const found = contents[index];
    if (!found) return { message: input };
    return { message: withoutSlotContent(input, found.kind), content: { kind: found.kind, size: found.bytes.byteLength } };
  });
  const { inputs: _, ...header } = request;
  const encoded = layOutPostInputsRequest(header, layouts);
  contents.forEach((found, index) => found && encoded.slot(index).set(found.bytes));
  return encoded;
}
