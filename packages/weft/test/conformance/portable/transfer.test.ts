// The portable suite runtime-tests/src/suites/transfer.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/transfer.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
