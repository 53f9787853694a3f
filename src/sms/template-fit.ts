import { buildPreview } from './preview';

/**
 * Whether a template can be sent, given the approved signatures it may be sent with. The count is the send form's
 * own (buildPreview: 【signature】content, placeholders as typed), so the editor and the send form never disagree.
 */
export interface TemplateFit {
  /** The count with the longest approved signature: the worst case the editor shows. */
  longest: { signature: string; chars: number; segments: number; tooLong: boolean } | null;
  /** False when even the shortest approved signature (or none at all: bare brackets) makes it too long to send. */
  fitsShortest: boolean;
}

export function templateFit(content: string, approvedSignatures: readonly string[]): TemplateFit {
  if (content === '') return { longest: null, fitsShortest: true };
  const byLength = [...approvedSignatures].sort((a, b) => a.length - b.length);
  const shortest = buildPreview(byLength[0] ?? '', content);
  const longestName = byLength[byLength.length - 1];
  if (longestName === undefined) return { longest: null, fitsShortest: !shortest.tooLong };
  const longest = buildPreview(longestName, content);
  return { longest: { signature: longestName, chars: longest.chars, segments: longest.segments, tooLong: longest.tooLong }, fitsShortest: !shortest.tooLong };
}
