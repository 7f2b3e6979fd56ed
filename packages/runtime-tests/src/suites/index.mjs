// Every portable suite, in the order they run. Each registers its tests with the harness when imported.
import './parallel-map.mjs';
import './parallel-stream.mjs';
import './parallel-sort.mjs';
import './errors-abort.mjs';
import './pool.mjs';
import './module-tasks.mjs';
import './sync.mjs';
import './channels.mjs';
