// The portable suite runtime-tests/src/suites/shareable-items.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/shareable-items.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
