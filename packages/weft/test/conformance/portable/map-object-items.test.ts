// The portable suite runtime-tests/src/suites/map-object-items.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/map-object-items.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
