import { parseMessageQuery } from './message-filters.validators';

describe('the receipt code filter', () => {
  test.each([
    ['delivrd', 'DELIVRD'],
    ['mk:0001', 'MK:0001'],
    ['SMPP:0x0000000B', 'SMPP:0x0000000B'],
    ['smpp:0xb', 'SMPP:0x0000000B'],
    ['SMPP:0X58', 'SMPP:0x00000058'],
  ])('%s is looked up as the stored %s', (typed, stored) => {
    const { filter, errors } = parseMessageQuery({ code: typed });
    expect(errors).toEqual({});
    expect(filter.code).toBe(stored);
  });

  test.each(['SMPP:0x-1', 'SMPP:0x12345678901234567', 'de livrd', '1ABC'])('%s is refused on its field', (typed) => {
    expect(parseMessageQuery({ code: typed }).errors.code).toEqual({ key: 'tasks.messages.errors.code' });
  });
});
