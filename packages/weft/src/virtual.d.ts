declare module 'virtual:weft-worker-source' {
  const source: string;
  export default source;
}
