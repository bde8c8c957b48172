/**
 * SMTP through nodemailer, configured by SMTP_URL and SMTP_FROM. Without SMTP_URL e-mail is off: nothing is queued and
 * the boot log says so once. The address and the text are never logged.
 */
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';
import { MailText } from './notification-messages';

@Injectable()
export class Mailer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Mailer.name);
  private transport?: Transporter;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.email !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.config.email) {
      this.logger.log('e-mail is off: SMTP_URL is not set (alerts stay in GET /api/v1/alerts only)');
      return;
    }
    this.transport = createTransport(this.config.email.smtpUrl, { from: this.config.email.from });
    this.logger.log('e-mail is on (SMTP_URL set)');
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  async send(to: string, mail: MailText): Promise<void> {
    if (!this.transport) throw new Error('e-mail is off');
    await this.transport.sendMail({ to, subject: mail.subject, text: mail.text });
  }
}
