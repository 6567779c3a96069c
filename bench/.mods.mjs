import { createRequire } from "node:module";
const t = performance.now();
await import("../dist/cli/main.js");
const ms = performance.now() - t;
const require = createRequire(import.meta.url);
const cjs = Object.keys(require.cache);
const byPkg = new Map();
for (const f of cjs) { const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f); const k = m ? m[1] : "app"; byPkg.set(k, (byPkg.get(k) ?? 0) + 1); }
console.log("import ms", ms.toFixed(0), "cjs modules", cjs.length, [...byPkg].sort((a,b)=>b[1]-a[1]).map(([k,v])=>`${k}:${v}`).join(" "));
