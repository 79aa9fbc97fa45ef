// Sends identify, group, track and page calls to Herald with the official
// Segment Node library, pointed at Herald by its host option.
import { Analytics } from '@segment/analytics-node';

const host = process.env.HERALD_URL;
const writeKey = process.env.WRITE_KEY;
const analytics = new Analytics({ writeKey, host, flushAt: 4, maxRetries: 2 });
let failed = false;
analytics.on('error', (err) => {
  failed = true;
  console.error('segment error:', err?.reason ?? err);
});

analytics.identify({
  userId: 'sam',
  anonymousId: 'anon-sam',
  traits: { email: 'sam@example.com', name: 'Sam', role: 'cto',
    created_at: '2026-10-01T00:00:00Z' },
});
analytics.group({
  userId: 'sam',
  groupId: 'globex',
  traits: { name: 'Globex', employees: 300, industry: 'software' },
});
analytics.track({ userId: 'sam', event: 'feature_used',
  properties: { feature: 'charts' } });
analytics.page({ userId: 'sam', name: 'Pricing' });
await analytics.closeAndFlush({ timeout: 15000 });
process.exit(failed ? 1 : 0);
