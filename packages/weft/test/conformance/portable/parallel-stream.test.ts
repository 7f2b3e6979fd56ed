// The portable suite runtime-tests/src/suites/parallel-stream.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/parallel-stream.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
