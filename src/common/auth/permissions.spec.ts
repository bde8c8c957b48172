import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Permission, permissionTableMarkdown, ROLE_PERMISSIONS } from './permissions';

describe('permission map', () => {
  it('is the table the README shows (regenerate it with permissionTableMarkdown() when the map changes)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(permissionTableMarkdown());
  });

  it('gives case content to no org admin, auditor or platform admin', () => {
    const caseContent = Object.values(Permission).filter((p) => p.startsWith('case:') || p.startsWith('consent:'));
    for (const role of ['org_admin', 'auditor', 'platform_admin'] as const) {
      expect(caseContent.filter((p) => ROLE_PERMISSIONS[role].has(p))).toEqual([]);
    }
  });
});
