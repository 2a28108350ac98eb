/** What a query shows before it has data: a labelled spinner while it loads, the error with a retry when it failed, nothing otherwise. */
import { Loader, type MantineSize } from '@mantine/core';
import { ErrorNotice } from './error-notice';

interface QueryLike {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

export function QueryState({ query, loading, size }: { query: QueryLike; loading: string; size?: MantineSize }) {
  if (query.isPending) return <Loader size={size} aria-label={loading} />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  return null;
}
