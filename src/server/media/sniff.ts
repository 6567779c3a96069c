import { fileTypeFromBuffer } from "file-type";

/**
 * The format of some bytes, as a short lower-case name matching the limits
 * table (jpeg, png, tiff, bmp, webp, gif, mp4, mov, avi, wmv, 3gp, wav, ...),
 * or null when the bytes are not recognized.
 */
export async function sniffFormat(bytes: Uint8Array): Promise<string | null> {
  return (await sniffType(bytes))?.format ?? null;
}

/** The format of some bytes (as sniffFormat names it) with its MIME type, or null when not recognized. */
export async function sniffType(bytes: Uint8Array): Promise<{ format: string; mime: string } | null> {
  if (bytes.length === 0) return null;
  const type = await fileTypeFromBuffer(bytes);
  if (type === undefined) return null;
  return { format: formatOf(type), mime: type.mime };
}

function formatOf(type: { ext: string; mime: string }): string {
  switch (type.ext) {
    case "jpg":
      return "jpeg";
    case "tif":
      return "tiff";
    case "asf":
      return type.mime.startsWith("video/") ? "wmv" : type.mime.startsWith("audio/") ? "wma" : "asf";
    default:
      return type.ext;
  }
}

/** How a format is named in messages. */
export function formatLabel(format: string): string {
  return format === "3gp" ? "3GPP" : format.toUpperCase();
}
