// The portable suite runtime-tests/src/suites/channel-stress.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/channel-stress.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
