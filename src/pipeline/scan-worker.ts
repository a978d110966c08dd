/** Worker thread entry for `widen scan --jobs N`: scans its share of files and posts the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { rulesById, scanFiles } from './scan.js';

const data = workerData as { files: string[]; rules: string[] };
const result = await scanFiles(data.files, rulesById(data.rules), () => parentPort?.postMessage({ progress: true }));
parentPort?.postMessage({ result });
