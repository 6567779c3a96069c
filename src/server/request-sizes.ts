import { V2Service } from "../gen/clarifai/api/service.js";

/**
 * The V2 service definition, with PostInputs' request decoder recording each
 * request's size on the wire in `sizes` (the 128 MB rule needs it, and
 * re-encoding a large request to measure it would be slow).
 */
export function measuredService(sizes: WeakMap<object, number>): typeof V2Service {
  const postInputs = V2Service.postInputs;
  return {
    ...V2Service,
    postInputs: {
      ...postInputs,
      requestDeserialize: (bytes: Buffer) => {
        const request = postInputs.requestDeserialize(bytes);
        sizes.set(request, bytes.length);
        return request;
      },
    },
  };
}
