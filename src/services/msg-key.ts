/** MsgKey: `{Seq}_1_{MsgTime}` (official-accounts.md §5.2). */

export function msgKey(seq: number, time: number): string {
  return `${seq}_1_${time}`;
}

/** Parses "{Seq}_1_{ServerTime}"; null when the key does not have that shape. */
export function parseMsgKey(key: string): { seq: number; time: number } | null {
  const match = /^(\d{1,15})_1_(\d{1,15})$/.exec(key);
  return match ? { seq: Number(match[1]), time: Number(match[2]) } : null;
}
