// The portable suite runtime-tests/src/suites/sync-atomics.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/sync-atomics.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
