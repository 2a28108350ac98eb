/**
 * Entry point. Mantine runs without its injected <style> elements
 * (withCssVariables / withGlobalClasses off): the console's CSP allows styles
 * only from its own files, and @mantine/core/styles.css already carries the
 * default theme's variables and global classes.
 */
import '@mantine/core/styles.css';
import './components/app.css';
import { createTheme, MantineProvider, Modal } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 10_000 },
  },
});

const theme = createTheme({
  components: {
    // Scroll locking (react-remove-scroll) injects a <style> element, which the CSP refuses; the page behind a dialog may scroll instead.
    Modal: Modal.extend({ defaultProps: { lockScroll: false } }),
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="dark" withCssVariables={false} withGlobalClasses={false}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
