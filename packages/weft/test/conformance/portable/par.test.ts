// The portable suite runtime-tests/src/suites/par.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/par.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
