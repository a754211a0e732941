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
    this.page ??= this.browser.defaultBrowserContext().newPage();
    const page = await this.page;
    return page.evaluate((t: string) => new DOMParser().parseFromString(t, 'application/xhtml+xml').getElementsByTagName('parsererror').length === 0, text);
  }
}
