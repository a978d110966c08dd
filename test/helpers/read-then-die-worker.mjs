/**
 * A reading thread of a scan (read-phase.ts) that takes and reads its chunks like the real one,
 * then dies instead of posting them: the main thread must read those chunks again.
 */
import { workerData } from 'node:worker_threads';

const { serveRead } = await import(new URL('../../dist/pipeline/read-phase.js', import.meta.url).href);
const { rulesById } = await import(new URL('../../dist/pipeline/scan.js', import.meta.url).href);
serveRead(
  {
    postMessage() {
      throw new Error('the reading thread died before it posted its chunks');
    },
  },
  workerData,
  rulesById(workerData.rules),
);
