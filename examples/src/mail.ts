// Reading the invitation mail. Without SMTP_URL, Roster writes each message to <DATA_DIR>/mail as
// an .eml file and a .json summary holding the recipient and the link; a developer opens the link
// from there. (With SMTP, the link arrives in the invitee's inbox instead.)
import fs from 'node:fs/promises';
import path from 'node:path';

interface SinkSummary {
  to: string;
  subject: string;
  link?: string;
  date: string;
}

/** Waits for the newest mail to `email` in the sink folder and returns the link it carries. */
export async function waitForMailLink(
  mailDir: string,
  email: string,
  options: { timeoutMs?: number; since?: Date } = {},
): Promise<URL> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const since = options.since?.getTime() ?? 0;
  for (;;) {
    const names = await fs.readdir(mailDir).catch(() => [] as string[]);
    const summaries: SinkSummary[] = [];
    for (const name of names.filter((file) => file.endsWith('.json'))) {
      const text = await fs.readFile(path.join(mailDir, name), 'utf8');
      try {
        summaries.push(JSON.parse(text) as SinkSummary);
      } catch {
        // Still being written; read it on the next round.
      }
    }
    const newest = summaries
      .filter((mail) => mail.to.toLowerCase() === email.toLowerCase() && mail.link)
      .filter((mail) => Date.parse(mail.date) >= since)
      .sort((a, b) => Date.parse(b.date) - Date.parse(a.date))[0];
    if (newest?.link) return new URL(newest.link);
    if (Date.now() > deadline) throw new Error(`No mail to ${email} in ${mailDir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
