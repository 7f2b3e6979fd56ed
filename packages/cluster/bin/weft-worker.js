#!/usr/bin/env node
// weft-worker: run a Weft cluster worker on this machine (see packages/cluster/README.md).
import { parseArgs } from 'node:util';
import { startWorker } from '../dist/index.js';

const usage = `Usage: weft-worker --connection redis://host:6379 --queue NAME [--threads N] [--root DIR]
  [--concurrency N] [--lock-duration MS] [--stalled-interval MS] [--max-stalled N]
The signing key comes from WEFT_CLUSTER_KEY (the same on callers and workers).`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      connection: { type: 'string' },
      queue: { type: 'string' },
      threads: { type: 'string' },
      root: { type: 'string' },
      concurrency: { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'max-stalled': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`weft-worker: ${err.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

/** A numeric flag as a number (startWorker checks its range), or undefined when absent. */
function number(name) {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    console.error(`weft-worker: --${name} must be a number, received ${JSON.stringify(text)}\n${usage}`);
    process.exit(2);
  }
  return n;
}

const options = {
  connection: values.connection,
  queue: values.queue,
  ...(values.root !== undefined && { root: values.root }),
  ...(values.threads !== undefined && { threads: number('threads') }),
  ...(values.concurrency !== undefined && { concurrency: number('concurrency') }),
  ...(values['lock-duration'] !== undefined && { lockDuration: number('lock-duration') }),
  ...(values['stalled-interval'] !== undefined && { stalledInterval: number('stalled-interval') }),
  ...(values['max-stalled'] !== undefined && { maxStalledCount: number('max-stalled') }),
};

let worker;
try {
  worker = await startWorker(options);
} catch (err) {
  console.error(`weft-worker: ${err.message}${err instanceof TypeError || err instanceof RangeError ? `\n${usage}` : ''}`);
  process.exit(2);
}
console.log(`weft-worker ${worker.machine}: ready on queue ${options.queue}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.log(`weft-worker ${worker.machine}: ${signal}, finishing running jobs`);
    void worker.close().then(() => process.exit(0));
  });
}
