/**
 * Field lists written out from the specification (official-accounts.md §2.1, §2.5), not imported
 * from src, so the tests check Herald against the documented names.
 */

/** What get_official_account_info and the subscribed list return without a filter. */
export const BASE_FIELDS = [
  'CreateTime',
  'Name',
  'Owner_Account',
  'LastMsgTime',
  'SubscriberNum',
  'Introduction',
  'FaceUrl',
  'Organization',
  'CustomString',
];

/** Every field a filter may ask for: the documented ones and MaxSubscriberNum (only when named). */
export const ALL_FILTER_FIELDS = [...BASE_FIELDS, 'MaxSubscriberNum'];
