/**
 * The query string of a REST call. Names are matched case-insensitively (an old official
 * sample spelled `sdkAppid`), exact lower-case spelling winning; repeated names use the first
 * value.
 */
export interface CallQuery {
  sdkappid: string | undefined;
  identifier: string | undefined;
  usersig: string | undefined;
  contenttype: string | undefined;
}

const NAMES = ['sdkappid', 'identifier', 'usersig', 'contenttype'] as const;

export function readQuery(raw: Record<string, unknown>): CallQuery {
  const query: CallQuery = { sdkappid: undefined, identifier: undefined, usersig: undefined, contenttype: undefined };
  for (const [key, value] of Object.entries(raw)) {
    const name = key.toLowerCase() as (typeof NAMES)[number];
    if (!NAMES.includes(name)) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first !== 'string') continue;
    if (query[name] === undefined || key === name) query[name] = first;
  }
  return query;
}
