// The portable suite runtime-tests/src/suites/channel-pipeline.mjs, run by vitest (see register-portable.ts).
import '../../../../runtime-tests/src/suites/channel-pipeline.mjs';
import { registerPortableTests } from './register-portable.js';

registerPortableTests();
