// The portable suite runtime-tests/src/suites/sync-mutex.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/sync-mutex.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
