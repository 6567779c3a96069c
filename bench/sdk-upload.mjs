// The official SDK's folder upload, for the benchmark: node bench/sdk-upload.mjs HOST:PORT DIR APP
import { App, Dataset } from "clarifai-nodejs";

const [address, folderPath, appId] = process.argv.slice(2);
const authConfig = { userId: "bench", appId, pat: "bench", base: `http://${address}` };
// The SDK logs every batch with console.*; the benchmark measures uploading, not printing.
for (const method of ["log", "info", "warn", "debug"]) console[method] = () => {};
await new App({ authConfig }).createDataset({ datasetId: "bench" });
await new Dataset({ authConfig, datasetId: "bench" }).uploadFromFolder({ folderPath, inputType: "image", batchSize: 128 });
