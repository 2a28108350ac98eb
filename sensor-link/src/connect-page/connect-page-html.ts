/** The one page, inline CSS and script, no external assets. Text only via textContent (never innerHTML). */
export const CONNECT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Management Console Connection</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; padding: 0 1rem; color: #1d2329; }
  h1 { font-size: 1.35rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  textarea, input { width: 100%; box-sizing: border-box; font: 13px ui-monospace, monospace; padding: .5rem; }
  button { margin-top: 1rem; padding: .5rem 1.4rem; font-size: 1rem; }
  #state { padding: .6rem .8rem; border-radius: 4px; background: #eef1f4; }
  #state.connected { background: #e3f4e6; } #state.failed { background: #fbe6e6; }
  ol { padding-left: 1.3rem; } #error { color: #a01818; font-weight: 600; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Management Console Connection</h1>
<p id="state">Reading this sensor's state…</p>
<form id="form">
  <label for="string">Connection string (copy it from the console: System Settings → Sensor Setup)</label>
  <textarea id="string" rows="4" spellcheck="false" autocomplete="off" required></textarea>
  <label for="name">Sensor name (optional)</label>
  <input id="name" maxlength="63" autocomplete="off">
  <button id="connect" type="submit">Connect</button>
</form>
<ol id="steps"></ol>
<p id="error" role="alert"></p>
<script>
  const $ = (id) => document.getElementById(id);
  async function refresh() {
    try {
      const status = await (await fetch('/status')).json();
      const link = status.link;
      $('state').className = link ? link.state : '';
      $('state').textContent = status.enrolled
        ? 'Enrolled as "' + status.sensorName + '". ' + (link ? link.message : '')
        : 'This sensor is not connected to a management console yet.';
      const steps = $('steps');
      steps.replaceChildren(...status.enrolment.steps.map((text) => { const li = document.createElement('li'); li.textContent = text; return li; }));
      $('error').textContent = status.enrolment.error || '';
      $('connect').disabled = status.enrolment.running;
    } catch (error) {
      $('state').textContent = 'sensor-link is not answering: ' + error.message;
    }
  }
  $('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('error').textContent = '';
    const body = { connectionString: $('string').value };
    if ($('name').value.trim()) body.name = $('name').value.trim();
    const response = await fetch('/connect', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) $('error').textContent = (await response.json()).error;
    refresh();
  });
  refresh();
  setInterval(refresh, 1000);
</script>
</body>
</html>
`;
