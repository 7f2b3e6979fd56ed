// The portable suite runtime-tests/src/suites/parallel-sort.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/parallel-sort.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
