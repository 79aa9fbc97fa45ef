// Herald admin app: boot, routes, and the session check.
import './styles.css';
import { route, setShell, start, navigate } from './router.js';
import { shell } from './layout.js';
import { loadSession, home, signedOut } from './session.js';
import { onSignedOut } from './api.js';
import { loginView } from './pages/login.js';
import { releasesView } from './pages/releases.js';
import { releaseEditView } from './pages/release-edit.js';
import { releaseStatsView } from './pages/release-stats.js';
import { leadsView } from './pages/leads.js';
import { leadView } from './pages/lead.js';
import { alertsView } from './pages/alerts.js';
import { inboxView } from './pages/inbox.js';
import { scoringView } from './pages/scoring.js';
import { destinationsView } from './pages/destinations.js';
import { settingsView } from './pages/settings.js';

const redirectHome = () => navigate(home(), { replace: true });

route(/^\/admin$/, redirectHome);
route(/^\/admin\/login$/, loginView, { bare: true });
route(/^\/admin\/releases$/, releasesView);
route(/^\/admin\/releases\/new$/, releaseEditView);
route(/^\/admin\/releases\/([^/]+)\/edit$/, releaseEditView);
route(/^\/admin\/releases\/([^/]+)$/, releaseStatsView);
route(/^\/admin\/leads$/, leadsView);
route(/^\/admin\/leads\/([^/]+)$/, leadView);
route(/^\/admin\/alerts$/, alertsView);
route(/^\/admin\/inbox$/, inboxView);
route(/^\/admin\/scoring$/, scoringView);
route(/^\/admin\/destinations$/, destinationsView);
route(/^\/admin\/settings$/, settingsView);

onSignedOut(() => {
  signedOut();
  if (!location.pathname.startsWith('/admin/login')) {
    const next = encodeURIComponent(location.pathname + location.search);
    navigate(`/admin/login?next=${next}`, { replace: true });
  }
});

setShell(shell);

async function boot() {
  try {
    await loadSession();
  } catch {
    signedOut();
  }
  await start();
}

boot();
