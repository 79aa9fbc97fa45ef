// Interface strings in English and German, and the locale choice.

const S = {
  en: {
    title: 'What\u2019s new',
    unread: (n) => n + ' unread',
    markAll: 'Mark all read',
    close: 'Close',
    loading: 'Loading\u2026',
    empty: 'No updates yet.',
    error: 'Could not load updates.',
    copy: 'Copy link',
    copied: 'Link copied',
    email: 'Email',
    share: 'Share',
    tryIt: 'Try it',
    labels: { new: 'New', improved: 'Improved', fixed: 'Fixed', beta: 'Beta' }
  },
  de: {
    title: 'Neuigkeiten',
    unread: (n) => n + ' ungelesen',
    markAll: 'Alle gelesen',
    close: 'Schlie\u00dfen',
    loading: 'Wird geladen\u2026',
    empty: 'Noch keine Neuigkeiten.',
    error: 'Neuigkeiten konnten nicht geladen werden.',
    copy: 'Link kopieren',
    copied: 'Link kopiert',
    email: 'E-Mail',
    share: 'Teilen',
    tryIt: 'Ausprobieren',
    labels: {
      new: 'Neu', improved: 'Verbessert', fixed: 'Behoben', beta: 'Beta'
    }
  }
};

/** 'en' or 'de' from an explicit attribute, else the browser language. */
export function pickLocale(attr) {
  const l = String(attr || navigator.language || 'en').slice(0, 2)
    .toLowerCase();
  return S[l] ? l : 'en';
}

/** The string table of a locale returned by pickLocale. */
export const strings = (locale) => S[locale] || S.en;
