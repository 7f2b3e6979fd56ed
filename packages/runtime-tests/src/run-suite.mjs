// Runs the portable suite on whatever runtime executes this file
// (`node`, `bun`, `deno run -A`), prints a line per test and, last, one
// `@@weft-result <json>` line for the runner. It never calls exit: the
// process must end on its own once the suite is done (Weft's idle workers
// must not keep it alive); the runner fails it if it does not.
import { run } from './harness.mjs';
import './suites/index.mjs';

const filter = globalThis.process?.argv?.[2] ?? globalThis.Deno?.args?.[0];
const result = await run({ filter });
console.log(`@@weft-result ${JSON.stringify(result)}`);
