import { addUser, makeTestApp, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { messageParams } from './cloud-messages.queries';

let t: TestApp;
let ids: number[];
let taskId: string;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  ({ taskId } = await seedTask(t.db, phones(12)));
  ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
});
afterAll(() => t.close());

test.each([
  ['a run of ids (one range read)', () => ids.slice(2, 8)],
  ['a run with gaps: the rows between are not returned', () => [ids[0], ids[2], ids[3], ids[5]]],
  ['ids far apart (an IN list)', () => [ids[0], ids[11]]],
  ['out of order', () => [ids[4], ids[1], ids[3]]],
])('%s: exactly the messages asked for, with their task and parameters', async (_name, pick) => {
  const asked = pick();
  const rows = await messageParams(t.db, asked);
  expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual([...asked].sort((a, b) => a - b));
  expect(rows.every((r) => r.taskId === taskId && Array.isArray(r.params))).toBe(true);
});

test('no ids: no query, nothing', async () => {
  expect(await messageParams(t.db, [])).toEqual([]);
});
