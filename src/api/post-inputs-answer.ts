import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Input, InputsAddJob } from "../gen/clarifai/api/resources.js";
import type { MultiInputResponse } from "../gen/clarifai/api/service.js";
import { Status } from "../gen/clarifai/api/status/status.js";

const WIRE_LENGTH_DELIMITED = 2;

/**
 * Decodes a PostInputs answer keeping, of each input, only its id and status. The
 * answer repeats every input of the request with its data (metadata, concepts,
 * regions); the uploader reads only who was taken and who was not, so building
 * objects for the rest would be work thrown away, for every input sent.
 */
export function decodePostInputsAnswer(bytes: Uint8Array): MultiInputResponse {
  const reader = new BinaryReader(bytes);
  const answer: MultiInputResponse = { status: undefined, inputs: [], inputsAddJob: undefined };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if ((tag & 7) === WIRE_LENGTH_DELIMITED) {
      const field = tag >>> 3;
      if (field === 1) {
        answer.status = Status.decode(reader, reader.uint32());
        continue;
      }
      if (field === 2) {
        answer.inputs.push(decodeIdAndStatus(reader, reader.uint32()));
        continue;
      }
      if (field === 3) {
        answer.inputsAddJob = InputsAddJob.decode(reader, reader.uint32());
        continue;
      }
    }
    reader.skip(tag & 7);
  }
  return answer;
}

/** An Input message with only `id` (field 1) and `status` (field 6) read; every other field is skipped. */
function decodeIdAndStatus(reader: BinaryReader, length: number): Input {
  const end = reader.pos + length;
  const input = Input.fromPartial({});
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LENGTH_DELIMITED)) input.id = reader.string();
    else if (tag === ((6 << 3) | WIRE_LENGTH_DELIMITED)) input.status = Status.decode(reader, reader.uint32());
    else reader.skip(tag & 7);
  }
  return input;
}
