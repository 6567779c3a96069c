/** The PNG signature, the first 8 bytes of every PNG file. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Why the bytes of a region's mask are not a mask image, or null. A mask is a PNG
 * (the platform's segmentation masks are PNGs) with a width and height; its IHDR chunk,
 * which must come first, gives them.
 */
export function maskImageProblem(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return "mask.image has no bytes (base64): a mask is a PNG image";
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 24 || !buffer.subarray(0, 8).equals(PNG_SIGNATURE) || buffer.toString("latin1", 12, 16) !== "IHDR") {
    return "mask.image is not a PNG image";
  }
  if (buffer.readUInt32BE(16) === 0 || buffer.readUInt32BE(20) === 0) return "mask.image has a width or height of 0";
  return null;
}
