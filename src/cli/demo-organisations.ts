/** The demo's organisations, users and password (fictional; printed in the README and by `npm run local`). */
import { OrganisationType, Role } from '../common/vocabulary';

/** One password for every demo user, printed in the README. Demo data only. */
export const DEMO_PASSWORD = 'lintas demo passphrase 2026';

interface DemoOrganisation {
  key: string;
  name: string;
  country: string;
  type: OrganisationType;
  users: Role[];
}

export const DEMO_ORGANISATIONS: DemoOrganisation[] = [
  { key: 'th', name: 'Mercy Shelter Bangkok', country: 'TH', type: 'ngo', users: ['caseworker', 'supervisor', 'org_admin'] },
  { key: 'kh', name: 'Phnom Penh Recovery Centre', country: 'KH', type: 'ngo', users: ['caseworker', 'supervisor'] },
  { key: 'mm', name: 'Yangon Reintegration Service', country: 'MM', type: 'local_gov', users: ['caseworker', 'supervisor'] },
  { key: 'la', name: 'Vientiane Family Support', country: 'LA', type: 'ngo', users: ['caseworker', 'supervisor'] },
  {
    key: 'oversight',
    name: 'Regional Anti-Trafficking Oversight Office',
    country: 'ID',
    type: 'oversight',
    users: ['auditor', 'org_admin'],
  },
];

export const demoEmail = (role: Role, orgKey: string): string => `${role.replace('_', '-')}.${orgKey}@demo.lintas.example`;
