// The file system's own speed, for the scale benchmark: a bare recursive walk that stats
// every file, or reads every file. Usage: node bench/bare-walk.mjs stat|read DIR
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const [mode, root] = process.argv.slice(2);
let files = 0;
let bytes = 0;
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else {
      files++;
      bytes += mode === "read" ? readFileSync(path).length : statSync(path).size;
    }
  }
}
walk(root);
process.stdout.write(`${files} files, ${bytes} bytes\n`);
