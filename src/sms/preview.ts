import { composeMessage, measure } from './segments';
import { splitForHighlight, variableCount } from './template';

export type PreviewPiece = { text: string } | { variable: number; value?: string };

export interface Preview {
  signature: string;
  pieces: PreviewPiece[];
  chars: number;
  segments: number;
  tooLong: boolean;
  variableCount: number;
  /** True when the count is of the template with its `{n}` placeholders, not of a real recipient's text. */
  unfilled: boolean;
}

/**
 * What the send form shows beside itself: `【signature】content` with variables marked. Given a recipient's
 * parameters (the first valid import row), the variables show their values and the count is that message's.
 */
export function buildPreview(signature: string, content: string, params?: readonly string[]): Preview {
  const count = variableCount(content);
  const filled = count > 0 && params !== undefined && params.length >= count;
  const pieces: PreviewPiece[] = splitForHighlight(content).map((p) =>
    'variable' in p && filled ? { variable: p.variable, value: params![p.variable - 1] } : p,
  );
  const text = pieces.map((p) => ('text' in p ? p.text : p.value ?? `{${p.variable}}`)).join('');
  const m = measure(composeMessage(signature, text));
  return { signature, pieces, chars: m.chars, segments: m.segments, tooLong: m.tooLong, variableCount: count, unfilled: count > 0 && !filled };
}
