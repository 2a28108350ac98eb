/**
 * The API's payload types, taken from the server's presenters with `import type`
 * (erased at build: no server code enters the bundle). Never retyped by hand.
 */
import type { presentMe } from '../../../server/src/modules/users/auth/me-presenter';
import type { SensorQueries } from '../../../server/src/modules/fleet/sensors/sensor-queries';
import type { SensorState } from '../../../server/src/modules/fleet/sensor-model';
import type { ListSensorsQuery, SensorSort } from '../../../server/src/modules/fleet/sensors/schema';
import type { SiteView } from '../../../server/src/modules/fleet/sites/site-presenter';
import type { ZoneView } from '../../../server/src/modules/fleet/zones/zone-presenter';
import type { ConnectionStringView } from '../../../server/src/modules/enrollment/enrollment-routes';
import type { FieldProblem, ErrorBody } from '../../../server/src/platform/errors';
import type { Permission, Role } from '../../../server/src/http/permissions';

export type Me = ReturnType<typeof presentMe>;
export type SensorList = Awaited<ReturnType<SensorQueries['list']>>;
export type SensorListItem = SensorList['items'][number];
export type SensorDetail = Awaited<ReturnType<SensorQueries['detail']>>;
export type { ConnectionStringView, ErrorBody, FieldProblem, ListSensorsQuery, Permission, Role, SensorSort, SensorState, SiteView, ZoneView };

/** A connection string with its secret, as POST /connection-strings and GET /standing answer (shown once). */
export type IssuedConnectionString = ConnectionStringView & { connectionString: string };

import type { presentEffective, presentScope } from '../../../server/src/modules/settings/settings-presenter';
import type { DATE_FORMATS, SensorSettingsInput } from '../../../sensor-link/src/protocol/settings-schema';
import type { ScopeKind } from '../../../server/src/modules/settings/settings-merge';

export type ScopeSettings = ReturnType<typeof presentScope>;
export type EffectiveSettings = ReturnType<typeof presentEffective>;
export type NtpSettings = NonNullable<SensorSettingsInput['ntp']>;
export type TimeRegionSettings = NonNullable<SensorSettingsInput['timeRegion']>;
export type DateFormat = (typeof DATE_FORMATS)[number];
export type { ScopeKind };
