/**
 * What the entries wire up, so that lower layers never import upper ones:
 * every built-in shareable type is loaded (its codec registers itself in
 * memory/shareable.ts, so values holding it can be sent and revived), and
 * the native backend is handed its threads' main loop from runtime/. The
 * public entry imports this file; the worker entry imports only
 * `builtin-shareables.ts` (a worker starts no backend).
 *
 * @module
 */
import './builtin-shareables.js';
import { provideNativeThreadMain } from './backend/select-backend.js';

// Loaded when a native backend first starts: a browser app (no Thread API) never loads the worker runtime.
provideNativeThreadMain(async () => (await import('./runtime/native-thread-main.js')).nativeThread);
