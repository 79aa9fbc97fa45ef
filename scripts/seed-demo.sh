#!/usr/bin/env bash
# Seeds the demo workspace (slug "demo") with fixed keys and a few
# published releases, idempotently, and writes tmp/demo.txt with the demo
# URLs and credentials.  Called by scripts/run.sh (`make run`) with
# HERALD_DATABASE_URL set.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERALD_HOME="${HERALD_HOME:-$(pwd)}"

PK=pk_demo0000000000000000000
WK=wk_demo00000000000000000000000000000000000000000
AT=at_demo00000000000000000000000000000000000000000
IS=is_demo0000000000000000000000000000000000000000000000000000000000
listen="${HERALD_LISTEN:-127.0.0.1:8080}"
base="${HERALD_PUBLIC_URL:-http://$listen}"

q() { psql "$HERALD_DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

if [ -z "$(q -c "SELECT 1 FROM workspaces WHERE slug = 'demo'")" ]; then
	bin/herald workspace create --name "Acme Analytics" --slug demo \
		--public-key "$PK" --write-key "$WK" --admin-token "$AT" \
		--identity-secret "$IS" >/dev/null
fi

q <<'SQL'
WITH ws AS (SELECT id FROM workspaces WHERE slug = 'demo')
INSERT INTO releases (workspace_id, slug, title, body_md, body_html,
                      labels, features, status, published_at, author)
SELECT ws.id, r.slug, r.title, r.md, r.html, r.labels, r.features,
       'published', now() - r.age, 'Product team'
  FROM ws, (VALUES
    ('data-visualization', 'Charts for every dashboard',
     'Build line, bar and funnel charts from any saved query. '
     || '[Read the guide](https://docs.example.com/charts).',
     '<p>Build line, bar and funnel charts from any saved query. '
     || '<a href="https://docs.example.com/charts">Read the guide</a>.</p>',
     ARRAY['new'], ARRAY['charts'], interval '2 hours'),
    ('csv-export', 'Export any table to CSV',
     'Every table now has an **Export** button.',
     '<p>Every table now has an <strong>Export</strong> button.</p>',
     ARRAY['improved'], ARRAY['csv_export'], interval '3 days'),
    ('faster-search', 'Search is three times faster',
     'We rebuilt the search index; results appear as you type.',
     '<p>We rebuilt the search index; results appear as you type.</p>',
     ARRAY['fixed'], ARRAY[]::text[], interval '10 days')
  ) AS r(slug, title, md, html, labels, features, age)
ON CONFLICT (workspace_id, slug) DO NOTHING;
SQL

mkdir -p tmp
cat > tmp/demo.txt <<MSG
  demo host page:    $base/demo   (widget signed in as "alex")
  public changelog:  $base/c/demo
  admin:             $base/admin
  admin token:       $AT
  widget public key: $PK
  write key:         $WK   (Segment API, Basic auth user name)
  identity secret:   $IS
MSG
