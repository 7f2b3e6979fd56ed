// Test helper: a real redis-server on a free loopback port, persistence off, stopped afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';

/** Whether a redis-server binary is on PATH. */
export function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port the OS says is free now. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Start redis-server on `port` (a free one by default); resolves once it accepts connections
 * (its "Ready to accept connections" line: a handshake, not a sleep).
 */
export async function startRedis(port, extraArgs = []) {
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${log}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${log}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Freeze it (SIGSTOP): connections stay open, and no command is answered until {@link resume}. */
    pause() {
      child.kill('SIGSTOP');
    },
    /** Let a paused server go on (SIGCONT). */
    resume() {
      child.kill('SIGCONT');
    },
    /** Stop it (SIGKILL: nothing to persist, and it works on a paused server too); resolves when it has exited. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
