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
export type { ScopeKind, SensorSettingsInput };

import type { presentPreview } from '../../../server/src/modules/settings/settings-presenter';
import type { DriftRow } from '../../../server/src/modules/settings/settings-drift';

export type SettingsPreview = ReturnType<typeof presentPreview>;
export type { DriftRow };

import type { presentDelivery, presentRule } from '../../../server/src/modules/notifications/rules/rule-presenter';
import type { RuleInput, ruleInputSchema } from '../../../server/src/modules/notifications/rules/rule-schema';
import type { EventView } from '../../../server/src/modules/notifications/events/event-presenter';
import type { EVENT_CATALOGUE, EventType, Severity } from '../../../server/src/modules/notifications/events/event-catalogue';
import type { ActionTestResult } from '../../../server/src/modules/notifications/notifications-service';
import type { DeliveryStatus } from '../../../server/src/modules/notifications/outbox/delivery-store';
import type { SmtpSettingsView, smtpSettingsInput } from '../../../server/src/modules/notifications/actions/smtp-settings';
import type { syslogConfig } from '../../../server/src/modules/notifications/actions/syslog';
import type { snmpTrapConfig } from '../../../server/src/modules/notifications/actions/snmp-trap';
import type { webhookConfig } from '../../../server/src/modules/notifications/actions/webhook';
import type { emailConfig } from '../../../server/src/modules/notifications/actions/email';
import type { z } from 'zod';

export type ForwardingRule = ReturnType<typeof presentRule>;
export type Delivery = ReturnType<typeof presentDelivery>;
/** What POST/PUT /notifications/rules take (before the server's defaults). */
export type RuleBody = z.input<typeof ruleInputSchema>;
export type RuleConditions = RuleInput['conditions'];
export type { ActionTestResult, DeliveryStatus, EventType, EventView, Severity, SmtpSettingsView };
export type SmtpSettingsBody = z.input<typeof smtpSettingsInput>;
export type NotificationCatalogue = {
  severities: Severity[];
  eventTypes: Array<{ type: keyof typeof EVENT_CATALOGUE; severity: Severity; label: string; fields: readonly string[] }>;
  actionTypes: Array<{ type: string; label: string; secretFields: readonly string[] }>;
};
/** Each action type's config as the form sends it (server defaults may be left out). */
export interface ActionConfigs {
  email: z.input<typeof emailConfig>;
  syslog: z.input<typeof syslogConfig>;
  'snmp-trap': z.input<typeof snmpTrapConfig>;
  webhook: z.input<typeof webhookConfig>;
}
export type ActionTypeName = keyof ActionConfigs;
export type RuleTestAnswer = { ruleName: string; eventId: string; results: ActionTestResult[] };

import type { UserView } from '../../../server/src/modules/users/accounts/user-presenter';
import type { CreateUserBody, createUserBody } from '../../../server/src/modules/users/accounts/schema';
import type { ApiTokenView } from '../../../server/src/modules/users/api-tokens/api-token-presenter';
import type { AuditRecordView } from '../../../server/src/modules/audit/audit-presenter';
import type { ChainVerification } from '../../../server/src/modules/audit/audit-chain';

export type { ApiTokenView, AuditRecordView, ChainVerification, UserView };
export type CreateUserInput = z.input<typeof createUserBody>;
export type { CreateUserBody };

import type { WebCertificateView } from '../../../server/src/modules/pki/web-certificate-service';
import type { OutboundValidationView } from '../../../server/src/modules/pki/outbound-tls';
import type { WebCertificateBody, webCertificateBody } from '../../../server/src/modules/pki/schema';

export type { OutboundValidationView, WebCertificateBody, WebCertificateView };
export type WebCertificateUpload = z.input<typeof webCertificateBody>;
/** GET /cli/host-key. The route declares its answer inline (no exported type), so it is written out here. */
export interface HostKeyView {
  algorithm: string;
  fingerprint: string;
  port: number;
}

import type { presentFile, presentRun, presentSchedule } from '../../../server/src/modules/backups/backup-presenter';
import type { ConnectionTestResult, TargetUsage } from '../../../server/src/modules/backup-storage/backup-storage-service';
import type { TargetView } from '../../../server/src/modules/backup-storage/target-document';
import type { createTargetBody } from '../../../server/src/modules/backup-storage/target-schema';
import type { createScheduleBody } from '../../../server/src/modules/backups/schema';
import type { RunStatus } from '../../../server/src/modules/backups/backup-documents';

export type BackupRun = ReturnType<typeof presentRun>;
export type BackupFile = ReturnType<typeof presentFile>;
export type BackupSchedule = ReturnType<typeof presentSchedule>;
export type CreateTargetInput = z.input<typeof createTargetBody>;
export type CreateScheduleInput = z.input<typeof createScheduleBody>;
export type { ConnectionTestResult, RunStatus, TargetUsage, TargetView };
