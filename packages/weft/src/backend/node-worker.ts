/**
 * Backend for Node's `worker_threads`. The worker runtime is built into the
 * package as source text and started with `eval: true`, so users never ship a
 * worker file: it works from an npm install, under tsx (inline functions; on
 * Node 20 a worker cannot import .ts task modules), and bundled.
 *
 * @module
 */
import type { Backend, ContextEvents, ExecutionContext, SpawnOptions, WorkerEndpoint } from './backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';
import { isNode } from './is-node.js';
import { createItemStream, itemStreamReader, type ItemStream, type ItemStreamReader } from './item-stream.js';
import { blockDecoder, blockEncoder, streamableWithout } from './block-codec.js';

type WorkerThreads = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');
type NodeV8 = typeof import('node:v8');

/** Kept in variables so bundlers targeting browsers do not try to resolve them. */
const WORKER_THREADS = 'node:worker_threads';
const OS = 'node:os';
const V8 = 'node:v8';


/** The flags workers start with, once known to be accepted. */
let workerExecArgv: string[] | undefined;

/** The process's flags (loaders such as tsx) but not --input-type: the runtime is a classic script. */
function inheritedExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((arg) => !arg.startsWith('--input-type'));
}

/** Flags with a value that load code or pick module conditions: what a worker needs to import the user's modules. */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);

/** Only the module-loading flags of `execArgv` (with their values), plus --enable-source-maps. */
function loaderExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.split('=', 1)[0]!;
    if (arg === '--enable-source-maps') kept.push(arg);
    else if (LOADER_FLAGS.has(name)) {
      kept.push(arg);
      if (!arg.includes('=') && i + 1 < execArgv.length) kept.push(execArgv[++i]!);
    }
  }
  return kept;
}

/** Create the Node backend; `workerSource` is the worker runtime's bundled source. */
export async function createNodeWorkerBackend(workerSource: string): Promise<Backend> {
  const threads = (await import(/* @vite-ignore */ WORKER_THREADS)) as WorkerThreads;
  const os = (await import(/* @vite-ignore */ OS)) as NodeOs;
  const v8 = isNode() ? ((await import(/* @vite-ignore */ V8)) as NodeV8) : undefined;
  return {
    name: 'node-worker',
    kind: 'workers',
    parallelism: () => os.availableParallelism(),
    // Strings and numbers as they are, the rest in the structured-clone format postMessage uses
    // (v8.serialize), block by block. That format on Node only: Deno runs this backend too, and its
    // node:v8 is not the format its workers' messages use, so there only arrays of strings or numbers stream.
    streamItems(items: readonly unknown[], from: number, blockSize: number): ItemStream | undefined {
      if (v8) return createItemStream(items, from, blockSize, blockEncoder((block) => serializeUnshared(v8, block)));
      return streamableWithout(items) ? createItemStream(items, from, blockSize, blockEncoder()) : undefined;
    },
    spawn(events: ContextEvents, options: SpawnOptions = {}): ExecutionContext {
      const start = (execArgv: string[]): InstanceType<WorkerThreads['Worker']> =>
        new threads.Worker(workerSource, {
          eval: true,
          name: 'weft',
          execArgv,
          ...(options.resourceLimits ? { resourceLimits: { ...options.resourceLimits } } : {}),
        });
      let worker: InstanceType<WorkerThreads['Worker']>;
      try {
        worker = start(workerExecArgv ?? inheritedExecArgv(process.execArgv));
      } catch (err) {
        // A flag workers do not accept (say, --single-threaded-gc): keep only the module-loading ones.
        if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || workerExecArgv) throw err;
        workerExecArgv = loaderExecArgv(process.execArgv);
        worker = start(workerExecArgv);
      }
      workerExecArgv ??= inheritedExecArgv(process.execArgv);
      let exited = false;
      let fatal: unknown;
      worker.on('message', (message: FromWorker) => events.message(message));
      // An uncaught error kills a Node worker; 'exit' always follows.
      worker.on('error', (err) => {
        fatal = err;
      });
      worker.on('exit', (code) => {
        if (exited) return;
        exited = true;
        events.exit(code, fatal);
      });
      return {
        post: (message: ToWorker, transfer?: readonly ArrayBuffer[]) => worker.postMessage(message, transfer as ArrayBuffer[] | undefined),
        ref: () => worker.ref(),
        unref: () => worker.unref(),
        terminate: () => {
          void worker.terminate();
        },
      };
    },
  };
}

/** Worker side: the endpoint of a Node worker, or `undefined` when this is not one. */
export function nodeWorkerEndpoint(): WorkerEndpoint | undefined {
  // An `eval: true` worker script has `require` as a global.
  const req = (globalThis as { require?: (id: string) => unknown }).require;
  if (typeof req !== 'function') return undefined;
  let port: WorkerThreads['parentPort'];
  try {
    port = (req(WORKER_THREADS) as WorkerThreads).parentPort;
  } catch {
    return undefined;
  }
  if (!port) return undefined;
  const parent = port;
  return {
    post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => parent.postMessage(message, transfer as ArrayBuffer[] | undefined),
    listen: (handler: (message: ToWorker) => void) => {
      parent.on('message', handler);
    },
    itemReader(shared: SharedArrayBuffer, stopped: () => boolean): ItemStreamReader {
      // Serialized blocks come from Node only; node:v8 is loaded for the first one.
      const deserialize = (): ((bytes: Uint8Array) => unknown[]) => {
        const v8 = req(V8) as NodeV8;
        return (bytes) => deserializeOwned(v8, bytes) as unknown[];
      };
      return itemStreamReader(shared, blockDecoder(deserialize), stopped);
    },
  };
}

/**
 * `v8.serialize(value)`, but throwing on a typed array or `DataView` over a
 * `SharedArrayBuffer`: Node's serializer would copy its bytes, where
 * `postMessage` shares the memory (a bare `SharedArrayBuffer` throws in
 * both). The caller then posts the value, which keeps it shared.
 */
function serializeUnshared(v8: NodeV8, value: unknown): Uint8Array {
  unsharedSerializer ??= class extends v8.DefaultSerializer {
    _writeHostObject(object: object): void {
      if (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer) throw new TypeError('holds shared memory');
      (v8.DefaultSerializer.prototype as unknown as { _writeHostObject(object: object): void })._writeHostObject.call(this, object);
    }
  };
  const serializer = new unsharedSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

let unsharedSerializer: (new () => InstanceType<NodeV8['DefaultSerializer']>) | undefined;

/**
 * `v8.deserialize(bytes)` where `bytes` lie in shared memory: Node's
 * deserializer makes typed arrays and `DataView`s *views of its input*, which
 * here would be the shared items of every worker. Each gets a private
 * `ArrayBuffer` holding its own bytes instead, as a clone would.
 */
function deserializeOwned(v8: NodeV8, bytes: Uint8Array): unknown {
  owningDeserializer ??= class extends v8.DefaultDeserializer {
    _readHostObject(): unknown {
      const view = (v8.DefaultDeserializer.prototype as unknown as { _readHostObject(): ArrayBufferView })._readHostObject.call(this);
      const own = new ArrayBuffer(view.byteLength);
      new Uint8Array(own).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      const View = view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView;
      return new View(own);
    }
  };
  const deserializer = new owningDeserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

let owningDeserializer: (new (bytes: Uint8Array) => InstanceType<NodeV8['DefaultDeserializer']>) | undefined;
