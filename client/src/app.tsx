/**
 * The top of the app: who is signed in decides what shows. Nobody → sign in;
 * first sign-in → change the password; otherwise the console with its views,
 * live updates on.
 */
import { Center, Loader } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Route, Routes } from 'react-router';
import { onSessionEnded } from './api/http';
import { LiveProvider } from './api/live';
import { ME_KEY, useMe } from './api/session';
import { AppLayout } from './components/app-layout';
import { ErrorNotice } from './components/error-notice';
import { NotFoundPage } from './components/not-found-page';
import { ChangePasswordPage } from './features/auth/change-password-page';
import { SignInPage } from './features/auth/sign-in-page';
import { OverviewPage } from './features/overview/overview-page';
import { SensorPage } from './features/sensors/sensor-page';
import { SensorsPage } from './features/sensors/sensors-page';
import { SensorSetupPage } from './features/setup/sensor-setup-page';
import { TimeSettingsPage } from './features/settings/time-settings-page';
import { SitesPage } from './features/sites/sites-page';
import { AuditPage } from './features/audit/audit-page';
import { BackupsPage } from './features/backups/backups-page';
import { CertificatesPage } from './features/certificates/certificates-page';
import { DeliveriesPage } from './features/forwarding/deliveries-page';
import { EventsPage } from './features/forwarding/events-page';
import { MailServerPage } from './features/forwarding/mail-server-page';
import { RuleEditorPage } from './features/forwarding/rule-editor-page';
import { RulesPage } from './features/forwarding/rules-page';
import { SettingsEditorPage } from './features/settings/settings-editor-page';
import { UsersPage } from './features/users/users-page';

export function App() {
  const me = useMe();
  const queryClient = useQueryClient();

  useEffect(() => {
    // Any 401 means the session is gone: drop cached data and show the sign-in form.
    onSessionEnded(() => {
      queryClient.setQueryData(ME_KEY, null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_KEY[0] });
    });
  }, [queryClient]);

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <div className="centered-page">
        <ErrorNotice error={me.error} onRetry={() => void me.refetch()} />
      </div>
    );
  }
  if (me.data === null) return <SignInPage />;
  if (me.data.mustChangePassword) return <ChangePasswordPage me={me.data} />;

  return (
    <LiveProvider onSessionEnded={() => void queryClient.invalidateQueries({ queryKey: ME_KEY })}>
      <AppLayout me={me.data}>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/sensors" element={<SensorsPage />} />
          <Route path="/sensors/:sensorId" element={<SensorPage me={me.data} />} />
          <Route path="/sites" element={<SitesPage me={me.data} />} />
          <Route path="/settings/sensor-setup" element={<SensorSetupPage me={me.data} />} />
          <Route path="/settings/time" element={<TimeSettingsPage me={me.data} />} />
          <Route path="/settings/sensors" element={<SettingsEditorPage me={me.data} />} />
          <Route path="/settings/certificates" element={<CertificatesPage me={me.data} />} />
          <Route path="/events" element={<EventsPage />} />
          <Route path="/forwarding" element={<RulesPage me={me.data} />} />
          <Route path="/forwarding/rules/new" element={<RuleEditorPage me={me.data} />} />
          <Route path="/forwarding/rules/:ruleId" element={<RuleEditorPage me={me.data} />} />
          <Route path="/forwarding/deliveries" element={<DeliveriesPage me={me.data} />} />
          <Route path="/forwarding/mail-server" element={<MailServerPage me={me.data} />} />
          <Route path="/backups" element={<BackupsPage me={me.data} />} />
          <Route path="/users" element={<UsersPage me={me.data} />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </AppLayout>
    </LiveProvider>
  );
}
