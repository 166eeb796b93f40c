/** The request of herald_admin's listing commands: a search, a cursor and a page size. */
import { Type } from '@sinclair/typebox';
import { DEFAULT_BROWSE_PAGE, MAX_BROWSE_PAGE } from '../../../services/browse.ts';
import { SafeInteger, Text } from '../../schema/fields.ts';

export function BrowseRequest(searched: string) {
  return Type.Object({
    Search: Type.Optional(
      Text({
        maxLength: 128,
        errorMessage: 'Search must be a string of at most 128 characters',
        description: `case-insensitive part of the ${searched}`,
      }),
    ),
    Next: Type.Optional(
      Text({
        maxLength: 256,
        errorMessage: 'Next must be the Next of a previous answer',
        description: "the previous answer's Next; absent or '' for the first page",
      }),
    ),
    Limit: Type.Optional(
      SafeInteger({
        minimum: 1,
        maximum: MAX_BROWSE_PAGE,
        errorMessage: `Limit must be between 1 and ${MAX_BROWSE_PAGE}`,
        description: `default ${DEFAULT_BROWSE_PAGE}`,
      }),
    ),
  });
}
