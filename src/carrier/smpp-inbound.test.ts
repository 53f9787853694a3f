import { localPhone } from './smpp-inbound';

test.each([
  ['8613800138000', '13800138000'],
  ['+8613800138000', '13800138000'],
  ['008613800138000', '13800138000'],
  ['13800138000', '13800138000'],
  [' 8613800138000 ', '13800138000'],
  // Not a mainland mobile number once the country code is off: kept as the SMSC wrote it.
  ['8612345', '8612345'],
  ['4915112345678', '4915112345678'],
  ['10690000', '10690000'],
])('a reply from %s is stored under %s', (address, phone) => {
  expect(localPhone(address)).toBe(phone);
});
