// Setup file of the `native` test project: install the Thread API shim with
// preemption, so that threads interleave anywhere and races can show up.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const shim = require('@weft/thread-shim') as { install(options: { preempt?: boolean | { intervalMs: number } }): void };
shim.install({ preempt: { intervalMs: 2 } });
