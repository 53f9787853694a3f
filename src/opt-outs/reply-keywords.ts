/**
 * Whether a reply from a handset is an unsubscribe request (issue 14). The whole reply must be one of the keywords,
 * after trimming and folding: NFKC first, so full-width letters typed on Chinese keyboards ("ｔ", "ＳＴＯＰ") become
 * their ASCII selves, then lower case. A reply that merely contains a keyword ("退订了吗?", "not now") is a
 * question or a conversation, not a request, and is left alone.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = ['T', 'TD', '退订', 'N', 'STOP', 'UNSUBSCRIBE'];

export function foldReply(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}

export function isOptOutReply(text: string, keywords: readonly string[]): boolean {
  const folded = foldReply(text);
  if (folded === '') return false;
  return keywords.some((k) => foldReply(k) === folded);
}
