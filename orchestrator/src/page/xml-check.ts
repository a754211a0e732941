import { Browser, Page } from 'puppeteer-core';

/**
 * Whether a text is well-formed XML, by Chromium's own XML parser (the one that would render it),
 * in one blank page of the browser's default context that loads nothing. A session's own page
 * cannot do it: evaluating in a frame whose navigation response is paused cancels that navigation.
 */
export class XmlCheck {
  private page: Promise<Page> | null = null;

  constructor(private readonly browser: Browser) {}

  async wellFormed(text: string): Promise<boolean> {
    // A page whose renderer died is replaced once; a second failure is the caller's.
    for (let attempt = 0; ; attempt++) {
      const pending = (this.page ??= this.browser.defaultBrowserContext().newPage());
      try {
        const page = await pending;
        return await page.evaluate((t: string) => new DOMParser().parseFromString(t, 'application/xhtml+xml').getElementsByTagName('parsererror').length === 0, text);
      } catch (err) {
        if (this.page === pending) this.page = null;
        pending.then((p) => p.close()).catch(() => undefined);
        if (attempt > 0) throw err;
      }
    }
  }
}
