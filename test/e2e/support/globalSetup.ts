import globalSetup from '../../support/globalSetup';
import { clearScreenshots } from './browser';

/**
 * The browser run starts from no screenshots, once, so that every test file's pages are kept for a
 * person to look at afterwards (clearing in one file would drop those of the files before it).
 */
export default async function e2eGlobalSetup(): Promise<void> {
  await clearScreenshots();
  await globalSetup();
}
