import { extensionOf } from "./list-files.js";

/** Image file extensions a YOLO label file may belong to (those Ultralytics reads, and GIF). */
export const YOLO_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(["jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif", "dng", "mpo", "heic", "pfm"]);

/** Whether a file name (or path) has one of those extensions. */
export function isImageName(name: string): boolean {
  return YOLO_IMAGE_EXTENSIONS.has(extensionOf(name));
}
