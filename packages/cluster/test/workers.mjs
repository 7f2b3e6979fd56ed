// Test helper: worker processes spawned locally, standing in for machines.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

/**
 * Spawn a worker process; resolves once it printed READY (connected and waiting for jobs).
 * `lines` collects its output; `waitFor(re)` resolves on the first line matching `re` (bounded).
 */
export async function spawnWorker(options, { cwd } = {}) {
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  const lines = [];
  const waiters = [];
  let buffered = '';
  const onData = (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) w.resolve(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = once(child, 'exit');
  const waitFor = (re, ms = 20_000) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { re, resolve: (line) => { clearTimeout(timer); waiters.splice(waiters.indexOf(w), 1); resolve(line); } };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`worker printed no line matching ${re} within ${ms} ms:\n${lines.join('\n')}`));
      }, ms);
      waiters.push(w);
      exited.then(() => { if (waiters.includes(w)) { clearTimeout(timer); waiters.splice(waiters.indexOf(w), 1); reject(new Error(`worker exited before printing ${re}:\n${lines.join('\n')}`)); } });
    });
  };
  await waitFor(/^READY /);
  return {
    child,
    lines,
    waitFor,
    machine: lines.find((l) => l.startsWith('READY ')).slice(6),
    /** SIGKILL, as a machine that dies. */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    /** SIGTERM: the worker closes and exits. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
