// Worker file for piscina and tinypool: one task = one item.
import { kernel } from '../workloads.mjs';

export default function task({ iterations, seed }) {
  return kernel(seed, 0, { iterations });
}
