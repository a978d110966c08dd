/**
 * Worker thread entry for `widen scan --jobs N`: reads and prefilters its share of the files,
 * then analyses the files it is sent and posts each file's result as it is done (see
 * {@link serveScan}), so a crash costs only the file it happens on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveScan, type ScanPort, type WorkerInput } from './scan.js';

await serveScan(parentPort as unknown as ScanPort, workerData as WorkerInput);
