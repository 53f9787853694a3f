import { ImportGate } from './import-gate';

/** A job that runs until released, recording when it started. */
function held(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<string>((resolve) => (release = () => resolve(name)));
  return { job: () => (started.push(name), done), release };
}

const tick = () => new Promise((r) => setImmediate(r));

test('at most `workers` jobs run at once; the others start first come, first served, each told how many are ahead', async () => {
  const gate = new ImportGate(2, 3);
  const started: string[] = [];
  const jobs = ['a', 'b', 'c', 'd', 'e'].map((n) => held(started, n));
  const heard: Record<string, number[]> = { c: [], d: [], e: [] };
  const runs = jobs.map((j, i) => gate.run(j.job, { onWaiting: (ahead) => heard['abcde'[i]]?.push(ahead) }));
  await tick();
  expect(started).toEqual(['a', 'b']);
  expect(gate.waiting).toBe(3);
  jobs[1].release();
  await tick();
  expect(started).toEqual(['a', 'b', 'c']);
  expect(gate.active).toBe(2);
  jobs[0].release();
  jobs[2].release();
  await tick();
  expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
  jobs[3].release();
  jobs[4].release();
  expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd', 'e'].map((value) => ({ ok: true, value })));
  expect(heard).toEqual({ c: [0], d: [1, 0], e: [2, 1, 0] });
  expect([gate.active, gate.waiting]).toEqual([0, 0]);
});

test('beyond the queue an import is refused as busy at once; a waiting one whose request went away leaves the queue', async () => {
  const gate = new ImportGate(1, 2);
  const started: string[] = [];
  const first = held(started, 'first');
  const running = gate.run(first.job);
  const gone = new AbortController();
  const abandoned = gate.run(held(started, 'abandoned').job, { signal: gone.signal });
  const heard: number[] = [];
  const next = held(started, 'next');
  const waiting = gate.run(next.job, { onWaiting: (ahead) => heard.push(ahead) });
  expect(await gate.run(async () => 'never')).toEqual({ ok: false, reason: 'busy' });
  gone.abort();
  expect(await abandoned).toEqual({ ok: false, reason: 'aborted' });
  expect(heard).toEqual([1, 0]);
  first.release();
  await tick();
  next.release();
  expect(await running).toEqual({ ok: true, value: 'first' });
  expect(await waiting).toEqual({ ok: true, value: 'next' });
  expect(started).toEqual(['first', 'next']);
});

test('a job that fails still frees its place', async () => {
  const gate = new ImportGate(1, 0);
  await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await gate.run(async () => 1)).toEqual({ ok: true, value: 1 });
});
