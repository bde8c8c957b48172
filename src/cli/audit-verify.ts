/**
 * `npm run audit:verify [-- --checkpoint FILE …]`: walks the audit hash chain and its signed checkpoints, prints the
 * report as JSON and exits 0 when the chain is valid, 1 when it is not, 2 when it could not be checked (78: bad
 * configuration). Each FILE holds a checkpoint kept outside the deployment: the JSON that
 * GET /api/v1/audit/checkpoints/latest answered, or the bare JWS. The run is itself audited (audit.verify).
 * Uses the service's environment (DATABASE_URL, NODE_SIGNING_KEY …).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuditVerifier } from '../audit/audit-verifier';
import { AppConfig } from '../config/app-config';
import { ConfigurationError } from '../config/env.validation';
import { DomainError } from '../common/errors/domain-error';
import { dataSourceOptions } from '../database/typeorm-options';

const USAGE = 'usage: npm run audit:verify [-- --checkpoint FILE ...]\n';

export function parseArgs(argv: string[]): { checkpointFiles: string[] } {
  const checkpointFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--checkpoint' && argv[i + 1]) checkpointFiles.push(argv[++i]);
    else if (arg.startsWith('--checkpoint=')) checkpointFiles.push(arg.slice('--checkpoint='.length));
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { checkpointFiles };
}

class UsageError extends Error {}

/** A saved checkpoint file: the JSON of GET /api/v1/audit/checkpoints/latest, or the compact JWS on its own. */
export function checkpointFromFile(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jws = (JSON.parse(trimmed) as { jws?: unknown }).jws;
    if (typeof jws !== 'string') throw new UsageError('checkpoint file has no "jws" member');
    return jws;
  }
  return trimmed;
}

async function main(): Promise<number> {
  const { checkpointFiles } = parseArgs(process.argv.slice(2));
  const externalCheckpoints = checkpointFiles.map((f) => checkpointFromFile(readFileSync(f, 'utf8')));
  const config = AppConfig.fromEnvironment();
  const dataSource = new DataSource({
    ...dataSourceOptions(config.database.url, 2),
    extra: { max: 2, application_name: 'lintas-audit-verify' },
  });
  await dataSource.initialize();
  try {
    const verifier = new AuditVerifier(dataSource, config.node.publicKey, config.node.keyId, config.node.previousKeys);
    const report = await verifier.verify({ externalCheckpoints });
    if (!report) {
      process.stderr.write('lintas audit:verify: another verification of this database is running; try again when it ends\n');
      return 2;
    }
    try {
      await dataSource.transaction((em) =>
        new AuditService(dataSource).record(em, null, {
          action: 'audit.verify',
          recordType: 'audit_chain',
          details: {
            channel: 'cli',
            valid: report.valid,
            checkedEvents: report.checkedEvents,
            lastSequence: report.lastSequence,
            headSequence: report.headSequence,
            ...(report.valid ? {} : { reason: report.reason, firstBadSequence: report.firstBadSequence }),
            externalCheckpoint: externalCheckpoints.length > 0,
          },
        }),
      );
    } catch {
      // A read-only replica cannot take the record; the verdict still stands.
      process.stderr.write('lintas audit:verify: warning: could not record this verification in the audit log\n');
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.valid ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`lintas audit:verify: ${err.message}\n${USAGE}`);
        process.exit(2);
      }
      if (err instanceof ConfigurationError) {
        process.stderr.write(`lintas audit:verify: ${err.message}\n`);
        process.exit(78);
      }
      const message = err instanceof DomainError ? err.message : `could not verify: ${(err as Error)?.message ?? String(err)}`;
      process.stderr.write(`lintas audit:verify: ${message}\n`);
      process.exit(2);
    },
  );
}
