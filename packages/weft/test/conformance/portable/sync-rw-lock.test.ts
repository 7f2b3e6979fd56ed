// The portable suite runtime-tests/src/suites/sync-rw-lock.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/sync-rw-lock.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
