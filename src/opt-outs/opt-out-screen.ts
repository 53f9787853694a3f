import type { InvalidRow, ValidRecipient } from '../sms/recipient-check';
import type { CheckSummary } from '../drafts/recipient-chunks';
import { hasKey, phoneKey, type PhoneKeySet } from './phone-keys';

/** The opt-out list as the import worker gets it: the snapshot's keys (shared memory, not copied) and version. */
export interface OptOutKeys {
  keys: PhoneKeySet;
  version: number;
}

/**
 * What a pack screened where it was made says about it: against which version of the list, and its numbers that
 * have no key (src/opt-outs/phone-keys.ts), which the database checks when the draft is stored.
 */
export interface OptOutsScreened {
  version: number;
  unkeyed: string[];
}

/**
 * Issue 14's opt-out check at the place the rows are checked and packed (the import worker): a recipient on the list
 * becomes a refused row (`opted_out`) instead of entering the pack, so no packed chunk is rewritten afterwards.
 * The report comes out as screenDraft (src/services/send-rules-check.service.ts) made it from the pack: the refused
 * rows among the others by row number, the messages and segments counted without them (`longest` as it was).
 */
export class OptOutScreen {
  private readonly refused: InvalidRow[] = [];
  private refusedSegments = 0;
  private readonly unkeyed: string[] = [];

  constructor(private readonly list: OptOutKeys) {}

  /** True when the recipient is on the list (it is then a refused row, not a recipient). */
  refuses(recipient: ValidRecipient): boolean {
    const key = phoneKey(recipient.phone);
    if (key === null) {
      this.unkeyed.push(recipient.phone);
      return false;
    }
    if (!hasKey(this.list.keys, key)) return false;
    this.refused.push({ rowNumber: recipient.rowNumber, value: recipient.phone, params: recipient.params, problem: { code: 'opted_out' } });
    this.refusedSegments += recipient.segments;
    return true;
  }

  finish(summary: CheckSummary): { summary: CheckSummary; screened: OptOutsScreened } {
    const screened = { version: this.list.version, unkeyed: this.unkeyed };
    if (this.refused.length === 0) return { summary, screened };
    return {
      summary: {
        ...summary,
        invalid: [...summary.invalid, ...this.refused].sort((a, b) => a.rowNumber - b.rowNumber),
        totalMessages: summary.totalMessages - this.refused.length,
        totalSegments: summary.totalSegments - this.refusedSegments,
      },
      screened,
    };
  }
}
