/**
 * The opt-out case's direct measure of what the list adds to an import worker's work: in a fresh worker thread (as
 * each import has one, so the code runs cold as it does there), the screen is asked about every checked recipient
 * of the import, as the worker's check asks it; the recipients are made first and not timed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OptOutScreen, type OptOutKeys } from '../../src/opt-outs/opt-out-screen';

const { list, phones } = workerData as { list: OptOutKeys; phones: string };
const recipients = phones.split('\n').map((phone, i) => ({ rowNumber: i + 2, phone, params: ['客户', 'SF1'], message: '', chars: 40, segments: 1 }));
const screen = new OptOutScreen(list);
const started = performance.now();
let refused = 0;
for (const recipient of recipients) if (screen.refuses(recipient)) refused += 1;
const ms = performance.now() - started;
parentPort!.postMessage({ ms, refused });
