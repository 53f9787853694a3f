/**
 * Issue 15: a spare import thread (spare-import-thread.ts) runs a small made-up import through the code a real one
 * runs (the .csv reader, the check, the pack) before its file comes. A thread starts with every function cold: the
 * first tens of thousands of rows of its file ran in the interpreter and baseline code while the optimising
 * compiler caught up: in one process the same 100,000-row .csv took 205 ms as the process's first import and
 * 165 ms once warm.
 *
 * The warm-up is cut into slices, one a macrotask: a job that arrives meanwhile waits at most one slice (about a
 * millisecond), and the rest of the warm-up is dropped. It starts a moment after the thread, so that it does not
 * compete for the CPU with the import that just ended (its draft being stored, its check page shown). Nothing it
 * makes leaves the thread: its rows are made-up and its packed chunks are dropped.
 */
import { RecipientChecker } from '../sms/recipient-check';
import { RecipientPacker } from '../drafts/recipient-chunks';
import { parseImportBuffer } from './import-parse';
import { OptOutScreen } from '../opt-outs/opt-out-screen';
import { keySetOf } from '../opt-outs/phone-keys';

/**
 * Rows per slice, and slices in all: 10,000 rows, about 60 ms of CPU. In one process the 100,000-row .csv then took
 * 165-180 ms instead of 205; twice as many slices measured the same, within the noise.
 */
const SLICE_ROWS = 500;
const SLICES = 20;
/** How long after the thread's start the warm-up begins. */
export const WARM_UP_DELAY_MS = 300;

const CTX = { signature: '预热', templateContent: '尊敬的{1}，您的订单{2}已发货。' };
const NAMES = ['王伟', '李娜', '张敏', '刘洋', '陈静', '杨磊'];

/** One slice's file: a header, then numbers as text with a name and an order number, as the bench's files are. */
function sliceCsv(slice: number): Buffer {
  const lines = ['手机号码,姓名,订单号'];
  for (let i = 0; i < SLICE_ROWS; i += 1) {
    const n = slice * SLICE_ROWS + i;
    lines.push(`1380${String(n).padStart(7, '0')},${NAMES[n % NAMES.length]},SF${1_000_000_000 + n * 7}`);
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

/** One slice: a .csv through the reader, the check and the pack; every other slice, numeric phone cells (.xlsx). */
function runSlice(slice: number, checker: RecipientChecker): void {
  if (slice % 2 === 0) {
    parseImportBuffer(sliceCsv(slice), 'warm-up.csv', { maxRows: SLICE_ROWS, maxBytes: 1 << 20 }, undefined, (row) => checker.add(row));
    return;
  }
  for (let i = 0; i < SLICE_ROWS; i += 1) {
    const n = slice * SLICE_ROWS + i;
    checker.add({ rowNumber: i + 2, cells: [13_900_000_000 + n, NAMES[n % NAMES.length], `SF${2_000_000_000 + n}`] });
  }
}

/**
 * Runs the warm-up's slices one a macrotask until they are done or `stopped()` says a job came. Returns at once;
 * `onEnd` hears how many slices ran.
 */
export function warmUpImportCode(stopped: () => boolean, onEnd?: (slices: number) => void): void {
  const packer = new RecipientPacker(() => undefined);
  // The opt-out screen too (issue 14), as import.worker.ts puts it before the pack: a marketing import's look-ups
  // otherwise began cold, 15-17 ms of them where warm ones take 4.
  const screen = new OptOutScreen({ keys: keySetOf([13_800_000_000, 13_800_000_500, 13_900_000_000]), version: 0 });
  const checker = new RecipientChecker(CTX, {
    onValid: (recipient) => {
      if (!screen.refuses(recipient)) packer.add(recipient);
    },
  });
  let slice = 0;
  const next = () => {
    if (stopped() || slice === SLICES) {
      onEnd?.(slice);
      return;
    }
    runSlice(slice, checker);
    slice += 1;
    setImmediate(next);
  };
  setTimeout(next, WARM_UP_DELAY_MS).unref();
}
