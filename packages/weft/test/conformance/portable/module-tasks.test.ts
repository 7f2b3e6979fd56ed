// The portable suite runtime-tests/src/suites/module-tasks.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/module-tasks.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
