/** One form per forwarding action type (adding an action type adds one form here), and a new action's starting config. */
import type { ComponentType } from 'react';
import type { ActionTypeName } from '../../../api/payloads';
import type { ActionFormProps } from './action-form-props';
import { EmailForm } from './email-form';
import { SnmpTrapForm } from './snmp-trap-form';
import { SyslogForm } from './syslog-form';
import { WebhookForm } from './webhook-form';

export const ACTION_FORMS: Record<ActionTypeName, { form: ComponentType<ActionFormProps>; initial: () => Record<string, unknown> }> = {
  syslog: { form: SyslogForm, initial: () => ({ host: '', port: 514, transport: 'udp', format: 'rfc5424', facility: 16, appName: 'garrison' }) },
  email: { form: EmailForm, initial: () => ({ recipients: [], subjectPrefix: '[Garrison]' }) },
  'snmp-trap': { form: SnmpTrapForm, initial: () => ({ host: '', port: 162, version: 'v2c', community: null }) },
  webhook: { form: WebhookForm, initial: () => ({ url: '', secret: null }) },
};

export function isKnownActionType(type: string): type is ActionTypeName {
  return type in ACTION_FORMS;
}
