// The portable suite runtime-tests/src/suites/pool.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/pool.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
