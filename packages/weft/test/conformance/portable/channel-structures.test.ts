// The portable suite runtime-tests/src/suites/channel-structures.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/channel-structures.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
