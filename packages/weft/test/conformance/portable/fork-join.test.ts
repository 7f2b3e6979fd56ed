// The portable suite runtime-tests/src/suites/fork-join.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/fork-join.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
