// The portable suite runtime-tests/src/suites/sync-semaphore-barrier.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/sync-semaphore-barrier.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
