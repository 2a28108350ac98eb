/**
 * One forwarding rule: name, enabled, conditions and its actions (one form per
 * action type). Saving shows the server's problems beside each field; Test
 * sends a test notification through every action of the saved rule and shows
 * each result in words.
 */
import { Alert, Button, Card, Group, Loader, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useCatalogue, useDeleteRule, useRule, useSaveRule } from '../../api/notifications';
import type { ForwardingRule, Me, NotificationCatalogue, RuleConditions } from '../../api/payloads';
import { can } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorNotice } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { FormFailure } from '../../components/form-failure';
import { MASKED_SECRET } from '../../components/secret-input';
import { ACTION_FORMS, isKnownActionType } from './action-forms/action-forms';
import { RuleConditionsFields } from './rule-conditions';
import { RuleTestPanel } from './rule-test-panel';

interface DraftAction {
  key: string;
  id?: string;
  type: string;
  config: Record<string, unknown>;
  storedSecrets: Set<string>;
}

interface Draft {
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  actions: DraftAction[];
}

let nextKey = 0;
const newKey = () => `action-${nextKey++}`;

function draftOf(rule: ForwardingRule | undefined): Draft {
  if (!rule) return { name: '', enabled: true, conditions: { eventTypes: ['all'], minimumSeverity: 'warning', siteIds: [], zoneIds: [] }, actions: [] };
  return {
    name: rule.name,
    enabled: rule.enabled,
    conditions: rule.conditions,
    actions: rule.actions.map((action) => ({
      key: newKey(),
      id: action.id,
      type: action.type,
      config: action.config,
      storedSecrets: new Set(Object.entries(action.config).filter(([, value]) => value === MASKED_SECRET).map(([field]) => field)),
    })),
  };
}

export function RuleEditorPage({ me }: { me: Me }) {
  const { ruleId } = useParams();
  const creating = ruleId === undefined;
  const rule = useRule(creating ? null : ruleId);
  const catalogue = useCatalogue();
  if (catalogue.isError) return <ErrorNotice error={catalogue.error} onRetry={() => void catalogue.refetch()} />;
  if (!creating && rule.isError) return <ErrorNotice error={rule.error} onRetry={() => void rule.refetch()} />;
  if (!catalogue.data || (!creating && !rule.data)) return <Loader aria-label="Loading the rule" />;
  return <RuleEditor key={rule.data?.id ?? 'new'} rule={rule.data} catalogue={catalogue.data} canManage={can(me, 'notifications:manage')} />;
}

function RuleEditor({ rule, catalogue, canManage }: { rule: ForwardingRule | undefined; catalogue: NotificationCatalogue; canManage: boolean }) {
  const navigate = useNavigate();
  const save = useSaveRule();
  const remove = useDeleteRule();
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule));
  const [dirty, setDirty] = useState(false);
  const [newType, setNewType] = useState<string | null>('syslog');
  const errors = fieldErrorsOf(save.error);
  const disabled = !canManage;
  // Functional updates: a form may set two fields in one event (transport, then its default port).
  const update = (next: (current: Draft) => Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...next(current) }));
    setDirty(true);
  };
  const change = (next: Partial<Draft>) => update(() => next);
  const setAction = (key: string, field: string, value: unknown) =>
    update((current) => ({ actions: current.actions.map((action) => (action.key === key ? { ...action, config: { ...action.config, [field]: value } } : action)) }));
  const labelOf = (type: string) => catalogue.actionTypes.find((entry) => entry.type === type)?.label ?? type;

  function submit() {
    const body = {
      name: draft.name.trim(),
      enabled: draft.enabled,
      conditions: draft.conditions,
      actions: draft.actions.map((action) => ({ ...(action.id ? { id: action.id } : {}), type: action.type, config: action.config })),
    };
    save.mutate(
      { id: rule?.id ?? null, body },
      {
        onSuccess: (saved) => {
          // The saved rule carries the ids of new actions and masks the secrets just stored.
          setDraft(draftOf(saved));
          setDirty(false);
          if (!rule) void navigate(`/forwarding/rules/${saved.id}`, { replace: true });
        },
      },
    );
  }

  const shownPaths = ['name', 'enabled', 'conditions', 'actions'];
  const otherProblems = errors.unshown([]).filter((text) => !shownPaths.some((path) => text.startsWith(`${path}`)));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{rule ? `Forwarding rule: ${rule.name}` : 'New forwarding rule'}</Title>
        <Button component={Link} to="/forwarding" variant="default">
          Back to the rules
        </Button>
      </Group>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <Stack>
          <Card withBorder>
            <Group align="flex-end">
              <TextInput label="Rule name" value={draft.name} onChange={(event) => change({ name: event.currentTarget.value })} error={errors.at('name')} disabled={disabled} w={360} required />
              <Switch label="Enabled" checked={draft.enabled} onChange={(event) => change({ enabled: event.currentTarget.checked })} disabled={disabled} mb={8} />
            </Group>
          </Card>
          <Card withBorder>
            <Title order={4} mb="sm">
              Which events
            </Title>
            <RuleConditionsFields catalogue={catalogue} value={draft.conditions} onChange={(conditions) => change({ conditions })} errors={errors} disabled={disabled} />
          </Card>
          <Title order={4}>Where they go</Title>
          {errors.at('actions') ? (
            <Text c="red" size="sm" role="alert">
              {errors.at('actions')}
            </Text>
          ) : null}
          {draft.actions.length === 0 ? <Text c="dimmed">No actions yet. Choose a type below and add one: a rule needs at least one.</Text> : null}
          {draft.actions.map((action, index) => {
            const Form = isKnownActionType(action.type) ? ACTION_FORMS[action.type].form : null;
            return (
              <Card withBorder key={action.key} data-action-type={action.type} aria-label={`Action ${index + 1}: ${labelOf(action.type)}`} component="section">
                <Group justify="space-between" mb="sm">
                  <Text fw={700}>
                    Action {index + 1}: {labelOf(action.type)}
                  </Text>
                  {canManage ? (
                    <Button size="xs" variant="subtle" color="red" onClick={() => change({ actions: draft.actions.filter((other) => other.key !== action.key) })}>
                      Remove action {index + 1}
                    </Button>
                  ) : null}
                </Group>
                {Form ? (
                  <Form config={action.config} set={(field, value) => setAction(action.key, field, value)} problem={(field) => errors.at(`actions.${index}.config.${field}`) ?? (field === 'host' ? errors.at(`actions.${index}.config`) : undefined)} storedSecrets={action.storedSecrets} disabled={disabled} />
                ) : (
                  <Text c="dimmed">This console version has no form for "{action.type}".</Text>
                )}
                {errors.at(`actions.${index}.config`) ? <Text c="red" size="xs">{errors.at(`actions.${index}.config`)}</Text> : null}
              </Card>
            );
          })}
          {canManage ? (
            <Group align="flex-end">
              <Select
                label="Action type"
                data={catalogue.actionTypes.filter((entry) => isKnownActionType(entry.type)).map((entry) => ({ value: entry.type, label: entry.label }))}
                value={newType}
                onChange={setNewType}
                allowDeselect={false}
                w={320}
              />
              <Button
                variant="light"
                disabled={newType === null || draft.actions.length >= 20}
                onClick={() => {
                  if (newType && isKnownActionType(newType)) change({ actions: [...draft.actions, { key: newKey(), type: newType, config: ACTION_FORMS[newType].initial(), storedSecrets: new Set() }] });
                }}
              >
                Add action
              </Button>
            </Group>
          ) : null}

          <FormFailure error={save.error} errors={errors} title="Not saved" />
          {errors.any ? (
            <Alert color="red" title="Not saved" role="alert">
              Correct the fields marked in red, then save again.{otherProblems.length > 0 ? ` Also: ${otherProblems.join('; ')}` : ''}
            </Alert>
          ) : null}
          {save.isSuccess && !dirty ? (
            <Text c="teal" size="sm" role="status">
              Saved. Press Test to send a test notification through every action.
            </Text>
          ) : null}
          {canManage ? (
            <Group>
              <Button type="submit" loading={save.isPending}>
                {rule ? 'Save rule' : 'Create rule'}
              </Button>
              {rule ? (
                <ConfirmButton
                  label="Delete rule"
                  title={`Delete rule ${rule.name}?`}
                  question="Events stop being forwarded by this rule. Its past deliveries stay in the log. This cannot be undone."
                  confirmLabel="Delete rule"
                  onConfirm={() => remove.mutateAsync(rule.id).then(() => navigate('/forwarding'))}
                />
              ) : null}
            </Group>
          ) : (
            <Text c="dimmed" size="sm">
              Your role can read forwarding rules but not change them.
            </Text>
          )}
        </Stack>
      </form>
      {rule && canManage ? <RuleTestPanel ruleId={rule.id} dirty={dirty} /> : null}
    </Stack>
  );
}
