// Worker file for piscina and tinypool: the trivial task `x => x + 1`.
export default function inc(x) {
  return x + 1;
}
