import { describe, expect, it } from 'vitest';
import { encodePayload } from '../../src/codec/payload-codec.js';
import { TaskError } from '../../src/errors.js';
import { createIdentityHeap } from '../../src/sched/identity-heap.js';
import { defaultSizes, SchedulerMemory, SlotFlag, TaskState } from '../../src/sched/scheduler-memory.js';
import { adoptBuffers, UNKNOWN_BUFFER } from '../../src/sched/shared-buffers.js';
import { bytesTransport, heapTransport, slotTransport } from '../../src/sched/slot-transport.js';

const sizes = defaultSizes(2);
const noPost = (): void => {
  throw new Error('nothing should travel by message here');
};

describe('bytesTransport (workers)', () => {
  const memory = SchedulerMemory.create(sizes);
  const transport = bytesTransport(memory);

  it('carries a task shipped as fast numbers or as a payload, as copies', () => {
    const fastLength = transport.putTask(3, { args: [], fastArgs: [1, 2.5, -3] });
    expect(transport.takeArgs(3, fastLength, 0)).toEqual([1, 2.5, -3]);
    const args = [{ name: 'x', list: [1, 2] }, 'text'];
    const length = transport.putTask(4, { args: [], payload: encodePayload(args) });
    const read = transport.takeArgs(4, length, 0) as unknown[];
    expect(read).toEqual(args);
    expect(read[0]).not.toBe(args[0]);
  });

  it('carries a fork, and refuses one whose arguments do not fit a slot', () => {
    const prepared = transport.prepareFork([40, { deep: [true] }]);
    expect(prepared).toBeDefined();
    const length = transport.putFork(5, () => 0, [], prepared!);
    expect(transport.takeArgs(5, length, prepared!.flags)).toEqual([40, { deep: [true] }]);
    expect(transport.prepareFork(['x'.repeat(sizes.payloadBytes * 2)])).toBeUndefined();
  });

  it('numbers shared buffers in a fork, and says when the runner does not know one yet', () => {
    const buffer = new SharedArrayBuffer(8);
    // Not numbered: such a fork runs on its forker.
    expect(transport.prepareFork([new Int32Array(buffer)])).toBeUndefined();
    adoptBuffers([{ id: 7, buffer }]);
    const prepared = transport.prepareFork([new Int32Array(buffer, 4, 1)])!;
    expect(prepared.flags & SlotFlag.Buffers).toBe(SlotFlag.Buffers);
    const length = transport.putFork(6, () => 0, [], prepared);
    const [view] = transport.takeArgs(6, length, prepared.flags) as [Int32Array];
    expect(view.buffer).toBe(buffer);
    expect(view.byteOffset).toBe(4);
    // A slot naming a buffer number this worker was never told of (its `buffers` message not read yet).
    const unknown = memory.payloads.write(memory.payloadAt(2), encodePayload([{ __weftBuffer: 999, type: 'Int32Array', byteOffset: 0, length: 1 }]));
    expect(transport.takeArgs(2, unknown, SlotFlag.Buffers)).toBe(UNKNOWN_BUFFER);
  });

  it('carries outcomes: a value, an error revived with its class, code and cause, and nothing when cancelled', () => {
    const done = transport.putOutcome(8, TaskState.Done, { ok: [1, 2] }, 0, noPost);
    expect(done.state).toBe(TaskState.Done);
    expect(transport.takeOutcome(8, done.state, done.length)).toEqual({ ok: [1, 2] });

    const thrown = new TaskError('it broke', new RangeError('inner'));
    const failed = transport.putOutcome(9, TaskState.Failed, thrown, 0, noPost);
    const revived = transport.takeOutcome(9, failed.state, failed.length) as TaskError;
    expect(revived).not.toBe(thrown);
    expect(revived.name).toBe('TaskError');
    expect(revived.message).toBe('it broke');
    expect(revived.code).toBe('WEFT_TASK_FAILED');
    expect((revived.cause as Error).message).toBe('inner');

    // A failure whose error did not fit its slot (length 0) is still an error, never undefined.
    const unwritten = transport.takeOutcome(12, TaskState.Failed, 0) as Error;
    expect(unwritten).toBeInstanceOf(Error);
    expect(unwritten.message).toMatch(/too large for its slot/);

    const cancelled = transport.putOutcome(10, TaskState.Cancelled, 'ignored', 0, noPost);
    expect(cancelled.length).toBe(0);
    expect(transport.takeOutcome(10, cancelled.state, cancelled.length)).toBeUndefined();
  });

  it('turns a result that cannot be encoded into a failure naming why', () => {
    const out = transport.putOutcome(11, TaskState.Done, { f: () => 1 }, 0, noPost);
    expect(out.state).toBe(TaskState.Failed);
    const error = transport.takeOutcome(11, out.state, out.length) as Error;
    expect(error.name).toBe('TypeError');
    expect(error.message).toMatch(/^The task's result cannot be sent back/);
  });
});

describe('heapTransport (shared-heap threads)', () => {
  const memory = SchedulerMemory.create(sizes);
  const heap = createIdentityHeap(sizes.slots);
  const transport = heapTransport(heap);

  it('passes functions, arguments and outcomes by identity', () => {
    const fn = (): number => 1;
    const arg = { mutable: true };
    transport.putTask(1, { fn, args: [arg] });
    expect(heap.fns[1]).toBe(fn);
    const args = transport.takeArgs(1, 0, 0) as unknown[];
    expect(args[0]).toBe(arg);
    expect(heap.args[1]).toBeUndefined();

    const result = new Map([[1, 2]]);
    const done = transport.putOutcome(1, TaskState.Done, result, 0, noPost);
    expect(transport.takeOutcome(1, done.state, done.length)).toBe(result);
    expect(heap.fns[1]).toBeUndefined();

    const thrown = new RangeError('the very object');
    const failed = transport.putOutcome(2, TaskState.Failed, thrown, 0, noPost);
    expect(transport.takeOutcome(2, failed.state, failed.length)).toBe(thrown);
  });

  it('takes any fork, by identity', () => {
    const huge = ['x'.repeat(sizes.payloadBytes * 2)];
    const prepared = transport.prepareFork(huge)!;
    expect(prepared.flags).toBe(0);
    const fn = (): void => {};
    transport.putFork(3, fn, huge, prepared);
    expect(heap.fns[3]).toBe(fn);
    expect((transport.takeArgs(3, 0, 0) as unknown[])[0]).toBe(huge[0]);
  });

  it('is what slotTransport picks where there is a heap', () => {
    expect(slotTransport(memory, heap).byIdentity).toBe(true);
    expect(slotTransport(memory, undefined).byIdentity).toBe(false);
  });
});
