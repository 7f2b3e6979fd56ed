// Type-checked against @types/bun with no DOM lib (tsconfig.bun.json, part of
// `npm test`): the web-worker backend's own structural view of Bun's Worker
// and globals must accept Bun's real ones. If a Bun release changes Worker
// (ref/unref, the 'close' event's code, the constructor options), this fails.
import type { WebGlobals, WebWorker } from '../../src/backend/web-worker.js';

declare const url: string;

// The constructor and the instance, as the backend calls them.
const globals: WebGlobals = globalThis;
const Ctor: NonNullable<WebGlobals['Worker']> = Worker;
const worker: WebWorker = new Ctor(url, { type: 'module', name: 'weft' });
const bunWorker: Worker = new Worker(url, { type: 'module', name: 'weft' });

// Bun's events carry what the backend reads from them.
bunWorker.addEventListener('close', (event) => {
  const code: number = event.code;
  void code;
});
bunWorker.addEventListener('error', (event) => {
  const error: unknown = event.error;
  const message: string = event.message;
  event.preventDefault();
  void error;
  void message;
});
bunWorker.ref();
bunWorker.unref();
const hardware: number = navigator.hardwareConcurrency;
const isolated: boolean | undefined = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;

// Bun is what node-worker.ts's detection tells apart from Node.
const version: string = Bun.version;
void [globals, worker, hardware, isolated, version];
