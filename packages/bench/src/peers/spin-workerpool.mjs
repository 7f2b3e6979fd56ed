// workerpool's worker script registers its functions by name.
import workerpool from 'workerpool';
import { kernel } from '../workloads.mjs';

workerpool.worker({ spin: (iterations, seed) => kernel(seed, 0, { iterations }) });
