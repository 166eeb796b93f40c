/** Field rules shared by several services. Limits are UTF-8 bytes (spec README decision 4). */

export const MAX_USER_ID_BYTES = 32;
export const MAX_PROFILE_VALUE_BYTES = 500;
export const MAX_BATCH = 100;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Why `userId` is not a valid UserID, or null when it is (platform.md §4.1). */
export function userIdProblem(userId: string): string | null {
  if (userId === '') return 'UserID is empty';
  if (utf8Bytes(userId) > MAX_USER_ID_BYTES) return `UserID "${userId}" exceeds ${MAX_USER_ID_BYTES} bytes`;
  if (!/^[\x20-\x7e]+$/.test(userId)) return `UserID "${userId}" must be printable ASCII`;
  return null;
}
