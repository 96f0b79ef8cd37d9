import { randomUUID } from 'node:crypto';
import type { CapturedMail, DevMailboxView } from '../../web/app/loadContext';

/**
 * Development without SMTP: the messages the service sends, kept in memory (the newest 200) so that
 * the mail viewer at /dev/mail shows each one, links and all, as the recipient would see it. Never
 * created in production or when SMTP_URL is set; a restart empties it.
 */
export class DevMailbox implements DevMailboxView {
  private readonly messages: CapturedMail[] = [];

  constructor(private readonly capacity = 200) {}

  capture(mail: Omit<CapturedMail, 'id' | 'sentAt'>): CapturedMail {
    const captured = { ...mail, id: randomUUID(), sentAt: new Date().toISOString() };
    this.messages.unshift(captured);
    this.messages.splice(this.capacity);
    return captured;
  }

  list(): CapturedMail[] {
    return [...this.messages];
  }

  find(id: string): CapturedMail | undefined {
    return this.messages.find((message) => message.id === id);
  }
}
