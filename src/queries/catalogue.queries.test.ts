import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { DuplicateNameError, insertCatalogueItem, updateCatalogueItem } from './catalogue.queries';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  return undefined;
}

test('a signature name taken between the check and the write is reported as a duplicate, not a crash', async () => {
  await insertCatalogueItem(t.db, 'signatures', { name: '腾讯云' }, 1);
  expect(await thrown(() => insertCatalogueItem(t.db, 'signatures', { name: '腾讯云' }, 1))).toBeInstanceOf(DuplicateNameError);
  const other = await insertCatalogueItem(t.db, 'signatures', { name: '阿里云' }, 1);
  expect(await thrown(() => updateCatalogueItem(t.db, 'signatures', other, { name: '腾讯云' }))).toBeInstanceOf(DuplicateNameError);
});
