'use strict';
// Shared by the test files (kept out of test/, where `node --test test/`
// would run it as a test file of its own).
const { spawn } = require('node:child_process');
const path = require('node:path');

const packageRoot = path.join(__dirname, '..');

/** Rejects loudly when `promise` does not settle within `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Joins a thread from the main thread without blocking it, with a bound. */
function joinWithin(thread, ms = 20000) {
  return withTimeout(thread.asyncJoin(), ms, `thread ${thread.id} to finish`);
}

/**
 * Runs `code` in a fresh `node` child process (the shim preloaded by the
 * caller's code) and resolves with its exit status and output. Killed and
 * reported after `ms`.
 */
function runNode(code, { ms = 20000, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, '-e', code], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Child did not exit within ${ms} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, ms);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

module.exports = { packageRoot, withTimeout, joinWithin, runNode };
