// The portable suite runtime-tests/src/suites/errors-abort.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/errors-abort.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
