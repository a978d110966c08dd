/**
 * Worker thread entry for `widen scan --jobs N`: scans its share of files and posts each file's
 * result as it is done (see {@link WorkerMessage}), so a crash costs only the file it happens on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCLanguage } from '../analysis/parser.js';
import { rulesById, scanFiles, type WorkerInput, type WorkerMessage } from './scan.js';

const input = workerData as WorkerInput;
const rules = rulesById(input.rules);
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
await loadCLanguage();
post({ k: 'ready' });
await scanFiles(input.files, rules, (path, result) => post({ k: 'file', path, result }), input.index, new Set(input.noreturn ?? []));
