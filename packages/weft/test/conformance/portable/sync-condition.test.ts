// The portable suite runtime-tests/src/suites/sync-condition.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/sync-condition.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
