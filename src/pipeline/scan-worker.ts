/**
 * Worker thread entry for `widen scan`. Started with a {@link ReadInput}, it is the second
 * reading thread of a scan in one job (see read-phase.ts). Otherwise it is one of the threads of
 * `widen scan --jobs N`: it reads and prefilters its share of the files, then analyses the files
 * it is sent and posts each file's result as it is done (see {@link serveScan}), so a crash
 * costs only the file it happens on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveRead, type ReadInput } from './read-phase.js';
import { rulesById, serveScan, type ScanPort, type WorkerInput } from './scan.js';

const input = workerData as WorkerInput | ReadInput;
if ('mode' in input) serveRead(parentPort!, input, rulesById(input.rules));
else await serveScan(parentPort as unknown as ScanPort, input);
