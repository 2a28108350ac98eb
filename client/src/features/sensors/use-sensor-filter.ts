/**
 * The sensors list's filter, sort and page live in the address (?state=…&page=…),
 * so the overview can link to "disconnected sensors" and a reload keeps the view.
 */
import { useSearchParams } from 'react-router';
import type { SensorFilter } from '../../api/fleet';
import type { SensorSort, SensorState } from '../../api/payloads';
import { SENSOR_STATE_ORDER } from '../../components/state-badge';

export const PAGE_SIZE = 100;
const SORTS: SensorSort[] = ['name', 'state', 'lastSeenAt', 'version'];

export function useSensorFilter(): [SensorFilter, (change: Partial<SensorFilter>) => void] {
  const [params, setParams] = useSearchParams();
  const state = params.get('state');
  const sort = params.get('sort');
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const filter: SensorFilter = {
    state: SENSOR_STATE_ORDER.includes(state as SensorState) ? (state as SensorState) : undefined,
    siteId: params.get('siteId') ?? undefined,
    zoneId: params.get('zoneId') ?? undefined,
    version: params.get('version') ?? undefined,
    q: params.get('q') ?? undefined,
    sort: SORTS.includes(sort as SensorSort) ? (sort as SensorSort) : 'name',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };

  function update(change: Partial<SensorFilter>) {
    const next = { ...filter, ...change };
    // Any change but paging itself starts again at page 1.
    if (change.offset === undefined) next.offset = 0;
    const values: Record<string, string | undefined> = {
      state: next.state,
      siteId: next.siteId,
      zoneId: next.zoneId,
      version: next.version,
      q: next.q,
      sort: next.sort === 'name' ? undefined : next.sort,
      order: next.order === 'asc' ? undefined : next.order,
      page: next.offset > 0 ? String(next.offset / PAGE_SIZE + 1) : undefined,
    };
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value) search.set(key, value);
    setParams(search, { replace: true });
  }

  return [filter, update];
}
