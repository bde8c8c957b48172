/**
 * The module boundaries of Lintas, checked by `npm run lint:deps` (part of `npm test`). README "Architecture" lists
 * them in one line each. A rule that fails names the importing file and the imported one.
 *
 * Folders of src/ sit in layers, lowest first; a folder may import its own files and folders of LOWER layers only.
 * That is "no cycles between folders", stated as the order that keeps it true: a new import that points up fails
 * here, and the fix is to turn it around (a port the lower module defines, an event the higher module handles), not
 * to move the folder up without thinking. Folders in one layer do not import each other. The app root files
 * (src/*.ts) wire everything and are not in a layer.
 */
const LAYERS = [
  ['common'], // vocabulary, errors, validation, HTTP and auth helpers: no domain, no configuration
  ['config'], // the typed environment; domain defaults come from common/vocabulary
  ['database', 'queue'],
  ['crypto', 'outbox'],
  ['audit', 'idempotency'], // idempotency: one transaction around an idempotent POST and its sealed answer
  ['organisations'],
  ['users'],
  ['auth'],
  ['alerts', 'federation'], // federation is transport: sign, send, verify, store inbound packets
  ['cases', 'health', 'system', 'languages', 'webhooks', 'notifications'], // languages: labels served; webhooks, notifications: events and e-mail out
  ['disclosure'], // the gate: case facts and recipients in, consent through its port (consent-port.ts), one decision out
  ['consent'], // implements the gate's consent port and asks the gate (consent.record)
  ['restitution'],
  ['referrals', 'bootstrap'], // referrals build packets through the gate and react to consent.withdrawn
  ['rights', 'changes'], // rights: recipients and the access report; changes: the feed, asking the modules below who sees what
  ['statistics'], // reads for auditors; nothing imports it
  ['cli'],
];

/**
 * Exceptions to the layers, by file: none left (the last ones were turned around with ports the lower module owns:
 * users/session-revoker.port.ts, disclosure/case-holdings-port.ts). A file added here needs its reason beside it.
 */
const KNOWN_UPWARD = [];

/** Exceptions to "no module imports another module's entity": none left (each module's *-reads.ts answers for its table). */
const KNOWN_FOREIGN_ENTITY_READERS = [];

/** Temporary exceptions to "no module imports another module's queries" (none left: the gate asks cases/case-facts.ts). */
const KNOWN_FOREIGN_QUERIES = [];

const DOMAIN = [
  'alerts',
  'audit',
  'auth',
  'bootstrap',
  'cases',
  'consent',
  'crypto',
  'disclosure',
  'federation',
  'health',
  'idempotency',
  'languages',
  'organisations',
  'referrals',
  'restitution',
  'rights',
  'statistics',
  'system',
  'users',
  'webhooks',
  'notifications',
];
const any = (list) => `(${list.join('|')})`;

const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const notBelow = LAYERS.slice(i)
      .flat()
      .filter((f) => f !== folder);
    return {
      name: `layer-${folder}`,
      comment: `${folder}/ imports only folders of lower layers (.dependency-cruiser.cjs LAYERS): not ${notBelow.join(', ')}`,
      severity: 'error',
      from: { path: `^src/${folder}/`, pathNot: KNOWN_UPWARD },
      to: { path: `^src/${any(notBelow)}/` },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'common-config-no-domain',
      comment: 'common/ and config/ know no domain module; a domain default (milestone periods, say) lives in common/vocabulary',
      severity: 'error',
      from: { path: '^src/(common|config)/', pathNot: KNOWN_UPWARD },
      to: { path: `^src/${any(DOMAIN)}/` },
    },
    {
      name: 'federation-is-transport',
      comment: 'federation signs, sends, verifies and stores packets; it knows no case, referral, consent or claim',
      severity: 'error',
      from: { path: '^src/federation/' },
      to: { path: '^src/(cases|referrals|consent|restitution|disclosure)/' },
    },
    {
      name: 'no-foreign-entity',
      comment:
        "a module asks another module's service, never its entities. Allowed: an entity naming another's entity as a " +
        'relation target, and the data source, which registers every entity (src/database)',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: ['\\.entity\\.ts$', '^src/database/', '\\.spec\\.ts$', ...KNOWN_FOREIGN_ENTITY_READERS] },
      to: { path: '\\.entity\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'no-foreign-queries',
      comment: "a module's hand-written SQL (*.queries.ts) is its own; another module calls its service",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: KNOWN_FOREIGN_QUERIES },
      to: { path: '\\.queries\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'no two files import each other, directly or around a loop (type-only imports between entities aside)',
      severity: 'error',
      from: { pathNot: '\\.entity\\.ts$' },
      to: { circular: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|coverage)/' },
  },
};
