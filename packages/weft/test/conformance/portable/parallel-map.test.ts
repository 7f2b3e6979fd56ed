// The portable suite runtime-tests/src/suites/parallel-map.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/parallel-map.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
