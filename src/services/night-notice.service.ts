import { MARKETING_NIGHT, marketingAtNight, minuteLabel, type DailyWindow } from '../time/quiet-hours';

/** What the night notice partial needs: whether it shows now, and the window it names (and the form's script reads). */
export interface NightNotice {
  shown: boolean;
  start: string;
  end: string;
}

/**
 * The send form's and check page's night notice. The window is fixed today; enforced quiet hours (a later issue)
 * will read it from the settings here, in one place, and the pages and the script follow.
 */
export function nightNotice(smsType: string, startsAt: Date | null, timeZone: string, window: DailyWindow = MARKETING_NIGHT): NightNotice {
  return {
    shown: startsAt !== null && marketingAtNight({ smsType, startsAt, timeZone }, window),
    start: minuteLabel(window.start),
    end: minuteLabel(window.end),
  };
}
